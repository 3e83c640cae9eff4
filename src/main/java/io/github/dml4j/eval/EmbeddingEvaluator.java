package io.github.dml4j.eval;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark protocol in one call: retrieval metrics (Precision@1, R-Precision, MAP@R, MAP,
 * MRR, Recall@K, CMC; every embedding a query against all others, itself excluded, or queries
 * against a gallery) plus NMI and AMI of a
 * k-means clustering with the true number of classes, as pytorch-metric-learning's {@code
 * AccuracyCalculator} reports them.
 *
 * <p>k-means runs on the embeddings as given (not normalized), as PML does, with k-means++
 * seeding from {@link Builder#optSeed(long)}. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * RetrievalReport report = EmbeddingEvaluator.builder().optSeed(0).build().evaluate(embeddings, labels);
 * System.out.println(report); // RetrievalReport{precision_at_1=..., ..., NMI=..., AMI=..., ...}
 * }</pre>
 */
public final class EmbeddingEvaluator {

    private static final Logger logger = LoggerFactory.getLogger(EmbeddingEvaluator.class);

    private final RetrievalMetrics retrieval;
    private final boolean clustering;
    private final long seed;
    private final int restarts;
    private final int maxIterations;

    private EmbeddingEvaluator(Builder builder) {
        this.retrieval = builder.retrieval;
        this.clustering = builder.clustering;
        this.seed = builder.seed;
        this.restarts = builder.restarts;
        this.maxIterations = builder.maxIterations;
    }

    /**
     * Returns a builder; defaults: {@code RetrievalMetrics.builder().build()}, clustering on,
     * seed 0, one k-means restart, 300 iterations.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Computes the retrieval metrics and, unless switched off, NMI and AMI of a k-means
     * clustering with as many clusters as there are distinct labels.
     *
     * @param embeddings an (N, D) array; copied, not modified or closed
     * @param labels the class label of each row, length N
     * @return the report with every metric filled in
     * @throws IllegalArgumentException if the shapes do not match or there are no embeddings
     */
    public RetrievalReport evaluate(NDArray embeddings, int[] labels) {
        RetrievalReport report = retrieval.compute(embeddings, labels);
        if (!clustering) {
            return report;
        }
        int classes = (int) Arrays.stream(labels).distinct().count();
        long start = System.nanoTime();
        KMeans kMeans = KMeans.builder()
                .setK(classes)
                .optSeed(seed)
                .optRestarts(restarts)
                .optMaxIterations(maxIterations)
                .build();
        int[] clusters = kMeans.cluster(embeddings);
        double nmi = ClusteringMetrics.nmi(labels, clusters);
        double ami = ClusteringMetrics.ami(labels, clusters);
        logger.debug("k-means with {} clusters and NMI/AMI in {} ms", classes, (System.nanoTime() - start) / 1_000_000);
        return report.withClustering(nmi, ami);
    }

    /**
     * Computes the retrieval metrics of queries against a separate gallery (re-identification,
     * product search), as {@link RetrievalMetrics#compute(NDArray, int[], NDArray, int[], int[])};
     * the clustering fields stay NaN, since the two sets are not one clustering.
     *
     * @param queries (Q, D) query embeddings; copied, not modified or closed
     * @param queryLabels one label per query
     * @param gallery (N, D) gallery embeddings; copied, not modified or closed
     * @param galleryLabels one label per gallery row
     * @param galleryRowOfQuery null when the sets are separate, else per query its gallery row or -1
     * @return the report
     * @throws IllegalArgumentException on empty sets, mismatched dimensions or label counts
     */
    public RetrievalReport evaluate(NDArray queries, int[] queryLabels, NDArray gallery, int[] galleryLabels,
            int[] galleryRowOfQuery) {
        return retrieval.compute(queries, queryLabels, gallery, galleryLabels, galleryRowOfQuery);
    }

    @Override
    public String toString() {
        return "EmbeddingEvaluator{retrieval=" + retrieval + ", clustering=" + clustering + ", seed=" + seed
                + ", restarts=" + restarts + ", maxIterations=" + maxIterations + '}';
    }

    /** Builder for {@link EmbeddingEvaluator}, in DJL's style. */
    public static final class Builder {
        private RetrievalMetrics retrieval = RetrievalMetrics.builder().build();
        private boolean clustering = true;
        private long seed;
        private int restarts = 1;
        private int maxIterations = 300;

        private Builder() {}

        /** Sets the retrieval metrics configuration (distance, k, chunk size). */
        public Builder optRetrievalMetrics(RetrievalMetrics retrieval) {
            this.retrieval = retrieval;
            return this;
        }

        /** Sets whether NMI and AMI are computed (default {@code true}). */
        public Builder optClustering(boolean clustering) {
            this.clustering = clustering;
            return this;
        }

        /** Sets the k-means seed (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the number of k-means restarts, the lowest inertia kept (default 1). */
        public Builder optKMeansRestarts(int restarts) {
            this.restarts = restarts;
            return this;
        }

        /** Sets the maximum number of k-means iterations (default 300). */
        public Builder optKMeansMaxIterations(int maxIterations) {
            this.maxIterations = maxIterations;
            return this;
        }

        /**
         * Validates the settings and builds the evaluator.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public EmbeddingEvaluator build() {
            if (retrieval == null) {
                throw new IllegalArgumentException(
                        "The retrievalMetrics must not be null; use RetrievalMetrics.builder().build().");
            }
            if (restarts < 1) {
                throw new IllegalArgumentException(
                        "The kMeansRestarts must be at least 1, but was " + restarts + ".");
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException(
                        "The kMeansMaxIterations must be at least 1, but was " + maxIterations + ".");
            }
            return new EmbeddingEvaluator(this);
        }
    }
}
