package io.github.dml4j.provenance;

/**
 * What one training epoch did.
 *
 * @param epoch epoch number, starting at 1
 * @param meanLoss mean of the batch losses
 * @param batches batches trained (batches whose loss was exactly zero on the first step are skipped)
 * @param images images seen
 * @param seconds wall time of the epoch
 */
public record EpochResult(int epoch, double meanLoss, int batches, long images, double seconds) {

    /** Training throughput of the epoch. */
    public double imagesPerSecond() {
        return seconds > 0 ? images / seconds : Double.NaN;
    }
}
