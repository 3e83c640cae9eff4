package io.github.dml4j.eval;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Agreement between true labels and cluster assignments: normalized and adjusted mutual
 * information, with scikit-learn's definitions and its default arithmetic normalization.
 *
 * <p>With the contingency table n<sub>ij</sub> (items of class i in cluster j), row sums
 * a<sub>i</sub>, column sums b<sub>j</sub> and N items:
 *
 * <ul>
 *   <li>MI = &sum;<sub>ij</sub> (n<sub>ij</sub>/N) log(N n<sub>ij</sub> / (a<sub>i</sub>
 *       b<sub>j</sub>)) (natural logarithm);
 *   <li>NMI = MI / ((H(U) + H(V)) / 2) (Strehl and Ghosh 2002, arithmetic mean);
 *   <li>AMI = (MI - E[MI]) / ((H(U) + H(V)) / 2 - E[MI]) (Vinh, Epps and Bailey 2010), where
 *       E[MI] is the expected mutual information of two random labellings with the same
 *       marginals under the hypergeometric model, computed with log-gamma.
 * </ul>
 *
 * <p>The special cases follow scikit-learn: both labellings with a single group score 1, an MI
 * of 0 gives NMI 0. The work is on the small K x C contingency table, in Java.
 */
public final class ClusteringMetrics {

    private static final double EPS = Math.ulp(1.0); // numpy's float64 eps

    private ClusteringMetrics() {}

    /**
     * Normalized mutual information with arithmetic normalization, as scikit-learn's {@code
     * normalized_mutual_info_score} by default.
     *
     * @param labels the true class of each item
     * @param clusters the cluster of each item, same length
     * @return NMI in [0, 1]
     */
    public static double nmi(int[] labels, int[] clusters) {
        Contingency c = new Contingency(labels, clusters);
        if (c.trivial()) {
            return 1.0;
        }
        double mi = c.mutualInformation();
        if (mi == 0) {
            return 0.0;
        }
        double normalizer = (entropy(c.rowSums, c.n) + entropy(c.colSums, c.n)) / 2;
        return mi / Math.max(normalizer, EPS);
    }

    /**
     * Adjusted mutual information with arithmetic normalization, as scikit-learn's {@code
     * adjusted_mutual_info_score}: 1 for identical partitions, about 0 for independent ones.
     *
     * @param labels the true class of each item
     * @param clusters the cluster of each item, same length
     * @return AMI, at most 1 (it can be negative)
     */
    public static double ami(int[] labels, int[] clusters) {
        Contingency c = new Contingency(labels, clusters);
        if (c.trivial()) {
            return 1.0;
        }
        double mi = c.mutualInformation();
        double emi = expectedMutualInformation(c.rowSums, c.colSums, c.n);
        double normalizer = (entropy(c.rowSums, c.n) + entropy(c.colSums, c.n)) / 2;
        double denominator = normalizer - emi;
        denominator = denominator < 0 ? Math.min(denominator, -EPS) : Math.max(denominator, EPS);
        return (mi - emi) / denominator;
    }

    /** Mutual information (natural log) of two labellings, as scikit-learn's {@code mutual_info_score}. */
    public static double mutualInformation(int[] labels, int[] clusters) {
        return new Contingency(labels, clusters).mutualInformation();
    }

    private static double entropy(long[] counts, long n) {
        double h = 0;
        for (long count : counts) {
            if (count > 0) {
                double p = (double) count / n;
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    /** E[MI] under the hypergeometric model, as scikit-learn's {@code expected_mutual_information}. */
    static double expectedMutualInformation(long[] a, long[] b, long nSamples) {
        if (a.length == 1 || b.length == 1) {
            return 0.0;
        }
        double n = nSamples;
        double logN = Math.log(n);
        // every argument of log-gamma below is an integer in [1, N + 1]: tabulate them once
        double[] lg = new double[(int) nSamples + 2];
        for (int v = 1; v < lg.length; v++) {
            lg[v] = logGamma(v);
        }
        double glnN1 = lg[(int) nSamples + 1];
        double emi = 0;
        for (long ai : a) {
            for (long bj : b) {
                double fixed = lg[(int) ai + 1] + lg[(int) bj + 1]
                        + lg[(int) (nSamples - ai) + 1] + lg[(int) (nSamples - bj) + 1] - glnN1;
                double logAB = Math.log(ai) + Math.log(bj);
                long start = Math.max(1, ai - nSamples + bj);
                long end = Math.min(ai, bj);
                for (long nij = start; nij <= end; nij++) {
                    double term1 = nij / n;
                    double term2 = logN + Math.log(nij) - logAB;
                    double gln = fixed
                            - lg[(int) nij + 1]
                            - lg[(int) (ai - nij) + 1]
                            - lg[(int) (bj - nij) + 1]
                            - lg[(int) (nSamples - ai - bj + nij) + 1];
                    emi += term1 * term2 * Math.exp(gln);
                }
            }
        }
        return emi;
    }

    /** Natural log of the gamma function for x &ge; 1, accurate to about 1e-15 relative. */
    static double logGamma(double x) {
        if (x < 1) {
            throw new IllegalArgumentException("logGamma is only needed for x >= 1, but x was " + x + ".");
        }
        // shift up to x >= 16, where the Stirling series with six terms is accurate to ~1e-17
        double shift = 0;
        while (x < 16) {
            shift += Math.log(x);
            x += 1;
        }
        double inv = 1 / x;
        double inv2 = inv * inv;
        double series =
                inv * (1.0 / 12
                        - inv2 * (1.0 / 360
                        - inv2 * (1.0 / 1260
                        - inv2 * (1.0 / 1680
                        - inv2 * (1.0 / 1188
                        - inv2 * (691.0 / 360360))))));
        return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
    }

    /** The contingency table of two labellings, labels mapped to dense indices. */
    private static final class Contingency {
        final long n;
        final long[] rowSums;
        final long[] colSums;
        final Map<Long, Long> cells = new HashMap<>();

        Contingency(int[] labels, int[] clusters) {
            Objects.requireNonNull(labels, "The labels must not be null.");
            Objects.requireNonNull(clusters, "The clusters must not be null.");
            if (labels.length != clusters.length) {
                throw new IllegalArgumentException(
                        "The labels have "
                                + labels.length
                                + " entries but the clusters have "
                                + clusters.length
                                + ": give one cluster per labelled item.");
            }
            if (labels.length == 0) {
                throw new IllegalArgumentException(
                        "The labels and clusters are empty: at least one item is needed.");
            }
            n = labels.length;
            int[] rows = dense(labels);
            int[] cols = dense(clusters);
            int nRows = max(rows) + 1;
            int nCols = max(cols) + 1;
            rowSums = new long[nRows];
            colSums = new long[nCols];
            for (int i = 0; i < labels.length; i++) {
                rowSums[rows[i]]++;
                colSums[cols[i]]++;
                cells.merge((long) rows[i] * nCols + cols[i], 1L, Long::sum);
            }
        }

        /** Both labellings a single group: scikit-learn's perfect-match special case. */
        boolean trivial() {
            return rowSums.length == 1 && colSums.length == 1;
        }

        double mutualInformation() {
            int nCols = colSums.length;
            double logN = Math.log(n);
            double mi = 0;
            for (Map.Entry<Long, Long> cell : cells.entrySet()) {
                int i = (int) (cell.getKey() / nCols);
                int j = (int) (cell.getKey() % nCols);
                double nij = cell.getValue();
                mi += nij / n * (Math.log(nij) + logN - Math.log(rowSums[i]) - Math.log(colSums[j]));
            }
            return Math.max(mi, 0.0);
        }

        private static int[] dense(int[] values) {
            Map<Integer, Integer> index = new HashMap<>();
            int[] out = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = index.computeIfAbsent(values[i], v -> index.size());
            }
            return out;
        }

        private static int max(int[] values) {
            int m = 0;
            for (int v : values) {
                m = Math.max(m, v);
            }
            return m;
        }
    }
}
