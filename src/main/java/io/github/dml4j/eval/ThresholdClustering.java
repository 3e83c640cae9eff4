package io.github.dml4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Progress;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.IndexMetric;
import io.github.dml4j.index.ExactIndex;
import io.github.dml4j.index.Neighbors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clustering for an unknown number of identities: groups embeddings whose similarity clears a
 * calibrated verification threshold, so that each cluster is meant to be one person (or one
 * class) without knowing beforehand how many there are. K-means ({@link KMeans}) needs that
 * number; this does not.
 *
 * <p><b>Graph.</b> Every embedding is joined to its k nearest neighbours (itself excluded),
 * found by an {@link ExactIndex} on the engine (batched matrix products and top-k, memory
 * bounded whatever N), under a {@link Distance} whose scores mean "higher = closer": the cosine
 * similarity by default, or minus the Euclidean distance for {@code LpDistance}, as {@link
 * Neighbors} reports them. The graph is made undirected (an edge when either point is among the
 * other's neighbours). The Java side sees only the N x k edge list.
 *
 * <p><b>Linkage.</b>
 *
 * <ul>
 *   <li>{@link Linkage#CONNECTED_COMPONENTS} (default): clusters are the connected components of
 *       the graph's edges with score &ge; threshold, found with union-find. This is single
 *       linkage cut at the threshold, restricted to k-NN edges: one chain of close pairs is
 *       enough to join two groups.
 *   <li>{@link Linkage#AVERAGE}: agglomerative average linkage on the graph. Every point starts
 *       alone; the two clusters with the highest average score are merged while that average is
 *       &ge; threshold. The average between clusters A and B counts the graph edges joining
 *       them at their scores and every other pair at an upper bound of its score (a point's
 *       score to a non-neighbour is at most its k-th neighbour's score), so a single close pair
 *       cannot join two groups whose other pairs are weak, and it resists the chaining of single
 *       linkage. With k &ge; N - 1 the graph is complete and this is exact average linkage
 *       (UPGMA); a smaller k over-estimates the averages and may merge more: choose k at least
 *       the typical number of images of one identity, or N - 1 for a few thousand points.
 *       Merges use a priority queue with lazy invalidation and fold the cluster with fewer
 *       links into the other; each merge re-scores the merged cluster's links.
 * </ul>
 *
 * <p><b>Output.</b> Cluster ids are dense, 0 .. count - 1, numbered in order of each cluster's
 * first member. With {@link Builder#optMinClusterSize(int)} above 1, the members of smaller
 * clusters get id {@value #UNASSIGNED} ("unknown identity", as DBSCAN's noise) and are not
 * counted; {@link Result#withUnassignedAsSingletons()} turns them into clusters of their own for
 * {@link ClusteringMetrics}.
 *
 * <p>Deterministic: the same embeddings and settings give the same clusters (ties are broken by
 * index). Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * ThresholdClustering clustering = ThresholdClustering.builder()
 *         .setThreshold(report.eerThreshold())      // a cosine-similarity threshold
 *         .optLinkage(ThresholdClustering.Linkage.AVERAGE)
 *         .build();
 * ThresholdClustering.Result r = clustering.cluster(embeddings);
 * double nmi = ClusteringMetrics.nmi(identities, r.assignments());
 * }</pre>
 */
public final class ThresholdClustering {

    private static final Logger logger = LoggerFactory.getLogger(ThresholdClustering.class);

    /** The id of a point left out of every cluster by {@link Builder#optMinClusterSize(int)}. */
    public static final int UNASSIGNED = -1;

    /** Default number of neighbours per point in the graph. */
    public static final int DEFAULT_K = 10;

    /** How clusters grow along the k-NN graph. */
    public enum Linkage {
        /** Connected components of the edges with score &ge; threshold (single linkage). */
        CONNECTED_COMPONENTS,
        /** Agglomerative merging while the mean edge score between two clusters is &ge; threshold. */
        AVERAGE
    }

    private final double threshold;
    private final int k;
    private final Linkage linkage;
    private final Distance distance;
    private final int minClusterSize;
    private final int batchSize;

    private ThresholdClustering(Builder builder) {
        this.threshold = builder.threshold;
        this.k = builder.k;
        this.linkage = builder.linkage;
        this.distance = builder.distance;
        this.minClusterSize = builder.minClusterSize;
        this.batchSize = builder.batchSize;
    }

    /**
     * Returns a builder; {@link Builder#setThreshold(double)} is required. Defaults: k = {@value
     * #DEFAULT_K}, connected components, cosine similarity, minimum cluster size 1, the exact
     * index's default chunk of {@value ExactIndex#DEFAULT_BATCH_SIZE} queries.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The score a link must reach (higher = closer). */
    public double getThreshold() {
        return threshold;
    }

    /** Neighbours per point in the graph. */
    public int getK() {
        return k;
    }

    /** The linkage. */
    public Linkage getLinkage() {
        return linkage;
    }

    /** The distance whose scores the threshold is on. */
    public Distance getDistance() {
        return distance;
    }

    /** Clusters smaller than this are left {@value #UNASSIGNED}. */
    public int getMinClusterSize() {
        return minClusterSize;
    }

    /**
     * Clusters the rows of an (N, D) array.
     *
     * @param embeddings the points; read, not modified or closed
     * @return the cluster of each row
     * @throws IllegalArgumentException if the array is not a non-empty 2-D array of finite values
     */
    public Result cluster(NDArray embeddings) {
        return cluster(embeddings, null);
    }

    /**
     * Clusters the rows of an (N, D) array, reporting progress: first the k-NN graph (queries
     * searched), then the merges. For DJL's {@link ai.djl.training.util.ProgressBar} or any
     * other {@link Progress}; memory is bounded by the graph, N x k edges.
     *
     * @param embeddings the points; read, not modified or closed
     * @param progress where progress goes, or null
     * @return the cluster of each row
     * @throws IllegalArgumentException if the array is not a non-empty 2-D array of finite values
     */
    public Result cluster(NDArray embeddings, Progress progress) {
        Objects.requireNonNull(embeddings, "The embeddings must not be null.");
        Shape shape = embeddings.getShape();
        if (shape.dimension() != 2 || shape.get(0) == 0 || shape.get(1) == 0) {
            throw new IllegalArgumentException(
                    "The embeddings must be a non-empty 2-D (N, D) array, but the shape is " + shape + ".");
        }
        checkFinite(embeddings);
        int n = Math.toIntExact(shape.get(0));
        if (n == 1) {
            return finish(new int[] {0}, 0);
        }
        int neighbours = Math.min(k, n - 1);
        Neighbors found = neighbours(embeddings, n, neighbours, progress);
        if (progress != null) {
            progress.reset("Clustering: merges", n - 1L);
        }
        int[] roots = linkage == Linkage.AVERAGE
                ? averageLinkage(found, n, neighbours, progress)
                : connectedComponents(found, n, neighbours);
        if (progress != null) {
            progress.end();
        }
        int saturated = neighbours < n - 1 ? saturated(found, n, neighbours) : 0;
        if (saturated > n / 20) {
            logger.warn("{} of {} points ({}%) have all k = {} graph neighbours at or above the threshold {}: the"
                    + " graph misses pairs that reach it, so the clusters may be wrong ({}). Raise k above the number"
                    + " of neighbours a point has over the threshold.", saturated, n, 100 * saturated / n, neighbours,
                    threshold, linkage == Linkage.AVERAGE ? "average linkage over-estimates the averages and merges"
                            + " too much" : "components may be split");
        }
        return finish(roots, saturated);
    }

    /** The points whose k-th graph neighbour still reaches the threshold. */
    private int saturated(Neighbors found, int n, int neighbours) {
        int saturated = 0;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            double last = Double.POSITIVE_INFINITY;
            for (int r = 0; r < found.k() && taken < neighbours; r++) {
                if (found.id(i, r) != i) {
                    taken++;
                    last = found.score(i, r);
                }
            }
            saturated += taken == neighbours && last >= threshold ? 1 : 0;
        }
        return saturated;
    }

    /** Each point's k + 1 nearest (itself normally among them), searched in chunks of queries for the progress. */
    private Neighbors neighbours(NDArray embeddings, int n, int neighbours, Progress progress) {
        try (ExactIndex index = ExactIndex.builder().setDistance(distance).optBatchSize(batchSize).build()) {
            index.add(embeddings, LongStream.range(0, n).toArray());
            if (progress == null) {
                return index.search(embeddings, neighbours + 1);
            }
            progress.reset("Clustering: k-NN graph", n);
            long[][] ids = new long[n][];
            float[][] scores = new float[n][];
            int chunk = Math.max(batchSize, (n + 99) / 100);
            for (int start = 0; start < n; start += chunk) {
                int end = Math.min(n, start + chunk);
                try (NDManager m = embeddings.getManager().newSubManager()) {
                    NDArray queries = embeddings.get(start + ":" + end);
                    queries.attach(m);
                    Neighbors part = index.search(queries, neighbours + 1);
                    System.arraycopy(part.ids(), 0, ids, start, end - start);
                    System.arraycopy(part.scores(), 0, scores, start, end - start);
                }
                progress.update(end);
            }
            return new Neighbors(ids, scores);
        }
    }

    /**
     * Clusters the rows of an (N, D) Java array; see {@link #cluster(NDArray)}.
     *
     * @throws IllegalArgumentException if the rows are empty, ragged or hold NaN or infinity
     */
    public Result cluster(float[][] embeddings) {
        Objects.requireNonNull(embeddings, "The embeddings must not be null.");
        if (embeddings.length == 0) {
            throw new IllegalArgumentException("The embeddings are empty: give at least one row.");
        }
        int d = embeddings[0] == null ? 0 : embeddings[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("The embeddings have rows of length 0.");
        }
        for (int i = 0; i < embeddings.length; i++) {
            if (embeddings[i] == null || embeddings[i].length != d) {
                throw new IllegalArgumentException("Row " + i + " of the embeddings has "
                        + (embeddings[i] == null ? "no" : embeddings[i].length) + " values but row 0 has "
                        + d + ": the rows must all have the same length.");
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            return cluster(manager.create(embeddings));
        }
    }

    private static void checkFinite(NDArray embeddings) {
        try (NDManager m = embeddings.getManager().newSubManager()) {
            m.tempAttachAll(embeddings);
            NDArray x = embeddings.toType(DataType.FLOAT32, false);
            boolean bad = x.isNaN().logicalOr(x.isInfinite()).any().getBoolean();
            if (bad) {
                throw new IllegalArgumentException(
                        "The embeddings contain NaN or infinite values: cluster finite embeddings only.");
            }
        }
    }

    /** For each point, the root of its cluster after union-find over the edges >= threshold. */
    private int[] connectedComponents(Neighbors found, int n, int neighbours) {
        int[] parent = identity(n);
        long edges = 0;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            for (int r = 0; r < found.k() && taken < neighbours; r++) {
                int j = (int) found.id(i, r);
                if (j == i) {
                    continue;
                }
                taken++;
                if (found.score(i, r) >= threshold) {
                    union(parent, i, j);
                    edges++;
                }
            }
        }
        logger.debug("Threshold clustering: {} of {} k-NN links reach {}", edges, (long) n * neighbours, threshold);
        return roots(parent);
    }

    /** One undirected edge of the cluster graph: the sum and count of the point edges it holds. */
    private static final class Link {
        final int a;
        final int b;
        final long order;
        double sum;
        int count;
        int version;
        boolean alive = true;

        Link(int a, int b, long order, double score) {
            this.a = a;
            this.b = b;
            this.order = order;
            this.sum = score;
            this.count = 1;
        }
    }

    /** A queued merge candidate: valid while its link is alive and unchanged. */
    private record Candidate(double average, Link link, int version) {}

    /**
     * The estimated average score between clusters x and y: the known k-NN edges at their
     * scores, every other pair at the upper bound min(bound x, bound y) (a point's score to a
     * non-neighbour is at most its k-th neighbour's score; a cluster's bound is the largest of
     * its members'). An upper bound of the exact average linkage, and equal to it when the graph
     * holds every pair.
     */
    private static double average(Link link, int x, int y, long[] size, double[] bound) {
        double pairs = (double) size[x] * size[y];
        double missing = pairs - link.count;
        if (missing <= 0) {
            return link.sum / link.count;
        }
        return (link.sum + missing * Math.min(bound[x], bound[y])) / pairs;
    }

    private int[] averageLinkage(Neighbors found, int n, int neighbours, Progress progress) {
        List<Map<Integer, Link>> links = new ArrayList<>(n); // per cluster root: neighbouring root -> link
        for (int i = 0; i < n; i++) {
            links.add(new HashMap<>());
        }
        // kth[i]: the score of i's last graph neighbour, an upper bound on its score to any non-neighbour
        double[] bound = new double[n];
        long[] size = new long[n];
        Arrays.fill(size, 1);
        long order = 0;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            bound[i] = Double.POSITIVE_INFINITY;
            for (int r = 0; r < found.k() && taken < neighbours; r++) {
                int j = (int) found.id(i, r);
                if (j == i) {
                    continue;
                }
                taken++;
                double score = found.score(i, r);
                bound[i] = Math.min(bound[i], score);
                Link link = links.get(i).get(j);
                if (link == null) {
                    link = new Link(Math.min(i, j), Math.max(i, j), order++, score);
                    links.get(i).put(j, link);
                    links.get(j).put(i, link);
                } else {
                    // seen from the other end: the same pair, scored in another chunk
                    link.sum = Math.max(link.sum, score);
                }
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((x, y) -> {
            int c = Double.compare(y.average, x.average);
            return c != 0 ? c : Long.compare(x.link.order, y.link.order);
        });
        for (int i = 0; i < n; i++) {
            for (Map.Entry<Integer, Link> e : links.get(i).entrySet()) {
                Link link = e.getValue();
                if (link.a == i) {
                    queue.add(new Candidate(average(link, i, e.getKey(), size, bound), link, link.version));
                }
            }
        }
        int[] parent = identity(n);
        int merges = 0;
        int step = Math.max(1, n / 100);
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            Link link = c.link;
            if (!link.alive || link.version != c.version) {
                continue; // superseded by a later entry of the same link, or merged away
            }
            if (c.average < threshold) {
                break; // the best remaining average is below the threshold
            }
            int x = find(parent, link.a);
            int y = find(parent, link.b);
            // fold the cluster with fewer links into the other
            int keep = links.get(x).size() >= links.get(y).size() ? x : y;
            int gone = keep == x ? y : x;
            link.alive = false;
            links.get(keep).remove(gone);
            links.get(gone).remove(keep);
            for (Map.Entry<Integer, Link> e : links.get(gone).entrySet()) {
                int other = e.getKey();
                Link moved = e.getValue();
                links.get(other).remove(gone);
                Link existing = links.get(keep).get(other);
                if (existing == null) {
                    links.get(keep).put(other, moved);
                    links.get(other).put(keep, moved);
                } else {
                    existing.sum += moved.sum;
                    existing.count += moved.count;
                    moved.alive = false;
                }
            }
            links.set(gone, null);
            parent[gone] = keep;
            size[keep] += size[gone];
            bound[keep] = Math.max(bound[keep], bound[gone]);
            // the merged cluster's size and bound changed: every link of it gets a new average
            for (Map.Entry<Integer, Link> e : links.get(keep).entrySet()) {
                Link l = e.getValue();
                l.version++;
                queue.add(new Candidate(average(l, keep, e.getKey(), size, bound), l, l.version));
            }
            merges++;
            if (progress != null && merges % step == 0) {
                progress.update(merges);
            }
        }
        logger.debug("Average-linkage clustering: {} merges at threshold {}", merges, threshold);
        return roots(parent);
    }

    /** Dense ids by first appearance; clusters under the minimum size become UNASSIGNED. */
    private Result finish(int[] roots, int saturated) {
        int n = roots.length;
        int[] size = new int[n];
        for (int root : roots) {
            size[root]++;
        }
        int[] id = new int[n];
        Arrays.fill(id, Integer.MIN_VALUE);
        int[] out = new int[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            int root = roots[i];
            if (size[root] < minClusterSize) {
                out[i] = UNASSIGNED;
                continue;
            }
            if (id[root] == Integer.MIN_VALUE) {
                id[root] = count++;
            }
            out[i] = id[root];
        }
        logger.debug("Threshold clustering of {} points: {} clusters", n, count);
        return new Result(out, count, saturated);
    }

    private static int[] identity(int n) {
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
        return parent;
    }

    private static int find(int[] parent, int i) {
        int root = i;
        while (parent[root] != root) {
            root = parent[root];
        }
        while (parent[i] != root) { // path compression
            int next = parent[i];
            parent[i] = root;
            i = next;
        }
        return root;
    }

    private static void union(int[] parent, int i, int j) {
        int a = find(parent, i);
        int b = find(parent, j);
        if (a != b) {
            parent[Math.max(a, b)] = Math.min(a, b);
        }
    }

    private static int[] roots(int[] parent) {
        int[] roots = new int[parent.length];
        for (int i = 0; i < parent.length; i++) {
            roots[i] = find(parent, i);
        }
        return roots;
    }

    @Override
    public String toString() {
        return "ThresholdClustering{threshold=" + threshold + ", k=" + k + ", linkage=" + linkage
                + ", distance=" + distance.name() + ", minClusterSize=" + minClusterSize + '}';
    }

    /**
     * The outcome of {@link ThresholdClustering#cluster(NDArray)}: immutable (the array is copied
     * in and out).
     *
     * @param assignments the cluster id of each point, in [0, count), or {@value
     *     ThresholdClustering#UNASSIGNED} for a point in a cluster under the minimum size; ids
     *     are numbered in order of each cluster's first point
     * @param count the number of clusters
     */
    public record Result(int[] assignments, int count, int saturated) {

        /**
         * Checks and copies the assignments.
         *
         * @param assignments the cluster id of each point, or {@value ThresholdClustering#UNASSIGNED}
         * @param count the number of clusters
         * @param saturated the points whose k-th graph neighbour still reaches the threshold: the
         *     graph misses some of their pairs above it, and with many of them (a warning is logged
         *     beyond 5%) the clusters are not to be trusted; k should be raised
         * @throws IllegalArgumentException if an id is outside [-1, count) or saturated is negative
         */
        public Result {
            Objects.requireNonNull(assignments, "The assignments must not be null.");
            if (saturated < 0) {
                throw new IllegalArgumentException("saturated must not be negative, but was " + saturated + ".");
            }
            assignments = assignments.clone();
            for (int i = 0; i < assignments.length; i++) {
                if (assignments[i] < UNASSIGNED || assignments[i] >= count) {
                    throw new IllegalArgumentException("Point " + i + " has cluster id " + assignments[i]
                            + ", outside [" + UNASSIGNED + ", " + count + ").");
                }
            }
        }

        /** A result with no saturated point, as from a complete graph. */
        public Result(int[] assignments, int count) {
            this(assignments, count, 0);
        }

        /** A copy of the cluster id of each point. */
        @Override
        public int[] assignments() {
            return assignments.clone();
        }

        /** The number of points in each cluster, indexed by cluster id. */
        public int[] sizes() {
            int[] sizes = new int[count];
            for (int a : assignments) {
                if (a != UNASSIGNED) {
                    sizes[a]++;
                }
            }
            return sizes;
        }

        /** The number of points left {@value ThresholdClustering#UNASSIGNED}. */
        public int unassigned() {
            int u = 0;
            for (int a : assignments) {
                if (a == UNASSIGNED) {
                    u++;
                }
            }
            return u;
        }

        /**
         * The assignments with every unassigned point in a cluster of its own, numbered from
         * {@code count} on in point order: a labelling of all points for {@link
         * ClusteringMetrics}, which would otherwise see the unassigned points as one cluster.
         */
        public int[] withUnassignedAsSingletons() {
            int[] out = assignments.clone();
            int next = count;
            for (int i = 0; i < out.length; i++) {
                if (out[i] == UNASSIGNED) {
                    out[i] = next++;
                }
            }
            return out;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && count == r.count && saturated == r.saturated
                    && Arrays.equals(assignments, r.assignments);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(assignments) + count) + saturated;
        }

        @Override
        public String toString() {
            return "ThresholdClustering.Result{points=" + assignments.length + ", clusters=" + count
                    + ", unassigned=" + unassigned() + ", saturated=" + saturated + '}';
        }
    }

    /** Builder for {@link ThresholdClustering}, in DJL's style. */
    public static final class Builder {
        private Double threshold;
        private int k = DEFAULT_K;
        private Linkage linkage = Linkage.CONNECTED_COMPONENTS;
        private Distance distance = new CosineSimilarity();
        private int minClusterSize = 1;
        private int batchSize = ExactIndex.DEFAULT_BATCH_SIZE;

        private Builder() {}

        /**
         * Sets the threshold (required) on the distance's score scale, where higher means
         * closer: a cosine similarity such as a verification report's calibrated threshold, or
         * minus a Euclidean distance for {@code LpDistance}. {@code +Infinity} leaves every point
         * alone; {@code -Infinity} joins every connected part of the graph.
         */
        public Builder setThreshold(double threshold) {
            this.threshold = threshold;
            return this;
        }

        /** Sets the neighbours per point in the graph (default {@value ThresholdClustering#DEFAULT_K}). */
        public Builder optK(int k) {
            this.k = k;
            return this;
        }

        /** Sets the linkage (default {@link Linkage#CONNECTED_COMPONENTS}). */
        public Builder optLinkage(Linkage linkage) {
            this.linkage = linkage;
            return this;
        }

        /**
         * Sets the distance (default {@link CosineSimilarity}); any distance an {@link
         * ExactIndex} takes, that is one whose {@link Distance#indexMetric()} is not {@link
         * IndexMetric#NOT_INDEXABLE}. The threshold is on its score scale.
         */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /**
         * Sets the smallest cluster kept (default 1, keep all): members of smaller clusters get
         * id {@value ThresholdClustering#UNASSIGNED}.
         */
        public Builder optMinClusterSize(int minClusterSize) {
            this.minClusterSize = minClusterSize;
            return this;
        }

        /** Sets how many query rows the neighbour search takes per chunk (default 256). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Validates the settings and builds the clusterer.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public ThresholdClustering build() {
            if (threshold == null) {
                throw new IllegalArgumentException("The threshold is required: call setThreshold.");
            }
            if (Double.isNaN(threshold)) {
                throw new IllegalArgumentException("The threshold must be a number, but was NaN.");
            }
            if (k < 1) {
                throw new IllegalArgumentException(
                        "The k (neighbours per point) must be at least 1, but was " + k + ".");
            }
            Objects.requireNonNull(linkage, "The linkage must not be null.");
            Objects.requireNonNull(distance, "The distance must not be null.");
            if (minClusterSize < 1) {
                throw new IllegalArgumentException(
                        "The minClusterSize must be at least 1, but was " + minClusterSize + ".");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("The batchSize must be at least 1, but was " + batchSize + ".");
            }
            IndexMetric.requireIndexable(distance, "ThresholdClustering, which finds neighbours with an ExactIndex,");
            return new ThresholdClustering(this);
        }
    }
}
