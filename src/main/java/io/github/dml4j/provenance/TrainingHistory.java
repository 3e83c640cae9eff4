package io.github.dml4j.provenance;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/**
 * The record of a training run, immutable: the settings it ran with and what each epoch did.
 *
 * @param settings the trainer's settings for the run, or null when unknown
 * @param epochs one result per epoch, in order
 */
public record TrainingHistory(TrainingSettings settings, List<EpochResult> epochs) {

    /** Copies the list. */
    public TrainingHistory {
        epochs = List.copyOf(epochs);
    }

    /** The mean loss of each epoch. */
    public double[] losses() {
        return epochs.stream().mapToDouble(EpochResult::meanLoss).toArray();
    }

    /** Mean training images per second over epochs 2..N (all epochs if there is one). */
    public double trainImagesPerSecond() {
        List<EpochResult> e = epochs.size() > 1 ? epochs.subList(1, epochs.size()) : epochs;
        double images = e.stream().mapToDouble(EpochResult::images).sum();
        double seconds = e.stream().mapToDouble(EpochResult::seconds).sum();
        return seconds > 0 ? images / seconds : Double.NaN;
    }

    /**
     * Writes the history as CSV with a header line.
     *
     * @throws IOException if {@code out} fails
     */
    public void writeCsv(Writer out) throws IOException {
        out.write("epoch,mean_loss,batches,images,seconds,images_per_second\n");
        for (EpochResult r : epochs) {
            out.write(String.format(Locale.ROOT, "%d,%.6f,%d,%d,%.3f,%.1f%n",
                    r.epoch(), r.meanLoss(), r.batches(), r.images(), r.seconds(), r.imagesPerSecond()));
        }
    }
}
