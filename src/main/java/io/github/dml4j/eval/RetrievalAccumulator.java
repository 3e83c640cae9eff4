package io.github.dml4j.eval;

import io.github.dml4j.index.TopK;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongToIntFunction;

/**
 * Retrieval metrics summed query by query from ranked neighbour labels, so that they can be
 * computed block by block and merged: one JVM adds query blocks in turn, a distributed job adds
 * the merged top-k of its queries on each worker and {@link #merge merges} the accumulators.
 * The result of {@link #report()} does not depend on how the queries were split (up to the order
 * of double additions).
 *
 * <p>For a query with label y, its ranked neighbours' labels (closest first; ranks 1..n), match<sub>i</sub>
 * = 1 when the i-th is y, hits<sub>i</sub> = &sum;<sub>j&le;i</sub> match<sub>j</sub>, P@i =
 * hits<sub>i</sub> / i, G = the number of gallery entries labelled y (the query's own entry
 * excluded) and R = min(G, k):
 *
 * <ul>
 *   <li>the metrics of {@link RetrievalMetrics} over the first k: P@1, R-Precision, MAP@R, MAP
 *       and MRR, as pytorch-metric-learning defines them;
 *   <li>Recall@K = 1 when a match is among the first K (the metric-learning papers' R@K;
 *       Oh Song et al. 2016); equal to CMC at rank K;
 *   <li>CMC(r) = 1 when the first match is at rank r or better (the re-identification
 *       convention), for r = 1..cmcRanks;
 *   <li>full-ranking AP = (1/G) &sum;<sub>i&le;n</sub> match<sub>i</sub> &middot; P@i, averaged
 *       into the mean average precision of the re-identification papers (Zheng et al. 2015). It is
 *       the AP of the whole ranking when all G matches are in the list. A query whose list ends
 *       before its last match is counted in {@link RetrievalReport#truncatedQueries()}, and the
 *       report then gives no full-ranking mAP (NaN) rather than a lower bound.
 * </ul>
 *
 * <p>Queries with G = 0 have no correct answer and are counted as lone, not averaged, as
 * pytorch-metric-learning does. A list must hold at least the largest K and cmcRanks entries, or
 * every candidate the gallery has for the query; {@link RetrievalMetrics} takes care of that.
 *
 * <p>Not thread-safe (one per thread, then merge); {@link Serializable} for Spark.
 */
public final class RetrievalAccumulator implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int k;
    private final int[] recallAtK;
    private final int cmcRanks;

    private double precisionAt1;
    private double rPrecision;
    private double mapAtR;
    private double map;
    private double mrr;
    private double mapFull;
    private final double[] recall;
    private final double[] cmc;
    private long evaluated;
    private long lone;
    private long truncated;

    /**
     * An empty accumulator.
     *
     * @param k the neighbours P@1, R-Precision, MAP@R, MAP and MRR look at (R is capped at k)
     * @param recallAtK the K of Recall@K, each at least 1 (sorted and deduplicated)
     * @param cmcRanks the length of the CMC curve, 0 for none
     * @throws IllegalArgumentException if k &lt; 1, a K &lt; 1 or cmcRanks &lt; 0
     */
    public RetrievalAccumulator(int k, int[] recallAtK, int cmcRanks) {
        Objects.requireNonNull(recallAtK, "The recallAtK must not be null; give an empty array for none.");
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, but was " + k + ".");
        }
        int[] ks = Arrays.stream(recallAtK).distinct().sorted().toArray();
        if (ks.length > 0 && ks[0] < 1) {
            throw new IllegalArgumentException("Every K of recallAtK must be at least 1, but got "
                    + Arrays.toString(recallAtK) + ".");
        }
        if (cmcRanks < 0) {
            throw new IllegalArgumentException("The cmcRanks must not be negative, but was " + cmcRanks + ".");
        }
        this.k = k;
        this.recallAtK = ks;
        this.cmcRanks = cmcRanks;
        this.recall = new double[ks.length];
        this.cmc = new double[cmcRanks];
    }

    /** The neighbours the PML metrics look at. */
    public int k() {
        return k;
    }

    /** The K of Recall@K, sorted. */
    public int[] recallAtK() {
        return recallAtK.clone();
    }

    /** The length of the CMC curve. */
    public int cmcRanks() {
        return cmcRanks;
    }

    /**
     * The number of neighbours a query's list must hold (unless it holds every candidate): the
     * largest of k, the largest K and cmcRanks.
     */
    public int depth() {
        int depth = Math.max(k, cmcRanks);
        return recallAtK.length == 0 ? depth : Math.max(depth, recallAtK[recallAtK.length - 1]);
    }

    /**
     * Adds one query.
     *
     * @param queryLabel the query's label
     * @param neighbourLabels the labels of its ranked neighbours, closest first
     * @param relevant G: the gallery entries with the query's label, its own entry excluded
     * @throws IllegalArgumentException if {@code relevant} is negative
     */
    public void add(int queryLabel, int[] neighbourLabels, long relevant) {
        Objects.requireNonNull(neighbourLabels, "The neighbourLabels must not be null.");
        if (relevant < 0) {
            throw new IllegalArgumentException("The relevant count must not be negative, but was " + relevant + ".");
        }
        if (relevant == 0) {
            lone++;
            return;
        }
        int n = neighbourLabels.length;
        long r = Math.min(relevant, k);
        long hits = 0;
        int first = -1;
        double sumR = 0; // sum of match_i P@i over i <= R
        double sumK = 0; // ... over i <= k
        double sumAll = 0; // ... over the whole list
        long hitsAtR = 0;
        for (int i = 0; i < n; i++) {
            if (neighbourLabels[i] == queryLabel) {
                hits++;
                double precision = hits / (double) (i + 1);
                sumAll += precision;
                if (i < k) {
                    sumK += precision;
                }
                if (i < r) {
                    sumR += precision;
                }
                if (first < 0) {
                    first = i;
                }
            }
            if (i == r - 1) {
                hitsAtR = hits;
            }
        }
        if (n < r) {
            hitsAtR = hits;
        }
        evaluated++;
        precisionAt1 += first == 0 ? 1 : 0;
        rPrecision += hitsAtR / (double) r;
        mapAtR += sumR / r;
        map += sumK / r;
        mrr += first >= 0 && first < k ? 1.0 / (first + 1) : 0;
        mapFull += sumAll / relevant;
        if (hits < relevant) {
            truncated++;
        }
        for (int j = 0; j < recallAtK.length; j++) {
            recall[j] += first >= 0 && first < recallAtK[j] ? 1 : 0;
        }
        for (int j = 0; j < cmcRanks; j++) {
            cmc[j] += first >= 0 && first <= j ? 1 : 0;
        }
    }

    /**
     * Adds every query of a top-k block.
     *
     * @param top the ranked gallery ids of the queries
     * @param queryLabels the label of each query of {@code top}
     * @param relevant G per query of {@code top}
     * @param labelOfId the label of a gallery id
     * @throws IllegalArgumentException if the arrays do not have one entry per query
     */
    public void add(TopK top, int[] queryLabels, long[] relevant, LongToIntFunction labelOfId) {
        Objects.requireNonNull(top, "The top-k must not be null.");
        if (queryLabels.length != top.queries() || relevant.length != top.queries()) {
            throw new IllegalArgumentException("The top-k has " + top.queries() + " queries but there are "
                    + queryLabels.length + " query labels and " + relevant.length + " relevant counts.");
        }
        for (int q = 0; q < top.queries(); q++) {
            int[] labels = new int[top.size(q)];
            for (int r = 0; r < labels.length; r++) {
                labels[r] = labelOfId.applyAsInt(top.id(q, r));
            }
            add(queryLabels[q], labels, relevant[q]);
        }
    }

    /**
     * Adds the sums of another accumulator with the same k, K and CMC ranks to this one.
     *
     * @return this accumulator
     * @throws IllegalArgumentException if the settings differ
     */
    public RetrievalAccumulator merge(RetrievalAccumulator other) {
        Objects.requireNonNull(other, "The other accumulator must not be null.");
        if (other.k != k || !Arrays.equals(other.recallAtK, recallAtK) || other.cmcRanks != cmcRanks) {
            throw new IllegalArgumentException("Cannot merge accumulators with different settings: " + this + " and "
                    + other + ".");
        }
        precisionAt1 += other.precisionAt1;
        rPrecision += other.rPrecision;
        mapAtR += other.mapAtR;
        map += other.map;
        mrr += other.mrr;
        mapFull += other.mapFull;
        for (int j = 0; j < recall.length; j++) {
            recall[j] += other.recall[j];
        }
        for (int j = 0; j < cmc.length; j++) {
            cmc[j] += other.cmc[j];
        }
        evaluated += other.evaluated;
        lone += other.lone;
        truncated += other.truncated;
        return this;
    }

    /** Queries averaged so far. */
    public long evaluatedQueries() {
        return evaluated;
    }

    /** Queries without any relevant gallery entry so far. */
    public long loneQueries() {
        return lone;
    }

    /**
     * The averages over the evaluated queries; NaN everywhere when there is none. The clustering
     * fields are NaN, and so is the full-ranking mAP unless every evaluated query's list held all
     * its matches (then it is exact; otherwise {@link RetrievalReport#truncatedQueries()} says how
     * many did not).
     */
    public RetrievalReport report() {
        double n = evaluated == 0 ? Double.NaN : evaluated;
        Map<Integer, Double> recalls = new LinkedHashMap<>();
        for (int j = 0; j < recallAtK.length; j++) {
            recalls.put(recallAtK[j], recall[j] / n);
        }
        double[] curve = new double[cmcRanks];
        for (int j = 0; j < cmcRanks; j++) {
            curve[j] = cmc[j] / n;
        }
        double full = truncated == 0 ? mapFull / n : Double.NaN;
        return new RetrievalReport(precisionAt1 / n, rPrecision / n, mapAtR / n, map / n, mrr / n, Double.NaN,
                Double.NaN, k, Math.toIntExact(evaluated), Math.toIntExact(lone), recalls, full, curve,
                Math.toIntExact(truncated));
    }

    @Override
    public String toString() {
        return "RetrievalAccumulator{k=" + k + ", recallAtK=" + Arrays.toString(recallAtK) + ", cmcRanks=" + cmcRanks
                + ", evaluated=" + evaluated + ", lone=" + lone + '}';
    }
}
