package io.github.dml4j.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.sampler.MPerClassSampler;

import java.util.Iterator;

/**
 * Batches of single labelled images drawn by an {@link MPerClassSampler}: the input is one
 * normalized (B, C, H, W) tensor, the label a (B) int64 vector of class labels.
 */
public final class ClassBatches implements BatchSource {

    private final LabeledImages images;
    private final MPerClassSampler sampler;
    private final PixelNormalization normalization;

    /**
     * @param images the training images
     * @param sampler a sampler built on {@code images.labels()}
     * @param normalization how pixels become network input
     */
    public ClassBatches(LabeledImages images, MPerClassSampler sampler, PixelNormalization normalization) {
        if (sampler.getLength() > 0 && images.size() == 0) {
            throw new IllegalArgumentException("There are no training images.");
        }
        this.images = images;
        this.sampler = sampler;
        this.normalization = normalization;
    }

    @Override
    public int batchSize() {
        return sampler.getBatchSize();
    }

    @Override
    public int batchesPerEpoch() {
        return sampler.batchesPerEpoch();
    }

    @Override
    public Iterator<long[]> batches(int epoch) {
        return sampler.batches(epoch);
    }

    @Override
    public TrainingBatch load(NDManager manager, long[] indices) {
        return new TrainingBatch(new NDList(images.toNDArray(manager, indices, normalization)),
                new NDList(images.labelsNDArray(manager, indices)), indices.length);
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(sampler.getBatchSize()).addAll(images.imageShape())};
    }
}
