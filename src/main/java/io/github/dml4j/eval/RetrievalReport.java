package io.github.dml4j.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of one embedding evaluation: retrieval metrics (every embedding a query against
 * all others, itself excluded) and, when computed, clustering metrics.
 *
 * <p>Averages are over the <em>evaluated</em> queries: a query whose class has no other
 * member (a "lone" query, R = 0) has no correct answer and is left out, as
 * pytorch-metric-learning's {@code AccuracyCalculator} does. A metric that was not computed,
 * or that has no query to average over, is {@link Double#NaN}; {@link #toMap()} leaves such
 * values out so that the map is valid JSON.
 *
 * @param precisionAt1 fraction of queries whose nearest neighbour has the query's label
 * @param rPrecision mean over queries of (same-label neighbours among the first R) / R, where R
 *     is the number of other embeddings with the query's label (capped at k)
 * @param meanAveragePrecisionAtR MAP@R of Musgrave et al. 2020: mean over queries of
 *     (1/R) &sum;<sub>i&le;R</sub> match<sub>i</sub> &middot; precision@i
 * @param meanAveragePrecision average precision over all k neighbours: (1/R)
 *     &sum;<sub>i&le;k</sub> match<sub>i</sub> &middot; precision@i (PML's {@code
 *     mean_average_precision}); at least MAP@R
 * @param meanReciprocalRank mean of 1 / rank of the first same-label neighbour within the k
 *     neighbours, 0 when there is none
 * @param nmi normalized mutual information between the labels and a k-means clustering with
 *     the true number of classes, or NaN when not computed
 * @param ami adjusted mutual information for the same clustering, or NaN when not computed
 * @param k number of neighbours retrieved per query
 * @param evaluatedQueries number of queries that have at least one other same-label embedding
 * @param loneQueries number of queries left out because their label occurs only once
 */
public record RetrievalReport(
        double precisionAt1,
        double rPrecision,
        double meanAveragePrecisionAtR,
        double meanAveragePrecision,
        double meanReciprocalRank,
        double nmi,
        double ami,
        int k,
        int evaluatedQueries,
        int loneQueries) {

    /** PML's key for {@link #precisionAt1()}. */
    public static final String PRECISION_AT_1 = "precision_at_1";
    /** PML's key for {@link #rPrecision()}. */
    public static final String R_PRECISION = "r_precision";
    /** PML's key for {@link #meanAveragePrecisionAtR()}. */
    public static final String MAP_AT_R = "mean_average_precision_at_r";
    /** PML's key for {@link #meanAveragePrecision()}. */
    public static final String MAP = "mean_average_precision";
    /** PML's key for {@link #meanReciprocalRank()}. */
    public static final String MRR = "mean_reciprocal_rank";
    /** PML's key for {@link #nmi()}. */
    public static final String NMI = "NMI";
    /** PML's key for {@link #ami()}. */
    public static final String AMI = "AMI";

    /** Returns a copy of this report with the clustering metrics set. */
    public RetrievalReport withClustering(double nmi, double ami) {
        return new RetrievalReport(
                precisionAt1,
                rPrecision,
                meanAveragePrecisionAtR,
                meanAveragePrecision,
                meanReciprocalRank,
                nmi,
                ami,
                k,
                evaluatedQueries,
                loneQueries);
    }

    /** Whether the clustering metrics were computed. */
    public boolean hasClustering() {
        return !Double.isNaN(nmi);
    }

    /**
     * Returns the metrics as an ordered, unmodifiable map with pytorch-metric-learning's key
     * names ({@code precision_at_1}, {@code r_precision}, {@code mean_average_precision_at_r},
     * {@code mean_average_precision}, {@code mean_reciprocal_rank}, {@code NMI}, {@code AMI}),
     * followed by {@code k}, {@code evaluated_queries} and {@code lone_queries}. NaN values
     * (not computed) are left out, so the map serializes to valid JSON.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        MetricMaps.putFinite(map, PRECISION_AT_1, precisionAt1);
        MetricMaps.putFinite(map, R_PRECISION, rPrecision);
        MetricMaps.putFinite(map, MAP_AT_R, meanAveragePrecisionAtR);
        MetricMaps.putFinite(map, MAP, meanAveragePrecision);
        MetricMaps.putFinite(map, MRR, meanReciprocalRank);
        MetricMaps.putFinite(map, NMI, nmi);
        MetricMaps.putFinite(map, AMI, ami);
        map.put("k", k);
        map.put("evaluated_queries", evaluatedQueries);
        map.put("lone_queries", loneQueries);
        return Collections.unmodifiableMap(map);
    }


    /** One line, four decimals, PML's key names, for example {@code precision_at_1=0.9120 ...}. */
    @Override
    public String toString() {
        return MetricMaps.format("RetrievalReport", toMap());
    }
}
