package io.github.dml4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.provenance.SamplingSettings;

import java.util.Iterator;
import java.util.List;

/**
 * Where {@link MetricTrainer} gets its batches from: what their records are (the
 * {@link BatchLayout}), which records form each batch of an epoch, and how a batch of records
 * becomes normalized input and label tensors. The sampler and its settings (m, positive share,
 * seed) belong here, not to the trainer.
 *
 * <p>{@link ClassBatches} gives P x K batches of single images for in-batch mining;
 * {@link PairBatches} and {@link TripletBatches} give explicit pairs and triplets.
 */
public interface BatchSource {

    /** What the batches' records are; the head embeds and scores them accordingly. */
    BatchLayout layout();

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

    /**
     * Builds one batch as {@link #load(NDManager, long[])} does, drawing any random
     * augmentation from {@code batchKey} rather than from a counter of calls, so that a resumed
     * run augments its batches exactly as the uninterrupted run would. {@link MetricTrainer}
     * passes the number of steps done before the batch. The default ignores the key.
     *
     * @param manager the batch's manager, closed after the training step
     * @param indices the batch's record indices
     * @param batchKey the key of the batch's random choices
     * @return the batch
     */
    default TrainingBatch load(NDManager manager, long[] indices, long batchKey) {
        return load(manager, indices);
    }

    /**
     * The image indices (of {@link #images()}) that {@link #load} reads for a batch, in the order
     * it reads them, so that a trainer can hand them to {@link ImageSource#prefetch} a few batches
     * ahead: for single-image records (the default, {@link ClassBatches}) the record indices
     * themselves; for pairs the first images, then the second; for triplets the anchors, the
     * positives, then the negatives.
     *
     * @param batch the batch's record indices
     * @return a new array of image indices
     */
    default long[] imageIndices(long[] batch) {
        return batch.clone();
    }

    /** The shapes of one batch's inputs, e.g. one (B, C, H, W) for images, two for pairs. */
    Shape[] inputShapes();

    /** How pixels become network input; it must be the embedding network's. */
    PixelNormalization normalization();

    /** The images the batches are drawn from, for the model card's data fingerprint. */
    ImageSource images();

    /** The sampler and its settings, for the model card. */
    SamplingSettings sampling();

    /**
     * The attributes whose (B, A) label matrix the batches carry after their class labels, in
     * the order of its columns ({@link AttributeBatches}); empty (the default) for batches
     * without attribute labels.
     */
    default List<AttributeTable.Attribute> attributes() {
        return List.of();
    }
}
