package io.github.dml4j.sampler;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Draws batches of m images per class, as pytorch-metric-learning's {@code MPerClassSampler},
 * in either of its two modes ({@link Mode}):
 *
 * <ul>
 *   <li>{@link Mode#PER_BATCH} (PML with {@code batch_size} given): each batch takes {@code
 *       batchSize / m} distinct classes at random and m images of each;
 *   <li>{@link Mode#CLASS_PASSES} (PML's default, {@code batch_size=None}): a stream of passes,
 *       each pass all classes in random order with m images of each, cut into batches; a batch
 *       may span two passes, so it can hold pieces of more classes, or a class twice.
 * </ul>
 *
 * <p>Images of a class are drawn without replacement when the class has at least m images and
 * with replacement otherwise.
 *
 * <p>An epoch has {@code length / batchSize} batches ({@code length} defaults to the number of
 * images). Batches are reproducible: epoch e of a sampler with seed s is the same on every run.
 * As a DJL {@link Sampler}, each call of {@link #sample} starts the next epoch.
 */
public final class MPerClassSampler implements Sampler {

    /** How classes are chosen for the batches. */
    public enum Mode {
        /** Each batch holds {@code batchSize / m} distinct classes, m images each. */
        PER_BATCH,
        /** Passes over all classes (m images each, classes shuffled per pass) are cut into batches. */
        CLASS_PASSES
    }

    private final Mode mode;
    private final int m;
    private final int batchSize;
    private final int length;
    private final long seed;
    private final int[] classes;
    private final int[][] indicesByClass;
    private final AtomicInteger epoch = new AtomicInteger();

    private MPerClassSampler(Builder b, TreeMap<Integer, List<Integer>> byClass) {
        this.mode = b.mode;
        this.m = b.m;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.classes = byClass.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.indicesByClass = byClass.values().stream()
                .map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        int len = b.length == null ? b.labels.length : b.length;
        this.length = len - len % batchSize;
    }

    /** Returns a builder; labels, m and batch size are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** How classes are chosen for the batches. */
    public Mode getMode() {
        return mode;
    }

    /** Images per class in a batch. */
    public int getM() {
        return m;
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        return length / batchSize;
    }

    /** Images per epoch (a multiple of the batch size). */
    public int getLength() {
        return length;
    }

    /** The seed of the batches. */
    public long getSeed() {
        return seed;
    }

    /** The number of images whose labels the sampler was built on. */
    public int imageCount() {
        return Arrays.stream(indicesByClass).mapToInt(a -> a.length).sum();
    }

    @Override
    public String toString() {
        return "MPerClassSampler{m=" + m + ", batchSize=" + batchSize + ", mode=" + mode + ", length=" + length
                + ", seed=" + seed + '}';
    }

    /**
     * The batches of epoch {@code epochIndex}, each an array of dataset indices, reproducible for
     * a seed.
     */
    public Iterator<long[]> batches(int epochIndex) {
        ClassDraws draws = new ClassDraws(EpochBatches.random(seed, epochIndex));
        if (mode == Mode.PER_BATCH) {
            return EpochBatches.iterator(epochIndex, batchesPerEpoch(), b -> nextBatch(draws));
        }
        ClassPasses passes = new ClassPasses(draws);
        return EpochBatches.iterator(epochIndex, batchesPerEpoch(), b -> passes.nextBatch());
    }

    private long[] nextBatch(ClassDraws draws) {
        int[] order = EpochBatches.permutation(classes.length, draws.random);
        long[] batch = new long[batchSize];
        for (int c = 0; c < batchSize / m; c++) {
            draws.draw(order[c], batch, c * m);
        }
        return batch;
    }

    /**
     * One epoch's draws of m images per class. A class with at least m images gives m distinct
     * ones: a partial Fisher-Yates shuffle of the epoch's own copy of its indices, m random numbers
     * per draw whatever the class's size (a full shuffle would cost the class's size each time).
     * A smaller class gives m draws with replacement.
     */
    private final class ClassDraws {
        private final Random random;
        private final int[][] pools = new int[indicesByClass.length][];

        ClassDraws(Random random) {
            this.random = random;
        }

        /** Writes m images of class number {@code c} into {@code out} from {@code offset}. */
        void draw(int c, long[] out, int offset) {
            int[] pool = indicesByClass[c];
            if (pool.length >= m) {
                if (pools[c] == null) {
                    pools[c] = pool.clone();
                }
                int[] p = pools[c];
                for (int j = 0; j < m; j++) {
                    int k = j + random.nextInt(p.length - j);
                    int t = p[j];
                    p[j] = p[k];
                    p[k] = t;
                    out[offset + j] = p[j];
                }
            } else {
                for (int j = 0; j < m; j++) {
                    out[offset + j] = pool[random.nextInt(pool.length)];
                }
            }
        }
    }

    /** The stream of class passes of one epoch, handed out a batch at a time. */
    private final class ClassPasses {
        private final ClassDraws draws;
        private final long[] pass = new long[classes.length * m];
        private int position = pass.length;

        ClassPasses(ClassDraws draws) {
            this.draws = draws;
        }

        long[] nextBatch() {
            long[] batch = new long[batchSize];
            for (int k = 0; k < batchSize; k++) {
                if (position == pass.length) {
                    int[] order = EpochBatches.permutation(classes.length, draws.random);
                    for (int c = 0; c < order.length; c++) {
                        draws.draw(order[c], pass, c * m);
                    }
                    position = 0;
                }
                batch[k] = pass[position++];
            }
            return batch;
        }
    }

    /** Starts the next epoch; the dataset must be the one whose labels were given. */
    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long size = dataset.size();
        long expected = Arrays.stream(indicesByClass).mapToLong(a -> a.length).sum();
        if (size != expected) {
            throw new IllegalArgumentException("MPerClassSampler was built for " + expected
                    + " labels but the dataset has " + size + " records.");
        }
        return EpochBatches.asLists(batches(epoch.getAndIncrement()));
    }

    /** Builder for {@link MPerClassSampler}. */
    public static final class Builder {
        private Mode mode = Mode.PER_BATCH;
        private int[] labels;
        private int m;
        private int batchSize;
        private Integer length;
        private long seed;
        private Integer numClasses;

        private Builder() {}

        /** Sets the label of every dataset index (required). */
        public Builder setLabels(int[] labels) {
            this.labels = labels == null ? null : labels.clone();
            return this;
        }

        /** Sets the number of images per class in a batch (required, at least 1). */
        public Builder setM(int m) {
            this.m = m;
            return this;
        }

        /** Sets the batch size (required, a multiple of m). */
        public Builder setBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Sets the images per epoch (default: the number of labels), rounded down to whole batches. */
        public Builder optLength(int length) {
            this.length = length;
            return this;
        }

        /**
         * Sets how classes are chosen for the batches (default {@link Mode#PER_BATCH}); {@link
         * Mode#CLASS_PASSES} is pytorch-metric-learning's default, without {@code batch_size}.
         */
        public Builder optMode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Sets the seed (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Declares that labels are 0..numClasses-1 and every one of them must have images. */
        public Builder optNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** Validates and builds the sampler. */
        public MPerClassSampler build() {
            if (labels == null || labels.length == 0) {
                throw new IllegalArgumentException("MPerClassSampler needs the labels of the dataset: call setLabels(...) with at least one label.");
            }
            if (m < 1) {
                throw new IllegalArgumentException("MPerClassSampler's m (images per class) must be at least 1, got " + m + ".");
            }
            if (mode == null) {
                throw new IllegalArgumentException("MPerClassSampler's mode must not be null.");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("MPerClassSampler's batch size must be positive, got " + batchSize + ".");
            }
            if (m > batchSize) {
                throw new IllegalArgumentException("MPerClassSampler's m = " + m + " images per class is more than the"
                        + " batch size " + batchSize + ": a batch holds batch size / m classes of m images each, so m must"
                        + " be at most the batch size (and at least 2 for pair and triplet losses).");
            }
            if (mode == Mode.PER_BATCH && batchSize % m != 0) {
                throw new IllegalArgumentException("MPerClassSampler's batch size must be a positive multiple of m = "
                        + m + ", got " + batchSize + ".");
            }
            TreeMap<Integer, List<Integer>> byClass = EpochBatches.indicesByLabel(labels);
            int present = byClass.size();
            if (numClasses != null) {
                for (int c = 0; c < numClasses; c++) {
                    if (!byClass.containsKey(c)) {
                        throw new IllegalArgumentException("Class " + c + " has no images; MPerClassSampler needs at least 1 image of each of the "
                                + numClasses + " classes.");
                    }
                }
                if (byClass.lastKey() >= numClasses) {
                    throw new IllegalArgumentException("Label " + byClass.lastKey() + " is outside the declared " + numClasses + " classes.");
                }
            }
            if (mode == Mode.PER_BATCH && present * m < batchSize) {
                throw new IllegalArgumentException("A batch of " + batchSize + " needs " + batchSize / m
                        + " classes of m = " + m + " images, but the labels have only " + present + " classes.");
            }
            int len = length == null ? labels.length : length;
            if (len < batchSize) {
                throw new IllegalArgumentException("MPerClassSampler's epoch length " + len + " is shorter than one batch of " + batchSize + ".");
            }
            return new MPerClassSampler(this, byClass);
        }
    }
}
