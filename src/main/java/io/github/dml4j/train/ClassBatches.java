package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.sampler.MPerClassSampler;

import java.util.Iterator;

/**
 * Batches of single labelled images drawn by an {@link MPerClassSampler} (P classes x m images),
 * for in-batch mining: the input is one normalized (B, C, H, W) tensor, the label a (B) int64
 * vector of class labels. Layout {@link BatchLayout#CLASSES}.
 *
 * <pre>{@code
 * ClassBatches batches = ClassBatches.builder()
 *         .setImages(train)
 *         .setNormalization(net.getPixelNormalization())
 *         .optM(16).optBatchSize(128).optSeed(0)
 *         .build();
 * }</pre>
 *
 * <p>With an {@link ImageAugmentation}, every batch is augmented on the engine as it is loaded:
 * pixels are scaled to [0, 1], augmented (each image with its own random parameters, drawn by
 * {@link ImageAugmentation#apply(NDArray)}, so a rerun with the same seed repeats them) and then
 * normalized, so that padding is black and brightness scales around black, as in torchvision's
 * order of transforms.
 */
public final class ClassBatches implements BatchSource {

    private final ImageSource images;
    private final MPerClassSampler sampler;
    private final PixelNormalization normalization;
    private final ImageAugmentation augmentation;

    private ClassBatches(Builder b, MPerClassSampler sampler) {
        this.images = b.images;
        this.sampler = sampler;
        this.normalization = b.normalization;
        this.augmentation = b.augmentation;
    }

    /** Returns a builder; the images and the normalization are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The sampler. */
    public MPerClassSampler sampler() {
        return sampler;
    }

    /** The augmentation, or null. */
    public ImageAugmentation augmentation() {
        return augmentation;
    }

    @Override
    public BatchLayout layout() {
        return BatchLayout.CLASSES;
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
        return load(manager, indices, null);
    }

    @Override
    public TrainingBatch load(NDManager manager, long[] indices, long batchKey) {
        return load(manager, indices, Long.valueOf(batchKey));
    }

    private TrainingBatch load(NDManager manager, long[] indices, Long batchKey) {
        NDArray input;
        if (augmentation == null || augmentation.isIdentity()) {
            input = images.toNDArray(manager, indices, normalization);
        } else {
            NDArray scaled = images.toNDArray(manager, indices, PixelNormalization.NONE);
            NDArray augmented = batchKey == null ? augmentation.apply(scaled) : augmentation.apply(scaled, batchKey);
            input = normalization.applyToScaled(augmented);
        }
        return new TrainingBatch(new NDList(input),
                new NDList(images.labelsNDArray(manager, indices)), indices.length);
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(sampler.getBatchSize()).addAll(images.imageShape())};
    }

    @Override
    public PixelNormalization normalization() {
        return normalization;
    }

    @Override
    public ImageSource images() {
        return images;
    }

    @Override
    public SamplingSettings sampling() {
        return new SamplingSettings("MPerClassSampler", sampler.getBatchSize(), sampler.batchesPerEpoch(), sampler.getM(),
                sampler.getMode().name(), null, sampler.getSeed());
    }

    @Override
    public String toString() {
        return "ClassBatches{" + images + ", " + sampler + (augmentation == null ? "" : ", " + augmentation) + '}';
    }

    /** Builder for {@link ClassBatches}; the sampler settings default to the benchmark protocol's. */
    public static final class Builder {
        private ImageSource images;
        private PixelNormalization normalization;
        private ImageAugmentation augmentation;
        private MPerClassSampler sampler;
        private int m = 16;
        private int batchSize = 128;
        private MPerClassSampler.Mode mode = MPerClassSampler.Mode.PER_BATCH;
        private Integer epochLength;
        private long seed;
        private boolean samplerSettingsSet;

        private Builder() {}

        /** Sets the training images (required). */
        public Builder setImages(ImageSource images) {
            this.images = images;
            return this;
        }

        /** Sets how pixels become input, the embedding network's normalization (required). */
        public Builder setNormalization(PixelNormalization normalization) {
            this.normalization = normalization;
            return this;
        }

        /** Sets the images per class in a batch (default 16). */
        public Builder optM(int m) {
            this.m = m;
            samplerSettingsSet = true;
            return this;
        }

        /** Sets the images per batch, a multiple of m (default 128). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            samplerSettingsSet = true;
            return this;
        }

        /**
         * Sets how batches choose classes (default {@link MPerClassSampler.Mode#PER_BATCH};
         * {@link MPerClassSampler.Mode#CLASS_PASSES} is pytorch-metric-learning's default).
         */
        public Builder optSamplerMode(MPerClassSampler.Mode mode) {
            this.mode = mode;
            samplerSettingsSet = true;
            return this;
        }

        /** Sets the images per epoch (default: the number of images). */
        public Builder optEpochLength(int epochLength) {
            this.epochLength = epochLength;
            samplerSettingsSet = true;
            return this;
        }

        /** Sets the seed of the batches (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            samplerSettingsSet = true;
            return this;
        }

        /** Uses a sampler built on the images' labels instead of the settings above. */
        public Builder optSampler(MPerClassSampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /** Augments every batch on the engine as it is loaded (default none). */
        public Builder optAugmentation(ImageAugmentation augmentation) {
            this.augmentation = augmentation;
            return this;
        }

        /**
         * Validates and builds the batches.
         *
         * @throws IllegalArgumentException naming the missing or impossible setting, e.g. an m
         *     the batch cannot hold or fewer classes than a batch needs
         */
        public ClassBatches build() {
            if (images == null) {
                throw new IllegalArgumentException("ClassBatches needs the training images: call setImages(...).");
            }
            if (images.size() == 0) {
                throw new IllegalArgumentException("ClassBatches got no training images.");
            }
            if (normalization == null) {
                throw new IllegalArgumentException("ClassBatches needs the pixel normalization of the network it feeds: "
                        + "call setNormalization(net.getPixelNormalization()).");
            }
            MPerClassSampler s = sampler;
            if (s == null) {
                MPerClassSampler.Builder b = MPerClassSampler.builder().setLabels(images.labels()).setM(m)
                        .setBatchSize(batchSize).optMode(mode).optSeed(seed);
                if (epochLength != null) {
                    b.optLength(epochLength);
                }
                s = b.build();
            } else {
                if (samplerSettingsSet) {
                    throw new IllegalArgumentException("ClassBatches got both a sampler and sampler settings (m, batch size, "
                            + "mode, epoch length, seed): set them on the sampler.");
                }
                if (s.imageCount() != images.size()) {
                    throw new IllegalArgumentException("The MPerClassSampler was built for " + s.imageCount()
                            + " images but ClassBatches got " + images.size() + ".");
                }
            }
            return new ClassBatches(this, s);
        }
    }
}
