package io.github.dml4j.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.IndexMetric;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.index.ExactSearch;
import io.github.dml4j.index.TopK;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retrieval metrics of embeddings: every embedding a query against all the others, itself
 * excluded (leave-one-out), or queries against a separate gallery that may contain them.
 * Precision@1, R-Precision, MAP@R (Musgrave et al. 2020, "A Metric Learning Reality Check"),
 * mean average precision over k and mean reciprocal rank as pytorch-metric-learning computes
 * them; Recall@K for a list of K (default R@1, 2, 4, 8, as the metric-learning papers report
 * it); mean average precision over the full ranking and the CMC curve (the re-identification
 * convention).
 *
 * <p>Definitions, for a query q with label y<sub>q</sub>, its nearest gallery entries in
 * order, match<sub>i</sub> = 1 when the i-th has label y<sub>q</sub>, G<sub>q</sub> = the
 * number of gallery entries labelled y<sub>q</sub> (its own excluded) and R<sub>q</sub> =
 * min(G<sub>q</sub>, k):
 *
 * <ul>
 *   <li>P@1 = match<sub>1</sub>;
 *   <li>R-Precision = (&sum;<sub>i&le;R</sub> match<sub>i</sub>) / R;
 *   <li>MAP@R = (1/R) &sum;<sub>i&le;R</sub> match<sub>i</sub> &middot; P@i, with P@i =
 *       (&sum;<sub>j&le;i</sub> match<sub>j</sub>) / i;
 *   <li>MAP = (1/R) &sum;<sub>i&le;k</sub> match<sub>i</sub> &middot; P@i, average precision
 *       over all k neighbours (AP@k, as the {@code mean_average_precision} of the golden
 *       reference made with pytorch-metric-learning 2.8.1); never below MAP@R;
 *   <li>MRR = 1 / (rank of the first match within k), 0 when there is none;
 *   <li>Recall@K = 1 when a match is among the first K; CMC(r) = 1 when the first match is
 *       at rank r or better, r = 1..{@link Builder#optCmcRanks(int) cmcRanks};
 *   <li>full-ranking mAP = (1/G) &sum;<sub>i</sub> match<sub>i</sub> &middot; P@i over the
 *       ranking down to {@link Builder#optRankingDepth(Integer) rankingDepth} (see {@link
 *       RetrievalAccumulator}), given only when every query's matches are all within the depth
 *       (the report's {@code truncatedQueries} counts those that are not); a depth of {@link
 *       Integer#MAX_VALUE} ranks the whole gallery and always gives it.
 * </ul>
 *
 * <p>Each metric is averaged over the queries with G<sub>q</sub> &gt; 0; lone queries
 * (singleton classes) are left out, as in pytorch-metric-learning's {@code AccuracyCalculator}.
 * The defaults reproduce its numbers with FAISS {@code IndexFlatL2}: Euclidean distance on the
 * raw embeddings and k = largest class size minus one (with a separate gallery: the largest
 * G<sub>q</sub>).
 *
 * <p><b>Bounded memory.</b> The neighbours come from {@link ExactSearch}: blocks of {@link
 * Builder#optBatchSize(int) batchSize} queries against gallery blocks on the engine (one
 * matrix product and a top-k each), re-scored exactly in the JVM, and summed into a {@link
 * RetrievalAccumulator} block by block. Memory is the gallery (on the engine and once on the
 * heap) plus a few (batchSize, galleryBlockSize) matrices, never a (queries, gallery) matrix;
 * 1,000,000 x 128 embeddings fit in a few GB. Ties are broken by gallery index (the
 * order of {@link TopK}), so the result does not depend on the block sizes, and a distributed
 * job that merges partition top-k lists with {@link TopK#merge} and sums {@link
 * RetrievalAccumulator}s gets the same numbers. Long runs log their progress (SLF4J, INFO, about
 * every 10%) and report it to {@link Builder#optProgress(EvaluationProgress)}. Instances are
 * immutable and thread-safe.
 *
 * <pre>{@code
 * RetrievalReport report = RetrievalMetrics.builder().build().compute(embeddings, labels);
 * RetrievalReport reid = RetrievalMetrics.builder().optRecallAtK(1, 5, 10).build()
 *         .compute(queries, queryLabels, gallery, galleryLabels);
 * }</pre>
 */
public final class RetrievalMetrics {

    private static final Logger logger = LoggerFactory.getLogger(RetrievalMetrics.class);

    /** Default number of queries per chunk. */
    public static final int DEFAULT_BATCH_SIZE = 256;

    /** Default K of Recall@K. */
    public static final int[] DEFAULT_RECALL_AT_K = {1, 2, 4, 8};

    /** Default length of the CMC curve. */
    public static final int DEFAULT_CMC_RANKS = 10;

    /** Query x gallery pairs from which progress is logged at INFO rather than DEBUG. */
    private static final double LOG_PROGRESS_PAIRS = 1e10;

    private final Distance distance;
    private final int batchSize;
    private final int galleryBlockSize;
    private final Integer k;
    private final int[] recallAtK;
    private final int cmcRanks;
    private final Integer rankingDepth;
    private final EvaluationProgress progress;

    private RetrievalMetrics(Builder builder) {
        this.distance = builder.distance;
        this.batchSize = builder.batchSize;
        this.galleryBlockSize = builder.galleryBlockSize;
        this.k = builder.k;
        this.recallAtK = Arrays.stream(builder.recallAtK).distinct().sorted().toArray();
        this.cmcRanks = builder.cmcRanks;
        this.rankingDepth = builder.rankingDepth;
        this.progress = builder.progress;
    }

    /**
     * Returns a builder; defaults: raw Euclidean distance, 256 queries per chunk, automatic k,
     * Recall@1, 2, 4, 8, a CMC curve of 10 ranks, ranking depth automatic.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The distance used to rank neighbours. */
    public Distance getDistance() {
        return distance;
    }

    /** Queries per chunk. */
    public int getBatchSize() {
        return batchSize;
    }

    /** The configured k, or {@code null} for the largest class size minus one. */
    public Integer getK() {
        return k;
    }

    /** The K of Recall@K, sorted. */
    public int[] getRecallAtK() {
        return recallAtK.clone();
    }

    /** The length of the CMC curve. */
    public int getCmcRanks() {
        return cmcRanks;
    }

    /**
     * Computes the retrieval metrics with every row of {@code embeddings} as a query against all
     * other rows, itself excluded by index. The clustering fields of the report are NaN; see
     * {@link EmbeddingEvaluator}. An explicit k larger than N - 1 is capped at N - 1.
     *
     * @param embeddings an (N, D) array of embeddings; it is copied, not modified or closed
     * @param labels the class label of each row, length N
     * @return the report
     * @throws IllegalArgumentException if the shapes do not match or there are no embeddings
     */
    public RetrievalReport compute(NDArray embeddings, int[] labels) {
        int n = checkInput(embeddings, labels, "embeddings", "labels", "embedding");
        return leaveOneOut(floats(embeddings), (int) embeddings.getShape().get(1), labels, n);
    }

    /**
     * As {@link #compute(NDArray, int[])} for (N, D) rows.
     *
     * @throws IllegalArgumentException if the rows are empty or ragged, or the labels do not match
     */
    public RetrievalReport compute(float[][] embeddings, int[] labels) {
        float[] flat = flatten(embeddings, "embeddings");
        checkLabels(labels, embeddings.length, "labels", "embeddings", "embedding");
        return leaveOneOut(flat, embeddings[0].length, labels, embeddings.length);
    }

    /**
     * Computes the retrieval metrics of queries against a separate gallery (the queries are not
     * in the gallery: nothing is excluded). k, if set, must not exceed the gallery size.
     *
     * @param queries (Q, D) query embeddings; copied, not modified or closed
     * @param queryLabels one label per query
     * @param gallery (N, D) gallery embeddings; copied, not modified or closed
     * @param galleryLabels one label per gallery row
     * @return the report; G<sub>q</sub> counts the gallery rows with the query's label
     * @throws IllegalArgumentException on empty sets, mismatched dimensions or label counts, or
     *     k larger than the gallery
     */
    public RetrievalReport compute(NDArray queries, int[] queryLabels, NDArray gallery, int[] galleryLabels) {
        return compute(queries, queryLabels, gallery, galleryLabels, null);
    }

    /**
     * Computes the retrieval metrics of queries against a gallery that contains them: query i is
     * gallery row {@code galleryRowOfQuery[i]} (or -1 when it is not in the gallery), which is
     * never returned for it and not counted in its G<sub>q</sub>. With {@code galleryRowOfQuery}
     * null the sets are separate, as {@link #compute(NDArray, int[], NDArray, int[])}.
     *
     * @param queries (Q, D) query embeddings; copied, not modified or closed
     * @param queryLabels one label per query
     * @param gallery (N, D) gallery embeddings; copied, not modified or closed
     * @param galleryLabels one label per gallery row
     * @param galleryRowOfQuery null, or per query its gallery row or -1
     * @return the report
     * @throws IllegalArgumentException on empty sets, mismatched dimensions or label counts, a
     *     gallery row out of range, or k larger than the gallery (without the query's own row)
     */
    public RetrievalReport compute(NDArray queries, int[] queryLabels, NDArray gallery, int[] galleryLabels,
            int[] galleryRowOfQuery) {
        int q = checkInput(queries, queryLabels, "queries", "query labels", "query");
        int n = checkInput(gallery, galleryLabels, "gallery", "gallery labels", "gallery");
        long dq = queries.getShape().get(1);
        long dg = gallery.getShape().get(1);
        if (dq != dg) {
            throw new IllegalArgumentException("The queries have dimension " + dq + " but the gallery has dimension "
                    + dg + ": both must come from the same embedding model.");
        }
        return queryGallery(floats(queries), queryLabels, floats(gallery), galleryLabels, (int) dg, q, n,
                galleryRowOfQuery);
    }

    /** As {@link #compute(NDArray, int[], NDArray, int[], int[])} for (Q, D) and (N, D) rows. */
    public RetrievalReport compute(float[][] queries, int[] queryLabels, float[][] gallery, int[] galleryLabels,
            int[] galleryRowOfQuery) {
        float[] flatQueries = flatten(queries, "queries");
        float[] flatGallery = flatten(gallery, "gallery");
        checkLabels(queryLabels, queries.length, "query labels", "queries", "query");
        checkLabels(galleryLabels, gallery.length, "gallery labels", "gallery", "gallery");
        if (queries[0].length != gallery[0].length) {
            throw new IllegalArgumentException("The queries have dimension " + queries[0].length
                    + " but the gallery has dimension " + gallery[0].length
                    + ": both must come from the same embedding model.");
        }
        return queryGallery(flatQueries, queryLabels, flatGallery, galleryLabels, gallery[0].length, queries.length,
                gallery.length, galleryRowOfQuery);
    }

    private RetrievalReport leaveOneOut(float[] flat, int d, int[] labels, int n) {
        Map<Integer, Integer> counts = counts(labels);
        int largestClass = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int kEff = Math.min(k == null ? largestClass - 1 : k, n - 1);
        warnIfCapped(largestClass - 1);
        long[] relevant = new long[n];
        for (int i = 0; i < n; i++) {
            relevant[i] = counts.get(labels[i]) - 1;
        }
        if (kEff < 1 || Arrays.stream(relevant).allMatch(r -> r == 0)) {
            return nothingToEvaluate(Math.max(kEff, 0), n);
        }
        int depth = depth(kEff, n - 1);
        RetrievalAccumulator sums = new RetrievalAccumulator(kEff, recallAtK, cmcRanks);
        long start = System.nanoTime();
        try (ExactSearch.Gallery gallery = search().gallery(flat, d, 0L)) {
            for (int s = 0; s < n; s += batchSize) {
                int e = Math.min(n, s + batchSize);
                TopK top = gallery.searchRows(s, e, depth, true);
                sums.add(top, Arrays.copyOfRange(labels, s, e), Arrays.copyOfRange(relevant, s, e),
                        id -> labels[(int) id]);
                progress(e, n, n - 1L, start);
            }
        }
        return finish(sums, n, n - 1L, depth, start);
    }

    private RetrievalReport queryGallery(float[] queries, int[] queryLabels, float[] galleryRows, int[] galleryLabels,
            int d, int q, int n, int[] galleryRowOfQuery) {
        if (galleryRowOfQuery != null && galleryRowOfQuery.length != q) {
            throw new IllegalArgumentException("The galleryRowOfQuery has " + galleryRowOfQuery.length
                    + " entries but there are " + q + " queries: give one per query (-1 when not in the gallery).");
        }
        boolean contained = galleryRowOfQuery != null;
        Map<Integer, Integer> counts = counts(galleryLabels);
        long[] relevant = new long[q];
        long[] excluded = contained ? new long[q] : null;
        for (int i = 0; i < q; i++) {
            relevant[i] = counts.getOrDefault(queryLabels[i], 0);
            if (contained) {
                int row = galleryRowOfQuery[i];
                if (row < -1 || row >= n) {
                    throw new IllegalArgumentException("Query " + i + " is said to be gallery row " + row
                            + ", but the gallery has rows 0.." + (n - 1) + " (-1: not in the gallery).");
                }
                if (row >= 0 && galleryLabels[row] != queryLabels[i]) {
                    throw new IllegalArgumentException("Query " + i + " has label " + queryLabels[i]
                            + " but its gallery row " + row + " has label " + galleryLabels[row]
                            + ": a query in the gallery must keep its label.");
                }
                excluded[i] = row >= 0 ? row : ExactSearch.NO_EXCLUSION;
                relevant[i] -= row >= 0 ? 1 : 0;
            }
        }
        int candidates = contained ? n - 1 : n;
        if (k != null && k > candidates) {
            throw new IllegalArgumentException("k = " + k + " is larger than the gallery, which has " + candidates
                    + " candidates per query" + (contained ? " (its " + n + " rows minus the query's own)" : "")
                    + ".");
        }
        long largest = Arrays.stream(relevant).max().orElse(0);
        int kEff = k != null ? k : (int) Math.min(Math.max(largest, 1), Math.max(candidates, 1));
        if (candidates < 1 || Arrays.stream(relevant).allMatch(r -> r == 0)) {
            return nothingToEvaluate(kEff, q);
        }
        if (k != null && k < largest) {
            warnIfCapped((int) largest);
        }
        int depth = depth(kEff, candidates);
        RetrievalAccumulator sums = new RetrievalAccumulator(kEff, recallAtK, cmcRanks);
        long start = System.nanoTime();
        try (ExactSearch.Gallery gallery = search().gallery(galleryRows, d, 0L)) {
            for (int s = 0; s < q; s += batchSize) {
                int e = Math.min(q, s + batchSize);
                TopK top = gallery.search(Arrays.copyOfRange(queries, s * d, e * d), depth,
                        excluded == null ? null : Arrays.copyOfRange(excluded, s, e));
                sums.add(top, Arrays.copyOfRange(queryLabels, s, e), Arrays.copyOfRange(relevant, s, e),
                        id -> galleryLabels[(int) id]);
                progress(e, q, n, start);
            }
        }
        return finish(sums, q, n, depth, start);
    }

    private ExactSearch search() {
        ExactSearch.Builder builder = ExactSearch.builder().optDistance(distance).optQueryBlockSize(batchSize);
        if (galleryBlockSize > 0) {
            builder.optGalleryBlockSize(galleryBlockSize);
        }
        return builder.build();
    }

    /** Neighbours to retrieve: k, the largest K, the CMC ranks and the ranking depth, capped. */
    private int depth(int kEff, int candidates) {
        int depth = Math.max(kEff, cmcRanks);
        if (recallAtK.length > 0) {
            depth = Math.max(depth, recallAtK[recallAtK.length - 1]);
        }
        if (rankingDepth != null) {
            depth = Math.max(depth, rankingDepth);
        }
        return Math.min(depth, candidates);
    }

    private void warnIfCapped(int largestR) {
        if (k != null && k < largestR) {
            logger.warn(
                    "k = {} is smaller than the largest class size minus one ({}): R is capped at k,"
                            + " so R-Precision and MAP@R are computed at k for the larger classes.",
                    k,
                    largestR);
        }
    }

    private RetrievalReport nothingToEvaluate(int kEff, int queries) {
        logger.warn("No query has another embedding with its label: the metrics are NaN.");
        return new RetrievalReport(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                kEff, 0, queries);
    }

    private void progress(long done, long total, long gallerySize, long start) {
        if (progress != null) {
            progress.update(done, total);
        }
        long step = Math.max(1, total / 10);
        boolean large = (double) total * gallerySize >= LOG_PROGRESS_PAIRS;
        if (large && (done / step != (done - Math.min(done, batchSize)) / step || done == total)) {
            double seconds = (System.nanoTime() - start) / 1e9;
            logger.info(String.format(java.util.Locale.ROOT, "Retrieval metrics: %,d of %,d queries (%.0f%%) in %.0f s,"
                    + " about %.0f s left", done, total, 100.0 * done / total, seconds,
                    seconds / done * (total - done)));
        }
    }

    private RetrievalReport finish(RetrievalAccumulator sums, long queries, long gallerySize, int depth, long start) {
        RetrievalReport report = sums.report();
        if (report.truncatedQueries() > 0) {
            logger.debug("{} of {} queries have same-label gallery entries beyond the ranking depth {}, so there is no"
                    + " full-ranking mAP; optRankingDepth(Integer.MAX_VALUE) ranks the whole gallery.",
                    report.truncatedQueries(),
                    report.evaluatedQueries(), depth);
        }
        logger.debug("Retrieval metrics of {} queries against {} gallery entries (k = {}, depth {}, {} per chunk) in {} ms",
                queries, gallerySize, report.k(), depth, batchSize, (System.nanoTime() - start) / 1_000_000);
        return report;
    }

    private static Map<Integer, Integer> counts(int[] labels) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int label : labels) {
            counts.merge(label, 1, Integer::sum);
        }
        return counts;
    }

    private static float[] floats(NDArray array) {
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray f = array.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    private static float[] flatten(float[][] rows, String what) {
        Objects.requireNonNull(rows, "The " + what + " must not be null.");
        if (rows.length == 0 || rows[0] == null || rows[0].length == 0) {
            throw new IllegalArgumentException("The " + what + " are empty: at least one row of at least one value is"
                    + " needed.");
        }
        int d = rows[0].length;
        float[] flat = new float[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != d) {
                throw new IllegalArgumentException("Row " + i + " of the " + what + " has "
                        + (rows[i] == null ? "no" : rows[i].length) + " values but row 0 has " + d
                        + ": the rows must all have the same length.");
            }
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return flat;
    }

    private static int checkInput(NDArray embeddings, int[] labels, String what, String labelName, String rowName) {
        Objects.requireNonNull(embeddings, "The " + what + " must not be null.");
        Shape shape = embeddings.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException(
                    "The " + what + " must be a 2-D (N, D) array, but their shape is " + shape + ".");
        }
        long n = shape.get(0);
        if (n == 0 || shape.get(1) == 0) {
            throw new IllegalArgumentException(
                    "The " + what + " are empty (shape " + shape + "): at least one row of at least"
                            + " one value is needed.");
        }
        checkLabels(labels, n, labelName, what, rowName);
        return (int) n;
    }

    private static void checkLabels(int[] labels, long rows, String labelName, String what, String rowName) {
        Objects.requireNonNull(labels, "The " + labelName + " must not be null.");
        if (labels.length != rows) {
            throw new IllegalArgumentException(
                    "The " + labelName + " have "
                            + labels.length
                            + " entries but the " + what + " have "
                            + rows
                            + " rows: give one label per " + rowName + " row.");
        }
    }

    @Override
    public String toString() {
        return "RetrievalMetrics{distance="
                + distance
                + ", batchSize="
                + batchSize
                + ", k="
                + (k == null ? "largest class size - 1" : k)
                + ", recallAtK="
                + Arrays.toString(recallAtK)
                + ", cmcRanks="
                + cmcRanks
                + ", rankingDepth="
                + (rankingDepth == null ? "automatic" : rankingDepth)
                + '}';
    }

    /** Builder for {@link RetrievalMetrics}, in DJL's style. */
    public static final class Builder {
        private Distance distance = LpDistance.raw();
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int galleryBlockSize;
        private Integer k;
        private int[] recallAtK = DEFAULT_RECALL_AT_K.clone();
        private int cmcRanks = DEFAULT_CMC_RANKS;
        private Integer rankingDepth;
        private EvaluationProgress progress;

        private Builder() {}

        /**
         * Sets the distance that ranks neighbours (default {@link LpDistance#raw()}, plain
         * Euclidean as FAISS {@code IndexFlatL2} in PML's {@code AccuracyCalculator}). Any
         * distance works: one with an {@link IndexMetric} through one matrix product, any other
         * through its {@code pairwise}.
         */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /**
         * Sets the number of queries per chunk (default {@value RetrievalMetrics#DEFAULT_BATCH_SIZE}). The
         * peak memory is a few (batchSize, galleryBlockSize) matrices.
         */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the gallery rows per block of the search (default {@value
         * ExactSearch#DEFAULT_GALLERY_BLOCK_SIZE}); the result does not depend on it.
         */
        public Builder optGalleryBlockSize(int galleryBlockSize) {
            this.galleryBlockSize = galleryBlockSize;
            return this;
        }

        /**
         * Sets how many neighbours the PML metrics look at; {@code null} (the default) means the
         * largest class size minus one, so that R is never capped. In leave-one-out it is capped
         * at N - 1.
         */
        public Builder optK(Integer k) {
            this.k = k;
            return this;
        }

        /** Sets the K of Recall@K (default 1, 2, 4, 8); none for no Recall@K. */
        public Builder optRecallAtK(int... recallAtK) {
            this.recallAtK = recallAtK == null ? null : recallAtK.clone();
            return this;
        }

        /** Sets the length of the CMC curve (default {@value RetrievalMetrics#DEFAULT_CMC_RANKS}); 0 for none. */
        public Builder optCmcRanks(int cmcRanks) {
            this.cmcRanks = cmcRanks;
            return this;
        }

        /**
         * Sets how deep each query's ranking goes for the full-ranking mAP, at least k, the
         * largest K and the CMC ranks (the default, {@code null}); {@link Integer#MAX_VALUE}
         * ranks the whole gallery, which makes the full-ranking mAP exact for every query at
         * the cost of a top-N per query.
         */
        public Builder optRankingDepth(Integer rankingDepth) {
            this.rankingDepth = rankingDepth;
            return this;
        }

        /** Sets a listener told the number of queries done after every chunk (default none). */
        public Builder optProgress(EvaluationProgress progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Validates the settings and builds the metrics.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public RetrievalMetrics build() {
            if (distance == null) {
                throw new IllegalArgumentException(
                        "The distance must not be null; use LpDistance.raw() for plain Euclidean.");
            }
            IndexMetric.of(distance); // a declared metric must agree with the distance's direction
            if (batchSize < 1) {
                throw new IllegalArgumentException(
                        "The batchSize must be at least 1, but was " + batchSize + ".");
            }
            if (galleryBlockSize < 0) {
                throw new IllegalArgumentException(
                        "The galleryBlockSize must be at least 1, but was " + galleryBlockSize + ".");
            }
            if (k != null && k < 1) {
                throw new IllegalArgumentException(
                        "The k must be at least 1, or null for the largest class size minus one,"
                                + " but was "
                                + k
                                + ".");
            }
            if (recallAtK == null) {
                throw new IllegalArgumentException("The recallAtK must not be null; call optRecallAtK() for none.");
            }
            for (int kk : recallAtK) {
                if (kk < 1) {
                    throw new IllegalArgumentException("Every K of recallAtK must be at least 1, but got "
                            + Arrays.toString(recallAtK) + ".");
                }
            }
            if (cmcRanks < 0) {
                throw new IllegalArgumentException("The cmcRanks must not be negative, but was " + cmcRanks + ".");
            }
            if (rankingDepth != null && rankingDepth < 1) {
                throw new IllegalArgumentException("The rankingDepth must be at least 1, or null for automatic, but was "
                        + rankingDepth + ".");
            }
            return new RetrievalMetrics(this);
        }
    }
}
