package io.github.dml4j.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDArray;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.sampler.MPerClassSampler;

import java.util.Iterator;

/**
 * Batches of single labelled images drawn by an {@link MPerClassSampler}: the input is one
 * normalized (B, C, H, W) tensor, the label a (B) int64 vector of class labels.
 *
 * <p>With an {@link ImageAugmentation}, every batch is augmented on the engine as it is loaded:
 * pixels are scaled to [0, 1], augmented (each image with its own random parameters, drawn by
 * {@link ImageAugmentation#apply(NDArray)}, so a rerun with the same seed repeats them) and then
 * normalized, so that padding is black and brightness scales around black, as in torchvision's
 * order of transforms.
 */
public final class ClassBatches implements BatchSource {

    private final LabeledImages images;
    private final MPerClassSampler sampler;
    private final PixelNormalization normalization;
    private final ImageAugmentation augmentation;

    /**
     * Batches without augmentation.
     *
     * @param images the training images
     * @param sampler a sampler built on {@code images.labels()}
     * @param normalization how pixels become network input
     */
    public ClassBatches(LabeledImages images, MPerClassSampler sampler, PixelNormalization normalization) {
        this(images, sampler, normalization, null);
    }

    /**
     * Batches augmented as they are loaded.
     *
     * @param images the training images
     * @param sampler a sampler built on {@code images.labels()}
     * @param normalization how pixels become network input, applied after the augmentation
     * @param augmentation the random augmentation, or null for none
     */
    public ClassBatches(LabeledImages images, MPerClassSampler sampler, PixelNormalization normalization,
                        ImageAugmentation augmentation) {
        if (sampler.getLength() > 0 && images.size() == 0) {
            throw new IllegalArgumentException("There are no training images.");
        }
        this.images = images;
        this.sampler = sampler;
        this.normalization = normalization;
        this.augmentation = augmentation;
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
        NDArray input;
        if (augmentation == null || augmentation.isIdentity()) {
            input = images.toNDArray(manager, indices, normalization);
        } else {
            NDArray scaled = images.toNDArray(manager, indices, PixelNormalization.NONE);
            input = normalization.applyToScaled(augmentation.apply(scaled));
        }
        return new TrainingBatch(new NDList(input),
                new NDList(images.labelsNDArray(manager, indices)), indices.length);
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(sampler.getBatchSize()).addAll(images.imageShape())};
    }
}
