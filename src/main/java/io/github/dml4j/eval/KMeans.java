package io.github.dml4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lloyd's k-means on the engine with greedy k-means++ seeding (Arthur and Vassilvitskii 2007,
 * with scikit-learn's 2 + ln k local trials per centre), used to score embeddings with NMI.
 *
 * <p>Each restart seeds with k-means++, then alternates an assignment step (squared Euclidean
 * distances to the centroids, computed in chunks of {@link Builder#optBatchSize(int)} points on
 * the engine) and an update step (centroid = mean of its points, accumulated with a one-hot
 * matrix product). It stops when no assignment changes, when the centroids move less than the
 * tolerance (scikit-learn's convention: {@code tolerance} times the mean per-dimension variance
 * of the data, compared with the summed squared centroid shift), or after {@code
 * maxIterations}. An empty cluster takes the point farthest from its centroid. The restart with
 * the lowest inertia wins.
 *
 * <p>Reproducible by construction: all randomness comes from a {@link Random} seeded with {@link
 * Builder#optSeed(long)}, so the same seed, data and thread count give the same clustering.
 * Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * int[] clusters = KMeans.builder().setK(10).optSeed(0).build().cluster(embeddings);
 * }</pre>
 */
public final class KMeans {

    private static final Logger logger = LoggerFactory.getLogger(KMeans.class);

    private final int k;
    private final int maxIterations;
    private final double tolerance;
    private final long seed;
    private final int restarts;
    private final int batchSize;

    private KMeans(Builder builder) {
        this.k = builder.k;
        this.maxIterations = builder.maxIterations;
        this.tolerance = builder.tolerance;
        this.seed = builder.seed;
        this.restarts = builder.restarts;
        this.batchSize = builder.batchSize;
    }

    /**
     * Returns a builder; {@link Builder#setK(int)} is required. Defaults: 300 iterations,
     * tolerance 1e-4, seed 0, one restart, 4096 points per chunk (scikit-learn's defaults).
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of clusters. */
    public int getK() {
        return k;
    }

    /** The seed of the k-means++ sampling. */
    public long getSeed() {
        return seed;
    }

    /** Clusters the rows of an (N, D) array and returns the cluster index of each row. */
    public int[] cluster(NDArray data) {
        return fit(data).assignments();
    }

    /**
     * Clusters the rows of an (N, D) array.
     *
     * @param data the points; copied, not modified or closed
     * @return the best restart's assignments, centroids and inertia
     * @throws IllegalArgumentException if the array is not 2-D or has fewer rows than k
     */
    public Result fit(NDArray data) {
        Objects.requireNonNull(data, "The data must not be null.");
        Shape shape = data.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException(
                    "The data must be a 2-D (N, D) array, but its shape is " + shape + ".");
        }
        int n = (int) shape.get(0);
        int d = (int) shape.get(1);
        if (n < k || d == 0) {
            throw new IllegalArgumentException(
                    "k-means with k = " + k + " needs at least " + k
                            + " points of at least one dimension, but the data has shape " + shape + ".");
        }
        Random random = new Random(seed);
        try (NDManager work = data.getManager().newSubManager(data.getDevice())) {
            NDArray x = data.toType(DataType.FLOAT32, true);
            x.attach(work);
            NDArray sq = x.square().sum(new int[] {1}); // (N,) squared norms, in work
            double tol = tolerance * meanVariance(work, x);
            Result best = null;
            for (int restart = 0; restart < restarts; restart++) {
                Result r = runOnce(work, x, sq, n, random, tol);
                logger.debug("k-means restart {}: inertia {} after {} iterations", restart, r.inertia(), r.iterations());
                if (best == null || r.inertia() < best.inertia()) {
                    best = r;
                }
            }
            return best;
        }
    }

    private static double meanVariance(NDManager work, NDArray x) {
        try (NDManager m = work.newSubManager()) {
            m.tempAttachAll(x);
            NDArray centered = x.sub(x.mean(new int[] {0}, true));
            return centered.square().mean(new int[] {0}).mean().getFloat();
        }
    }

    private Result runOnce(NDManager work, NDArray x, NDArray sq, int n, Random random, double tol) {
        try (NDManager state = work.newSubManager()) {
            NDArray centroids = seedPlusPlus(state, x, sq, n, random);
            long[] previous = null;
            boolean converged = false;
            int iteration = 0;
            Step step = null;
            while (iteration < maxIterations) {
                iteration++;
                step = assign(state, x, sq, centroids, n, true);
                if (previous != null && Arrays.equals(previous, step.labels)) {
                    converged = true; // labels consistent with centroids
                    break;
                }
                previous = step.labels;
                NDArray updated = update(state, x, centroids, step);
                double shift;
                try (NDManager m = state.newSubManager()) {
                    m.tempAttachAll(updated, centroids);
                    shift = updated.sub(centroids).square().sum().getFloat();
                }
                centroids.close();
                centroids = updated;
                if (shift <= tol) {
                    converged = true;
                    step = null; // centroids moved: assign once more
                    break;
                }
                step = null;
            }
            if (step == null) {
                step = assign(state, x, sq, centroids, n, false);
            }
            int[] assignments = new int[n];
            for (int i = 0; i < n; i++) {
                assignments[i] = (int) step.labels[i];
            }
            float[] flat = centroids.toFloatArray();
            int d = (int) x.getShape().get(1);
            float[][] c = new float[k][];
            for (int j = 0; j < k; j++) {
                c[j] = Arrays.copyOfRange(flat, j * d, (j + 1) * d);
            }
            return new Result(assignments, c, step.inertia, iteration, converged);
        }
    }

    /** Greedy k-means++ seeding, as scikit-learn's {@code _kmeans_plusplus}. */
    private NDArray seedPlusPlus(NDManager state, NDArray x, NDArray sq, int n, Random random) {
        int trials = 2 + (int) Math.log(k);
        long[] chosen = new long[k];
        chosen[0] = random.nextInt(n);
        NDArray closest; // (N,) squared distance to the nearest chosen centre
        try (NDManager m = state.newSubManager()) {
            m.tempAttachAll(x, sq);
            closest = squaredDistances(m, x, sq, new long[] {chosen[0]}).reshape(n);
            closest.attach(state);
        }
        for (int c = 1; c < k; c++) {
            try (NDManager m = state.newSubManager()) {
                m.tempAttachAll(x, sq, closest);
                double[] dist = closest.toType(DataType.FLOAT64, false).toDoubleArray();
                double[] cumulative = new double[n];
                double total = 0;
                for (int i = 0; i < n; i++) {
                    total += dist[i];
                    cumulative[i] = total;
                }
                long[] candidates = new long[trials];
                for (int t = 0; t < trials; t++) {
                    double target = random.nextDouble() * total;
                    int idx = Arrays.binarySearch(cumulative, target);
                    idx = idx >= 0 ? idx : -idx - 1; // first cumulative >= target
                    candidates[t] = Math.min(idx, n - 1);
                }
                NDArray candidateDistances =
                        squaredDistances(m, x, sq, candidates).minimum(closest.reshape(1, n)); // (T, N)
                NDArray potentials = candidateDistances.sum(new int[] {1});
                int best = (int) potentials.argMin().getLong();
                chosen[c] = candidates[best];
                NDArray next = candidateDistances.get(best);
                next.attach(state);
                closest.close();
                closest = next;
            }
        }
        closest.close();
        try (NDManager m = state.newSubManager()) {
            m.tempAttachAll(x);
            NDArray centroids = x.get(m.create(chosen));
            centroids.attach(state);
            return centroids;
        }
    }

    /** Squared Euclidean distances (T, N) from the given rows of x to every row, clamped at 0. */
    private static NDArray squaredDistances(NDManager m, NDArray x, NDArray sq, long[] rows) {
        NDArray index = m.create(rows);
        NDArray centres = x.get(index); // (T, D)
        NDArray centreSq = sq.get(index).reshape(rows.length, 1);
        return centreSq.add(sq.reshape(1, -1)).sub(centres.matMul(x.transpose()).mul(2f)).maximum(0f);
    }

    /** Assignment step in chunks; optionally accumulates the per-cluster sums and counts. */
    private Step assign(NDManager state, NDArray x, NDArray sq, NDArray centroids, int n, boolean accumulate) {
        long[] labels = new long[n];
        double inertia = 0;
        NDArray sums = null;
        NDArray counts = null;
        NDList minDistances = new NDList();
        try (NDManager acc = state.newSubManager()) {
            for (int s = 0; s < n; s += batchSize) {
                int e = Math.min(n, s + batchSize);
                try (NDManager m = acc.newSubManager()) {
                    m.tempAttachAll(x, sq, centroids);
                    NDArray chunk = x.get(new NDIndex("{}:{}", s, e));
                    NDArray chunkSq = sq.get(new NDIndex("{}:{}", s, e)).reshape(e - s, 1);
                    NDArray centroidSq = centroids.square().sum(new int[] {1}).reshape(1, k);
                    NDArray dist = chunkSq.add(centroidSq)
                            .sub(chunk.matMul(centroids.transpose()).mul(2f))
                            .maximum(0f); // (b, K)
                    NDArray nearest = dist.argMin(1); // (b,) int64
                    NDArray minDist = dist.min(new int[] {1}); // (b,)
                    inertia += minDist.toType(DataType.FLOAT64, false).sum().getDouble();
                    System.arraycopy(nearest.toLongArray(), 0, labels, s, e - s);
                    if (accumulate) {
                        NDArray oneHot = nearest.oneHot(k).toType(DataType.FLOAT32, false); // (b, K)
                        NDArray chunkSums = oneHot.transpose().matMul(chunk); // (K, D)
                        NDArray chunkCounts = oneHot.sum(new int[] {0}); // (K,)
                        NDArray newSums = sums == null ? chunkSums : sums.add(chunkSums);
                        NDArray newCounts = counts == null ? chunkCounts : counts.add(chunkCounts);
                        newSums.attach(acc);
                        newCounts.attach(acc);
                        minDist.attach(acc);
                        minDistances.add(minDist);
                        sums = newSums;
                        counts = newCounts;
                    }
                }
            }
            Step step = new Step(labels, inertia);
            if (accumulate) {
                step.sums = sums;
                step.counts = counts;
                step.minDistances = NDArrays.concat(minDistances);
                step.sums.attach(state);
                step.counts.attach(state);
                step.minDistances.attach(state);
            }
            return step;
        }
    }

    /** Update step: centroid = mean of its points; an empty cluster takes the farthest point. */
    private NDArray update(NDManager state, NDArray x, NDArray centroids, Step step) {
        try (NDManager m = state.newSubManager()) {
            m.tempAttachAll(x, step.sums, step.counts, step.minDistances);
            float[] counts = step.counts.toFloatArray();
            NDArray updated = step.sums.div(step.counts.maximum(1f).reshape(k, 1));
            int empty = 0;
            for (float c : counts) {
                if (c == 0) {
                    empty++;
                }
            }
            if (empty > 0) {
                long[] far = step.minDistances.topK(empty, 0, true, true).get(1).toLongArray();
                int next = 0;
                for (int j = 0; j < k; j++) {
                    if (counts[j] == 0) {
                        updated.set(new NDIndex(j), x.get(far[next++]));
                    }
                }
                logger.debug("k-means: {} empty clusters moved to the farthest points", empty);
            }
            updated.attach(state);
            return updated;
        } finally {
            step.sums.close();
            step.counts.close();
            step.minDistances.close();
        }
    }

    /** One assignment step's output. */
    private static final class Step {
        final long[] labels;
        final double inertia;
        NDArray sums;
        NDArray counts;
        NDArray minDistances;

        Step(long[] labels, double inertia) {
            this.labels = labels;
            this.inertia = inertia;
        }
    }

    @Override
    public String toString() {
        return "KMeans{k=" + k + ", maxIterations=" + maxIterations + ", tolerance=" + tolerance
                + ", seed=" + seed + ", restarts=" + restarts + ", batchSize=" + batchSize + '}';
    }

    /**
     * The outcome of {@link KMeans#fit(NDArray)}: immutable (arrays are copied in and out).
     *
     * @param assignments the cluster index of each point, in [0, k)
     * @param centroids the k centroids, each of length D
     * @param inertia the sum of squared distances of the points to their centroids
     * @param iterations Lloyd iterations run by the winning restart
     * @param converged whether it stopped before {@code maxIterations}
     */
    public record Result(int[] assignments, float[][] centroids, double inertia, int iterations, boolean converged) {

        /** Copies the arrays so that the record stays immutable. */
        public Result {
            assignments = assignments.clone();
            centroids = deepCopy(centroids);
        }

        /** A copy of the cluster index of each point. */
        @Override
        public int[] assignments() {
            return assignments.clone();
        }

        /** A copy of the centroids, (k, D). */
        @Override
        public float[][] centroids() {
            return deepCopy(centroids);
        }

        private static float[][] deepCopy(float[][] a) {
            float[][] copy = new float[a.length][];
            for (int i = 0; i < a.length; i++) {
                copy[i] = a[i].clone();
            }
            return copy;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r
                    && Arrays.equals(assignments, r.assignments)
                    && Arrays.deepEquals(centroids, r.centroids)
                    && Double.compare(inertia, r.inertia) == 0
                    && iterations == r.iterations
                    && converged == r.converged;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(assignments), Arrays.deepHashCode(centroids), inertia, iterations, converged);
        }

        @Override
        public String toString() {
            return "KMeans.Result{k=" + centroids.length + ", points=" + assignments.length
                    + ", inertia=" + inertia + ", iterations=" + iterations + ", converged=" + converged + '}';
        }
    }

    /** Builder for {@link KMeans}, in DJL's style. */
    public static final class Builder {
        private int k;
        private int maxIterations = 300;
        private double tolerance = 1e-4;
        private long seed;
        private int restarts = 1;
        private int batchSize = 4096;

        private Builder() {}

        /** Sets the number of clusters (required, at least 1). */
        public Builder setK(int k) {
            this.k = k;
            return this;
        }

        /** Sets the maximum number of Lloyd iterations per restart (default 300). */
        public Builder optMaxIterations(int maxIterations) {
            this.maxIterations = maxIterations;
            return this;
        }

        /**
         * Sets the relative tolerance (default 1e-4): iterations stop when the summed squared
         * centroid shift is at most tolerance times the mean per-dimension variance of the data.
         */
        public Builder optTolerance(double tolerance) {
            this.tolerance = tolerance;
            return this;
        }

        /** Sets the seed of the k-means++ sampling (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets how many seedings are run, keeping the lowest inertia (scikit-learn's {@code
         * n_init}; default 1).
         */
        public Builder optRestarts(int restarts) {
            this.restarts = restarts;
            return this;
        }

        /** Sets how many points are assigned per chunk (default 4096). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Validates the settings and builds the clusterer.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public KMeans build() {
            if (k < 1) {
                throw new IllegalArgumentException(
                        "The k (number of clusters) must be at least 1; call setK, but k was " + k + ".");
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException(
                        "The maxIterations must be at least 1, but was " + maxIterations + ".");
            }
            if (!(tolerance >= 0)) {
                throw new IllegalArgumentException(
                        "The tolerance must be zero or positive, but was " + tolerance + ".");
            }
            if (restarts < 1) {
                throw new IllegalArgumentException("The restarts must be at least 1, but was " + restarts + ".");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("The batchSize must be at least 1, but was " + batchSize + ".");
            }
            return new KMeans(this);
        }
    }
}
