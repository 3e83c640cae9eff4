package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;

import java.util.Objects;

/**
 * Image pairs for a Siamese network, drawn from any {@link ImageSource}: each record is an
 * ordered pair (first, second) of images, labelled 1 when both show the same class and 0
 * otherwise.
 *
 * <p>The records are addressed by <em>pair index</em> {@code first * n + second} over the
 * {@code n} images, so the dataset has {@code n * n} records and never materializes them: which
 * pairs are used, with which share of positive pairs, is the sampler's choice. Use it with a
 * {@code BalancedPairSampler}, which draws each batch's pairs afresh per epoch from the labels,
 * reproducibly from a seed, with an exact positive share:
 *
 * <pre>{@code
 * BalancedPairSampler sampler = BalancedPairSampler.builder()
 *         .setLabels(images.labels()).setBatchSize(64).optPositiveShare(0.5).optSeed(0).build();
 * PairDataset pairs = PairDataset.builder()
 *         .setImages(images)
 *         .optNormalization(net.getPixelNormalization())
 *         .setSampling(sampler)
 *         .build();
 * trainer.fit(new PairBatches(pairs, sampler));   // or pairs.getData(manager) with DJL
 * }</pre>
 *
 * <p>{@link #get(NDManager, long)} gives a {@link Record} whose data are the two float32
 * (C, H, W) images and whose label is an int64 scalar, 1 for same class and 0 for different, so
 * DJL's stack batchifier makes two (B, C, H, W) inputs and a (B) label. {@link #loadBatch} does
 * the same for a whole batch at once. A fixed list of pairs (for example an LFW-style
 * {@code pairs.txt}, or verification pairs for evaluation) is a list of pair indices made with
 * {@link #pairIndex(int, int)}.
 */
public final class PairDataset extends RandomAccessDataset {

    private final ImageSource images;
    private final PixelNormalization normalization;

    private PairDataset(Builder builder) {
        super(builder);
        this.images = builder.images;
        this.normalization = builder.normalization;
    }

    /**
     * A builder; {@link Builder#setImages(ImageSource)} and a pair sampler are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The pair index of the ordered pair (first, second) among {@code imageCount} images.
     *
     * @param first index of the first image
     * @param second index of the second image
     * @param imageCount number of images
     * @return {@code first * imageCount + second}
     * @throws IndexOutOfBoundsException if an image index is outside {@code [0, imageCount)}
     */
    public static long pairIndex(int first, int second, int imageCount) {
        if (first < 0 || first >= imageCount || second < 0 || second >= imageCount) {
            throw new IndexOutOfBoundsException("Pair (" + first + ", " + second + ") is outside a set of "
                    + imageCount + " images.");
        }
        return (long) first * imageCount + second;
    }

    /**
     * The pair index of the ordered pair (first, second) of this dataset's images.
     *
     * @param first index of the first image
     * @param second index of the second image
     * @return the record index
     */
    public long pairIndex(int first, int second) {
        return pairIndex(first, second, images.size());
    }

    /**
     * The first image of a pair.
     *
     * @param pairIndex a record index
     * @return the index of the first image
     */
    public int first(long pairIndex) {
        checkPair(pairIndex);
        return (int) (pairIndex / images.size());
    }

    /**
     * The second image of a pair.
     *
     * @param pairIndex a record index
     * @return the index of the second image
     */
    public int second(long pairIndex) {
        checkPair(pairIndex);
        return (int) (pairIndex % images.size());
    }

    /**
     * Whether both images of a pair have the same label.
     *
     * @param pairIndex a record index
     * @return {@code true} for a positive pair
     */
    public boolean isSame(long pairIndex) {
        return images.label(first(pairIndex)) == images.label(second(pairIndex));
    }

    /**
     * One pair and its label.
     *
     * @param manager the manager that owns the returned arrays
     * @param index a pair index in [0, n * n)
     * @return data: the first and the second float32 (C, H, W) image; labels: int64 scalar, 1 if
     *     same class
     */
    @Override
    public Record get(NDManager manager, long index) {
        TwoImages batch = loadBatch(manager, new long[] {index});
        return new Record(new NDList(batch.first().squeeze(0), batch.second().squeeze(0)),
                new NDList(batch.same().squeeze(0)));
    }

    /**
     * A batch of pairs as tensors, built in one go.
     *
     * @param manager the manager that owns the returned arrays
     * @param pairIndices the batch's pair indices
     * @return first and second images (B, C, H, W), normalized; same-class labels (B) int64 0/1
     */
    public TwoImages loadBatch(NDManager manager, long[] pairIndices) {
        long[] first = new long[pairIndices.length];
        long[] second = new long[pairIndices.length];
        long[] same = new long[pairIndices.length];
        for (int i = 0; i < pairIndices.length; i++) {
            first[i] = first(pairIndices[i]);
            second[i] = second(pairIndices[i]);
            same[i] = images.label((int) first[i]) == images.label((int) second[i]) ? 1 : 0;
        }
        return new TwoImages(images.toNDArray(manager, first, normalization),
                images.toNDArray(manager, second, normalization), manager.create(same));
    }

    /** {@code n * n}: every ordered pair of the n images, before any {@code optLimit}. */
    @Override
    protected long availableSize() {
        return (long) images.size() * images.size();
    }

    /** Does nothing: the {@link ImageSource} reads its images when they are asked for. */
    @Override
    public void prepare(Progress progress) {
        // the source reads on demand
    }

    /**
     * The images the pairs are drawn from.
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

    private void checkPair(long pairIndex) {
        long n = images.size();
        if (pairIndex < 0 || pairIndex >= n * n) {
            throw new IndexOutOfBoundsException("Pair index " + pairIndex + " is outside this dataset of "
                    + n + " x " + n + " pairs.");
        }
    }

    @Override
    public String toString() {
        return "PairDataset{" + images + ", " + normalization + '}';
    }

    /**
     * A batch of pairs.
     *
     * @param first (B, C, H, W) first images
     * @param second (B, C, H, W) second images
     * @param same (B) int64, 1 where both images have the same label
     */
    public record TwoImages(NDArray first, NDArray second, NDArray same) {

        /** Checks that the labels are int64. */
        public TwoImages {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(second, "second");
            if (same.getDataType() != DataType.INT64) {
                same = same.toType(DataType.INT64, false);
            }
        }
    }

    /** Builder of {@link PairDataset}, with DJL's batchifier and limit options. */
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
        public PairDataset build() {
            checkImages("a PairDataset");
            if (sampler == null || sampler instanceof BatchSampler) {
                throw new IllegalArgumentException("A PairDataset has one record per ordered pair of its "
                        + images.size() + " images: draw its batches with setSampling(BalancedPairSampler),"
                        + " not with " + (sampler == null ? "no sampler" : "setSampling(batchSize, shuffle)") + ".");
            }
            return new PairDataset(this);
        }
    }
}
