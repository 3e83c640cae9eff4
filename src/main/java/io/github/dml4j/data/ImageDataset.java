package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;

import java.util.Objects;

/**
 * A DJL {@link RandomAccessDataset} over an {@link ImageSource}, so that DJL samplers,
 * {@code getData} and {@code EasyTrain} work on DML4J data.
 *
 * <p>{@link #get(NDManager, long)} returns a {@link Record} whose data is one float32 image of
 * shape (C, H, W), scaled to [0, 1] and normalized with the dataset's
 * {@link PixelNormalization}, and whose label is an int64 scalar (so DJL's default stack
 * batchifier makes (B, C, H, W) images and (B) labels).
 *
 * <pre>{@code
 * ImageDataset train = ImageDataset.builder()
 *         .setImages(FashionMnist.builder().build().load(FashionMnist.Split.TRAIN))
 *         .optNormalization(PixelNormalization.FASHION_MNIST)
 *         .setSampling(128, true)
 *         .build();
 * }</pre>
 *
 * <p>Note that DJL applies a builder's {@code addTransform} pipeline to whole batches, not to
 * single images.
 */
public final class ImageDataset extends RandomAccessDataset {

    private final ImageSource images;
    private final PixelNormalization normalization;

    private ImageDataset(Builder builder) {
        super(builder);
        this.images = builder.images;
        this.normalization = builder.normalization;
    }

    /**
     * A builder; {@link Builder#setImages(ImageSource)} and a sampling are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * One image and its label.
     *
     * @param manager the manager that owns the returned arrays
     * @param index image index in [0, {@link #availableSize()})
     * @return data: float32 (C, H, W) normalized image; labels: int64 scalar label
     * @throws IndexOutOfBoundsException if {@code index} is outside the images
     */
    @Override
    public Record get(NDManager manager, long index) {
        if (index < 0 || index >= images.size()) {
            throw new IndexOutOfBoundsException(
                    "Image index " + index + " is outside this dataset of " + images.size() + " images.");
        }
        NDArray batch = images.toNDArray(manager, new long[] {index}, normalization);
        NDArray image = batch.squeeze(0);
        batch.close();
        NDArray label = manager.create((long) images.label((int) index));
        return new Record(new NDList(image), new NDList(label));
    }

    /** Number of images held, before any {@code optLimit}. */
    @Override
    protected long availableSize() {
        return images.size();
    }

    /** Does nothing: the {@link ImageSource} reads its images when they are asked for. */
    @Override
    public void prepare(Progress progress) {
        // the source reads on demand
    }

    /**
     * The images and labels this dataset serves.
     *
     * @return the images
     */
    public ImageSource images() {
        return images;
    }

    /**
     * The normalization applied to every image.
     *
     * @return the normalization
     */
    public PixelNormalization normalization() {
        return normalization;
    }

    @Override
    public String toString() {
        return "ImageDataset{" + images + ", " + normalization + '}';
    }

    /** Builder of {@link ImageDataset}, with DJL's sampling, batchifier and limit options. */
    public static final class Builder extends ImageSetBuilder<Builder> {


        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Validates the settings and builds the dataset.
         *
         * @return the dataset
         * @throws IllegalArgumentException naming the missing or bad setting
         */
        public ImageDataset build() {
            checkImages("an ImageDataset");
            if (sampler == null) {
                throw new IllegalArgumentException("The sampling of an ImageDataset must be set with"
                        + " setSampling(batchSize, shuffle) or setSampling(sampler).");
            }
            return new ImageDataset(this);
        }
    }
}
