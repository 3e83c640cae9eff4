package io.github.dml4j.data;

import ai.djl.training.dataset.RandomAccessDataset;

/**
 * The shared self-typed base of the builders of datasets served from an {@link ImageSource}
 * ({@link ImageDataset}, {@link PairDataset}, {@link TripletDataset}): the images, their pixel
 * normalization, and the checks on both.
 *
 * @param <T> the concrete builder
 */
public abstract class ImageSetBuilder<T extends ImageSetBuilder<T>> extends RandomAccessDataset.BaseBuilder<T> {

    ImageSource images;
    PixelNormalization normalization = PixelNormalization.NONE;

    /** For the builders of this package. */
    ImageSetBuilder() {}

    /**
     * The images (and labels) the dataset serves (required).
     *
     * @param images the images
     * @return this builder
     */
    public T setImages(ImageSource images) {
        this.images = images;
        return self();
    }

    /**
     * How pixels are normalized after scaling to [0, 1] (default {@link PixelNormalization#NONE},
     * scaling only); use the embedding network's {@code getPixelNormalization()}, e.g.
     * {@link PixelNormalization#FASHION_MNIST} in the benchmark.
     *
     * @param normalization the normalization
     * @return this builder
     */
    public T optNormalization(PixelNormalization normalization) {
        this.normalization = normalization;
        return self();
    }

    /**
     * Checks that the images are set and the normalization fits their channels.
     *
     * @param dataset how the messages name the dataset, e.g. "an ImageDataset"
     */
    void checkImages(String dataset) {
        if (images == null) {
            throw new IllegalArgumentException("The images of " + dataset + " must be set with setImages(...).");
        }
        if (normalization == null) {
            throw new IllegalArgumentException("The normalization of " + dataset + " (optNormalization) must not be null.");
        }
        float[] mean = normalization.mean();
        if (mean.length != 1 && mean.length != images.channels()) {
            throw new IllegalArgumentException("The normalization of " + dataset + " has " + mean.length
                    + " channels but the images have " + images.channels() + ".");
        }
    }
}
