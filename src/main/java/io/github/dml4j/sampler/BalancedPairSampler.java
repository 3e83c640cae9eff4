package io.github.dml4j.sampler;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import io.github.dml4j.data.PairDataset;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Draws batches of image pairs with a fixed share of positive (same-class) pairs, for a Siamese
 * network trained on explicit pairs ({@link PairDataset}).
 *
 * <p>Every batch holds exactly {@code round(positiveShare * batchSize)} positive pairs and the
 * rest negative pairs, in random order. Pairs are drawn afresh for every epoch from the labels:
 * a positive pair takes a first image uniformly among the images of classes with at least two
 * images and a second, different image of its class; a negative pair takes a first image
 * uniformly among all images and a second image uniformly among the images of the other
 * classes. Classes with a single image thus appear in negative pairs only.
 *
 * <p>A batch is an array of pair indices {@code first * n + second} over the n images (see
 * {@link PairDataset#pairIndex(int, int, int)}). An epoch has {@code length / batchSize} batches
 * ({@code length}, the pairs per epoch, defaults to the number of images). Batches are
 * reproducible: epoch e of a sampler with seed s is the same on every run. As a DJL
 * {@link Sampler} over a {@link PairDataset} of the same images, each call of {@link #sample}
 * starts the next epoch.
 */
public final class BalancedPairSampler implements Sampler {

    private final double positiveShare;
    private final int batchSize;
    private final int positivesPerBatch;
    private final int length;
    private final long seed;
    private final int imageCount;
    /** Image indices grouped by class, classes in label order. */
    private final int[] byClass;
    /** For each image: start and size of its class's run in {@link #byClass}. */
    private final int[] classStart;
    private final int[] classSize;
    /** Images whose class has at least two images: possible first images of positive pairs. */
    private final int[] positiveAnchors;
    private final AtomicInteger epoch = new AtomicInteger();

    private BalancedPairSampler(Builder b, TreeMap<Integer, List<Integer>> classes) {
        this.positiveShare = b.positiveShare;
        this.batchSize = b.batchSize;
        this.positivesPerBatch = positivesPerBatch(b.positiveShare, b.batchSize);
        this.seed = b.seed;
        this.imageCount = b.labels.length;
        this.byClass = new int[imageCount];
        this.classStart = new int[imageCount];
        this.classSize = new int[imageCount];
        List<Integer> anchors = new ArrayList<>();
        int k = 0;
        for (List<Integer> members : classes.values()) {
            int start = k;
            for (int i : members) {
                byClass[k++] = i;
                classStart[i] = start;
                classSize[i] = members.size();
                if (members.size() > 1) {
                    anchors.add(i);
                }
            }
        }
        this.positiveAnchors = anchors.stream().mapToInt(Integer::intValue).toArray();
        int len = b.length == null ? imageCount : b.length;
        this.length = len - len % batchSize;
    }

    /** Returns a builder; the labels and the batch size are required. */
    public static Builder builder() {
        return new Builder();
    }

    private static int positivesPerBatch(double share, int batchSize) {
        return (int) Math.round(share * batchSize);
    }

    /** The share of positive pairs in a batch, as set. */
    public double getPositiveShare() {
        return positiveShare;
    }

    /** Positive pairs in every batch, {@code round(positiveShare * batchSize)}. */
    public int positivesPerBatch() {
        return positivesPerBatch;
    }

    /** Pairs per batch. */
    @Override
    public int getBatchSize() {
        return batchSize;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        return length / batchSize;
    }

    /** Pairs per epoch (a multiple of the batch size). */
    public int getLength() {
        return length;
    }

    /** Number of images the pairs are drawn from. */
    public int imageCount() {
        return imageCount;
    }

    /** The seed. */
    public long getSeed() {
        return seed;
    }

    /**
     * The batches of epoch {@code epochIndex}, each an array of pair indices
     * {@code first * n + second}, reproducible for a seed.
     */
    public Iterator<long[]> batches(int epochIndex) {
        Random random = EpochBatches.random(seed, epochIndex);
        return EpochBatches.iterator(epochIndex, batchesPerEpoch(), b -> nextBatch(random));
    }

    private long[] nextBatch(Random random) {
        long[] pairs = new long[batchSize];
        for (int j = 0; j < batchSize; j++) {
            pairs[j] = j < positivesPerBatch ? positivePair(random) : negativePair(random);
        }
        // shuffle so that positives and negatives are mixed
        int[] order = EpochBatches.permutation(batchSize, random);
        long[] batch = new long[batchSize];
        for (int j = 0; j < batchSize; j++) {
            batch[j] = pairs[order[j]];
        }
        return batch;
    }

    private long positivePair(Random random) {
        int first = positiveAnchors[random.nextInt(positiveAnchors.length)];
        int size = classSize[first];
        int start = classStart[first];
        // a uniformly chosen other member of the class: skip the first image's own slot
        int r = random.nextInt(size - 1);
        int second = byClass[start + r];
        if (second == first) {
            second = byClass[start + size - 1];
        }
        return (long) first * imageCount + second;
    }

    private long negativePair(Random random) {
        int first = random.nextInt(imageCount);
        int size = classSize[first];
        int start = classStart[first];
        // a uniformly chosen image outside the first image's class run
        int r = random.nextInt(imageCount - size);
        if (r >= start) {
            r += size;
        }
        return (long) first * imageCount + byClass[r];
    }

    /**
     * Starts the next epoch; the dataset must be a {@link PairDataset} of the images whose labels
     * were given (n * n records).
     */
    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long size = dataset.size();
        long expected = (long) imageCount * imageCount;
        if (size != expected) {
            throw new IllegalArgumentException("BalancedPairSampler was built for " + imageCount + " images ("
                    + expected + " pairs) but the dataset has " + size + " records.");
        }
        return EpochBatches.asLists(batches(epoch.getAndIncrement()));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "BalancedPairSampler{positiveShare=%s, batchSize=%d, length=%d, seed=%d}",
                positiveShare, batchSize, length, seed);
    }

    /** Builder for {@link BalancedPairSampler}. */
    public static final class Builder {
        private int[] labels;
        private double positiveShare = 0.5;
        private int batchSize;
        private Integer length;
        private long seed;

        private Builder() {}

        /** Sets the label of every image (required). */
        public Builder setLabels(int[] labels) {
            this.labels = labels == null ? null : labels.clone();
            return this;
        }

        /** Sets the number of pairs per batch (required, at least 2). */
        public Builder setBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the share of positive pairs per batch, strictly between 0 and 1 (default 0.5); a
         * batch holds {@code round(share * batchSize)} positive pairs.
         */
        public Builder optPositiveShare(double positiveShare) {
            this.positiveShare = positiveShare;
            return this;
        }

        /** Sets the pairs per epoch (default: the number of images), rounded down to whole batches. */
        public Builder optLength(int length) {
            this.length = length;
            return this;
        }

        /** Sets the seed (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Validates and builds the sampler. */
        public BalancedPairSampler build() {
            if (labels == null || labels.length == 0) {
                throw new IllegalArgumentException("BalancedPairSampler needs the labels of the images: call setLabels(...) with at least two labels.");
            }
            if (!(positiveShare > 0 && positiveShare < 1)) {
                throw new IllegalArgumentException("BalancedPairSampler's positive share must be strictly between 0 and 1, got "
                        + positiveShare + ".");
            }
            if (batchSize < 2) {
                throw new IllegalArgumentException("BalancedPairSampler's batch size must be at least 2, got " + batchSize + ".");
            }
            int positives = positivesPerBatch(positiveShare, batchSize);
            if (positives < 1 || positives > batchSize - 1) {
                throw new IllegalArgumentException("A batch of " + batchSize + " pairs with positive share " + positiveShare
                        + " would hold " + positives + " positive and " + (batchSize - positives)
                        + " negative pairs: BalancedPairSampler needs at least one of each; raise the batch size.");
            }
            TreeMap<Integer, List<Integer>> classes = EpochBatches.indicesByLabel(labels);
            if (classes.size() == 1) {
                throw new IllegalArgumentException("BalancedPairSampler's dataset has only one class (label "
                        + classes.firstKey() + "): no negative pairs can be drawn.");
            }
            if (classes.values().stream().allMatch(m -> m.size() == 1)) {
                throw new IllegalArgumentException("In BalancedPairSampler's dataset of " + labels.length
                        + " images every class has a single image: no positive pairs can be drawn.");
            }
            int len = length == null ? labels.length : length;
            if (len < batchSize) {
                throw new IllegalArgumentException("BalancedPairSampler's epoch length of " + len
                        + " pairs is shorter than one batch of " + batchSize + ".");
            }
            return new BalancedPairSampler(this, classes);
        }
    }
}
