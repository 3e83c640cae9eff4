package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * Explicit (anchor, positive, negative) image triplets for a triplet network, drawn from any
 * {@link ImageSource}: the anchor and the positive are two different images of one class, the
 * negative an image of another class.
 *
 * <p>The triplets are drawn once, when the dataset is built, reproducibly from a seed: triplet i
 * takes its anchor uniformly among the images of classes with at least two images, its positive
 * uniformly among the other images of the anchor's class, and its negative uniformly among the
 * images of the other classes (so classes with a single image serve as negatives only). Record i
 * is triplet i: {@link #get(NDManager, long)} gives the three float32 (C, H, W) images as data
 * and an int64 (3) label vector, the classes of anchor, positive and negative; DJL's stack
 * batchifier makes three (B, C, H, W) inputs and a (B, 3) label. {@link #loadBatch} builds a
 * whole batch at once.
 *
 * <pre>{@code
 * TripletDataset triplets = TripletDataset.builder()
 *         .setImages(images)
 *         .optNormalization(net.getPixelNormalization())
 *         .optSize(20_000)
 *         .optSeed(0)
 *         .setSampling(64, true)
 *         .build();
 * trainer.fit(new TripletBatches(triplets, 64, seed));
 * }</pre>
 */
public final class TripletDataset extends RandomAccessDataset {

    private final ImageSource images;
    private final PixelNormalization normalization;
    private final int[] anchors;
    private final int[] positives;
    private final int[] negatives;
    private final long seed;

    private TripletDataset(Builder builder, int[][] triplets) {
        super(builder);
        this.images = builder.images;
        this.normalization = builder.normalization;
        this.seed = builder.seed;
        this.anchors = triplets[0];
        this.positives = triplets[1];
        this.negatives = triplets[2];
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
     * The anchor image of triplet {@code index}.
     *
     * @param index a triplet index
     * @return an image index
     */
    public int anchor(long index) {
        return anchors[check(index)];
    }

    /**
     * The positive image of triplet {@code index}: same class as the anchor, another image.
     *
     * @param index a triplet index
     * @return an image index
     */
    public int positive(long index) {
        return positives[check(index)];
    }

    /**
     * The negative image of triplet {@code index}: a class other than the anchor's.
     *
     * @param index a triplet index
     * @return an image index
     */
    public int negative(long index) {
        return negatives[check(index)];
    }

    /**
     * One triplet and its labels.
     *
     * @param manager the manager that owns the returned arrays
     * @param index a triplet index
     * @return data: anchor, positive and negative float32 (C, H, W) images; labels: int64 (3),
     *     the three images' classes
     */
    @Override
    public Record get(NDManager manager, long index) {
        ThreeImages t = loadBatch(manager, new long[] {index});
        return new Record(new NDList(t.anchor().squeeze(0), t.positive().squeeze(0), t.negative().squeeze(0)),
                new NDList(t.labels().squeeze(0)));
    }

    /**
     * A batch of triplets as tensors, built in one go.
     *
     * @param manager the manager that owns the returned arrays
     * @param indices the batch's triplet indices
     * @return anchors, positives and negatives (B, C, H, W), normalized; labels (B, 3) int64
     */
    public ThreeImages loadBatch(NDManager manager, long[] indices) {
        int b = indices.length;
        long[] a = new long[b];
        long[] p = new long[b];
        long[] n = new long[b];
        long[] labels = new long[3 * b];
        for (int i = 0; i < b; i++) {
            int t = check(indices[i]);
            a[i] = anchors[t];
            p[i] = positives[t];
            n[i] = negatives[t];
            labels[3 * i] = images.label(anchors[t]);
            labels[3 * i + 1] = images.label(positives[t]);
            labels[3 * i + 2] = images.label(negatives[t]);
        }
        return new ThreeImages(images.toNDArray(manager, a, normalization), images.toNDArray(manager, p, normalization),
                images.toNDArray(manager, n, normalization),
                manager.create(labels, new ai.djl.ndarray.types.Shape(b, 3)));
    }

    /** Number of triplets drawn, before any {@code optLimit}. */
    @Override
    protected long availableSize() {
        return anchors.length;
    }

    /** Does nothing: the {@link ImageSource} reads its images when they are asked for. */
    @Override
    public void prepare(Progress progress) {
        // the source reads on demand
    }

    /**
     * The images the triplets are drawn from.
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

    /**
     * The seed the triplets were drawn with.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    private int check(long index) {
        if (index < 0 || index >= anchors.length) {
            throw new IndexOutOfBoundsException("Triplet index " + index + " is outside this dataset of "
                    + anchors.length + " triplets.");
        }
        return (int) index;
    }

    @Override
    public String toString() {
        return "TripletDataset{" + anchors.length + " triplets of " + images + ", seed " + seed + '}';
    }

    /**
     * A batch of triplets.
     *
     * @param anchor (B, C, H, W) anchor images
     * @param positive (B, C, H, W) positive images
     * @param negative (B, C, H, W) negative images
     * @param labels (B, 3) int64 classes of anchor, positive and negative
     */
    public record ThreeImages(NDArray anchor, NDArray positive, NDArray negative, NDArray labels) {}

    /** Builder of {@link TripletDataset}, with DJL's sampling, batchifier and limit options. */
    public static final class Builder extends ImageSetBuilder<Builder> {

        private Integer size;
        private long seed;

        private Builder() {
        }

        /**
         * The number of triplets to draw (default: the number of images).
         *
         * @param size triplets, at least 1
         * @return this builder
         */
        public Builder optSize(int size) {
            this.size = size;
            return this;
        }

        /**
         * The seed of the draw (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Validates the settings, draws the triplets and builds the dataset.
         *
         * @return the dataset
         * @throws IllegalArgumentException naming the missing or bad setting, or why no valid
         *     triplet exists
         */
        public TripletDataset build() {
            checkImages("a TripletDataset");
            int n = size == null ? images.size() : size;
            if (n < 1) {
                throw new IllegalArgumentException("A TripletDataset's size must be at least 1 triplet, got " + n + ".");
            }
            if (sampler == null) {
                throw new IllegalArgumentException("The sampling of a TripletDataset must be set with"
                        + " setSampling(batchSize, shuffle) or setSampling(sampler).");
            }
            return new TripletDataset(this, draw(images.labels(), n, seed));
        }

        private static int[][] draw(int[] labels, int count, long seed) {
            if (labels.length == 0) {
                throw new IllegalArgumentException("TripletDataset's images are empty: no triplets can be drawn.");
            }
            TreeMap<Integer, List<Integer>> classes = new TreeMap<>();
            for (int i = 0; i < labels.length; i++) {
                classes.computeIfAbsent(labels[i], c -> new ArrayList<>()).add(i);
            }
            if (classes.size() == 1) {
                throw new IllegalArgumentException("TripletDataset's images have only one class (label "
                        + classes.firstKey() + "): no negatives can be drawn.");
            }
            if (classes.values().stream().allMatch(m -> m.size() == 1)) {
                throw new IllegalArgumentException("In TripletDataset's " + labels.length
                        + " images every class has a single image: no positives can be drawn.");
            }
            int total = labels.length;
            int[] byClass = new int[total];
            int[] start = new int[total];
            int[] classSize = new int[total];
            List<Integer> anchorPool = new ArrayList<>();
            int k = 0;
            for (List<Integer> members : classes.values()) {
                int s = k;
                for (int i : members) {
                    byClass[k++] = i;
                    start[i] = s;
                    classSize[i] = members.size();
                    if (members.size() > 1) {
                        anchorPool.add(i);
                    }
                }
            }
            Random random = new Random(seed);
            int[][] t = new int[3][count];
            for (int j = 0; j < count; j++) {
                int a = anchorPool.get(random.nextInt(anchorPool.size()));
                int s = start[a];
                int size = classSize[a];
                int p = byClass[s + random.nextInt(size - 1)];
                if (p == a) {
                    p = byClass[s + size - 1];
                }
                int r = random.nextInt(total - size);
                if (r >= s) {
                    r += size;
                }
                t[0][j] = a;
                t[1][j] = p;
                t[2][j] = byClass[r];
            }
            return t;
        }
    }
}
