package io.github.dml4j.head;

/**
 * What the records of a training batch are, and so how a {@link MetricHead} turns them into
 * embeddings, labels and tuples for its loss. A batch source states its layout; the head does not
 * guess it from the number of inputs.
 */
public enum BatchLayout {

    /**
     * Single labelled images, as P x K batches for in-batch mining: one (B, C, H, W) input and a
     * (B) vector of class labels. A miner (or the loss itself, without one) chooses the tuples.
     */
    CLASSES(1, "one (B, C, H, W) image batch with (B) class labels"),

    /**
     * Explicit pairs, as a Siamese network's two branches see them: two (B, C, H, W) inputs (the
     * first and the second image of each pair) and a (B) label that is 1 (or true) for a pair of
     * one class and 0 otherwise. The pairs are the loss's tuples; no miner is used.
     */
    PAIRS(2, "two (B, C, H, W) inputs (first and second images) with a (B) same/different label"),

    /**
     * Explicit triplets: three (B, C, H, W) inputs (anchors, positives, negatives) and optionally a
     * (B, 3) label of their classes. The triplets are the loss's tuples; no miner is used.
     */
    TRIPLETS(3, "three (B, C, H, W) inputs (anchors, positives, negatives) with an optional (B, 3) class label");

    private final int inputCount;
    private final String description;

    BatchLayout(int inputCount, String description) {
        this.inputCount = inputCount;
        this.description = description;
    }

    /** The number of image inputs of a batch. */
    public int inputCount() {
        return inputCount;
    }

    /** Whether the batch's records are explicit tuples (pairs or triplets) rather than single images. */
    public boolean isExplicitTuples() {
        return this != CLASSES;
    }

    /** What a batch of this layout holds, as messages say it. */
    public String description() {
        return description;
    }
}
