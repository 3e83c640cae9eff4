package io.github.dml4j.provenance;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/**
 * The record of a training run, immutable: the settings it ran with, what each epoch did, the loss
 * of every step, the validation metrics and which epoch's parameters were kept. A resumed run's
 * history continues the interrupted one's, so it reads as if the run had never stopped.
 *
 * @param settings the trainer's settings for the run, or null when unknown
 * @param epochs one result per epoch, in order
 * @param stepLosses the loss of every optimizer step, in order (empty when unknown)
 * @param validations the evaluations on the validation images, in order (empty without validation)
 * @param selection the epoch whose parameters were kept, by the validation metric, or null
 *     without validation (the last parameters are kept)
 */
public record TrainingHistory(TrainingSettings settings, List<EpochResult> epochs, List<Float> stepLosses,
        List<ValidationResult> validations, ModelSelection selection) {

    /** Copies the lists. */
    public TrainingHistory {
        epochs = List.copyOf(epochs);
        stepLosses = List.copyOf(stepLosses == null ? List.of() : stepLosses);
        validations = List.copyOf(validations == null ? List.of() : validations);
    }

    /**
     * A history of epochs only, as runs recorded before step losses and validation existed.
     *
     * @param settings the settings, or null
     * @param epochs one result per epoch
     */
    public TrainingHistory(TrainingSettings settings, List<EpochResult> epochs) {
        this(settings, epochs, List.of(), List.of(), null);
    }

    /**
     * Whether early stopping ended the run before its last epoch.
     *
     * @return true if it stopped early
     */
    public boolean stoppedEarly() {
        return selection != null && selection.stoppedEarly();
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
