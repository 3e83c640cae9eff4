package io.github.dml4j.provenance;

/**
 * How a training run drew its batches, as recorded in a model card: the sampler and its
 * settings.
 *
 * @param sampler the sampler's name, e.g. {@code "MPerClassSampler"} or {@code "BalancedPairSampler"}
 * @param batchSize records per batch (images, pairs or triplets)
 * @param batchesPerEpoch batches in one epoch
 * @param m images per class in a batch, or null when the sampler has no m
 * @param mode the sampler's mode (e.g. {@code "PER_BATCH"}), or null
 * @param positiveShare the share of positive pairs in a batch of pairs, or null
 * @param seed the sampler's seed
 */
public record SamplingSettings(String sampler, int batchSize, int batchesPerEpoch, Integer m, String mode,
                               Double positiveShare, long seed) {

    /** Validates the settings. */
    public SamplingSettings {
        if (sampler == null || sampler.isBlank()) {
            throw new IllegalArgumentException("Sampling settings need the sampler's name.");
        }
        if (batchSize < 1 || batchesPerEpoch < 0) {
            throw new IllegalArgumentException("A sampler draws batches of at least 1 record, got batch size " + batchSize
                    + " and " + batchesPerEpoch + " batches per epoch.");
        }
    }
}
