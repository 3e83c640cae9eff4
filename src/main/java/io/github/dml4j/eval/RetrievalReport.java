package io.github.dml4j.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of one embedding evaluation: retrieval metrics (every embedding a query against
 * all others, itself excluded, or queries against a separate gallery) and, when computed,
 * clustering metrics.
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
 * @param recallAtK Recall@K by K (the metric-learning papers' R@1, R@2, ...): share of queries
 *     with a same-label neighbour among their K nearest; empty when not computed
 * @param meanAveragePrecisionFullRanking mean over queries of the average precision of the
 *     whole ranking, (1/G) &sum; match<sub>i</sub> &middot; precision@i with G all the query's
 *     same-label gallery entries (the re-identification convention); exact when {@code
 *     truncatedQueries} is 0, NaN otherwise (see {@link RetrievalAccumulator})
 * @param cmc the cumulative matching characteristic: entry r - 1 is the share of queries whose
 *     first same-label neighbour is at rank r or better; empty when not computed
 * @param truncatedQueries evaluated queries whose ranked list ended before their last
 *     same-label gallery entry
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
        int loneQueries,
        Map<Integer, Double> recallAtK,
        double meanAveragePrecisionFullRanking,
        double[] cmc,
        int truncatedQueries) {

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
    /** The key prefix of {@link #recallAtK()}: {@code recall_at_1}, {@code recall_at_2}, ... */
    public static final String RECALL_AT = "recall_at_";
    /** The key of {@link #meanAveragePrecisionFullRanking()}. */
    public static final String MAP_FULL_RANKING = "mean_average_precision_full_ranking";
    /** The key of {@link #cmc()}, a list from rank 1. */
    public static final String CMC = "cmc";
    /** PML's key for {@link #nmi()}. */
    public static final String NMI = "NMI";
    /** PML's key for {@link #ami()}. */
    public static final String AMI = "AMI";

    /** Checks and copies: recall keys sorted, the map and the curve unmodifiable copies. */
    public RetrievalReport {
        recallAtK = Collections.unmodifiableMap(new LinkedHashMap<>(new TreeMap<>(
                recallAtK == null ? Map.of() : recallAtK)));
        cmc = cmc == null ? new double[0] : cmc.clone();
    }

    /** A report of the PML metrics only: no Recall@K, full-ranking mAP or CMC. */
    public RetrievalReport(double precisionAt1, double rPrecision, double meanAveragePrecisionAtR,
            double meanAveragePrecision, double meanReciprocalRank, double nmi, double ami, int k,
            int evaluatedQueries, int loneQueries) {
        this(precisionAt1, rPrecision, meanAveragePrecisionAtR, meanAveragePrecision, meanReciprocalRank, nmi, ami, k,
                evaluatedQueries, loneQueries, Map.of(), Double.NaN, new double[0], 0);
    }

    /** A copy of the CMC curve: entry r - 1 is the share of queries matched at rank r or better. */
    @Override
    public double[] cmc() {
        return cmc.clone();
    }

    /** Recall@K for one K, or NaN when it was not computed. */
    public double recallAt(int k) {
        Double value = recallAtK.get(k);
        return value == null ? Double.NaN : value;
    }

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
                loneQueries,
                recallAtK,
                meanAveragePrecisionFullRanking,
                cmc,
                truncatedQueries);
    }

    /** Whether the clustering metrics were computed. */
    public boolean hasClustering() {
        return !Double.isNaN(nmi);
    }

    /**
     * Returns the metrics as an ordered, unmodifiable map with pytorch-metric-learning's key
     * names ({@code precision_at_1}, {@code r_precision}, {@code mean_average_precision_at_r},
     * {@code mean_average_precision}, {@code mean_reciprocal_rank}, {@code NMI}, {@code AMI}),
     * then, when computed, {@code recall_at_K} per K, {@code mean_average_precision_full_ranking}
     * and {@code cmc} (a list from rank 1), followed by {@code k}, {@code evaluated_queries} and
     * {@code lone_queries} (and {@code truncated_queries} when not 0). NaN values (not computed)
     * are left out, so the map serializes to valid JSON.
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
        recallAtK.forEach((kk, value) -> MetricMaps.putFinite(map, RECALL_AT + kk, value));
        MetricMaps.putFinite(map, MAP_FULL_RANKING, meanAveragePrecisionFullRanking);
        if (cmc.length > 0 && Double.isFinite(cmc[0])) {
            List<Double> curve = new ArrayList<>(cmc.length);
            for (double v : cmc) {
                curve.add(v);
            }
            map.put(CMC, Collections.unmodifiableList(curve));
        }
        map.put("k", k);
        map.put("evaluated_queries", evaluatedQueries);
        map.put("lone_queries", loneQueries);
        if (truncatedQueries > 0) {
            map.put("truncated_queries", truncatedQueries);
        }
        return Collections.unmodifiableMap(map);
    }


    @Override
    public boolean equals(Object o) {
        return o instanceof RetrievalReport r
                && toMap().equals(r.toMap()) && Arrays.equals(cmc, r.cmc);
    }

    @Override
    public int hashCode() {
        return toMap().hashCode();
    }

    /** One line, four decimals, PML's key names, for example {@code precision_at_1=0.9120 ...}. */
    @Override
    public String toString() {
        return MetricMaps.format("RetrievalReport", toMap());
    }
}
