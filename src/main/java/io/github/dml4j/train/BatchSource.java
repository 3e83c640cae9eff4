package io.github.dml4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Iterator;

/**
 * Where {@link MetricTrainer} gets its batches from: which records form each batch of an epoch,
 * and how a batch of records becomes input and label tensors.
 *
 * <p>{@link ClassBatches} gives P x K batches of single images for in-batch mining; pair and
 * triplet datasets give batches of two or three images per record.
 */
public interface BatchSource {

    /** Records per batch. */
    int batchSize();

    /** Batches in one epoch. */
    int batchesPerEpoch();

    /** The record indices of each batch of epoch {@code epoch}, reproducible for a seed. */
    Iterator<long[]> batches(int epoch);

    /**
     * Builds the input and label tensors of one batch in {@code manager}.
     *
     * @param manager the batch's manager, closed after the training step
     * @param indices the batch's record indices
     */
    TrainingBatch load(NDManager manager, long[] indices);

    /** The shapes of one batch's inputs, e.g. one (B, C, H, W) for images, two for pairs. */
    Shape[] inputShapes();
}
