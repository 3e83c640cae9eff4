package io.github.dml4j.train;

import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.head.MetricHead;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Checks, before training, that the batches can teach the loss anything, instead of training at
 * a loss of exactly 0 for want of positive or negative pairs.
 */
final class BatchChecks {

    private static final Logger LOGGER = LoggerFactory.getLogger(BatchChecks.class);

    private BatchChecks() {}

    /**
     * @throws IllegalArgumentException if class batches hold one class, or (for a loss of pairs
     *     of embeddings) no class has two images or m is 1, saying why
     */
    static void checkCanLearn(MetricHead head, BatchSource source) {
        if (source.layout() != BatchLayout.CLASSES) {
            return;
        }
        int[] labels = source.images().labels();
        Map<Integer, Integer> counts = new HashMap<>();
        for (int label : labels) {
            counts.merge(label, 1, Integer::sum);
        }
        String loss = head.getLoss().getName();
        if (counts.size() < 2) {
            throw new IllegalArgumentException("The training images hold a single class (label "
                    + counts.keySet().stream().findFirst().orElse(-1) + "): " + loss + " learns to tell classes apart"
                    + " and needs images of at least 2 classes.");
        }
        if (head.getLoss().needsClassLabels()) {
            return;
        }
        long repeated = counts.values().stream().filter(c -> c >= 2).count();
        if (repeated == 0) {
            throw new IllegalArgumentException("Every one of the " + counts.size() + " training classes has a single"
                    + " image, so no batch holds a positive pair and " + loss + " would train at loss 0: give classes"
                    + " two or more images, or train a classification loss such as ArcFaceLoss.");
        }
        Integer m = source.sampling().m();
        if (m != null && m < 2) {
            throw new IllegalArgumentException("The batches draw m = " + m + " image per class, so no batch holds a"
                    + " positive pair and " + loss + " would train at loss 0: set m to 2 or more (ClassBatches.optM).");
        }
        if (repeated * 10 < counts.size()) {
            LOGGER.warn("Only {} of the {} training classes have two or more images: {} learns from positive pairs of those"
                    + " alone", repeated, counts.size(), loss);
        }
    }
}
