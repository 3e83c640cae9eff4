package io.github.dml4j.train;

import ai.djl.ndarray.NDList;

/**
 * One batch ready for a training step.
 *
 * @param data the head's inputs, e.g. one (B, C, H, W) image tensor or two for pairs
 * @param labels the labels the head's loss reads
 * @param images the number of images in the batch, for throughput
 */
public record TrainingBatch(NDList data, NDList labels, long images) {}
