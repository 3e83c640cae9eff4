package io.github.dml4j.eval;

import java.util.Arrays;
import java.util.Locale;

/**
 * The receiver operating characteristic of a verification score: for every decision threshold
 * t, "same" is predicted for the pairs with score &ge; t, and the curve holds the false positive
 * rate (FPR, false accept rate, FAR) and true positive rate (TPR, true accept rate, TAR) of that
 * decision. Scores are "higher means more similar", as everywhere at DML4J's evaluation boundary.
 *
 * <p>The points are exactly those of scikit-learn's {@code roc_curve(same, scores,
 * drop_intermediate=False)}: the first point is (0, 0) at threshold +&infin;, then one point per
 * distinct score in descending order, the last being (1, 1) at the lowest score. {@link
 * #dropIntermediate()} gives the points of {@code roc_curve}'s default {@code
 * drop_intermediate=True} (collinear points removed); AUC and TAR@FAR are the same on both.
 *
 * <ul>
 *   <li>FPR(t) = #{negative pairs with score &ge; t} / #negatives, TPR(t) = #{positive pairs
 *       with score &ge; t} / #positives, FNR = 1 - TPR;
 *   <li>{@link #auc()}: area under the curve by the trapezoid rule (scikit-learn's {@code
 *       roc_auc_score}), the probability that a random positive outscores a random negative,
 *       ties counted one half;
 *   <li>{@link #eer()}: equal error rate, (FPR + FNR) / 2 at the point where |FPR - FNR| is
 *       smallest (the first such point, in threshold order, on ties);
 *   <li>{@link #tarAtFar(double)}: the largest TPR over the points with FPR &le; the target,
 *       and {@link #thresholdAtFar(double)} the threshold that reaches it.
 * </ul>
 *
 * <p>Building the curve sorts the scores once: O(n log n) on the JVM, fine for millions of pairs. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * RocCurve roc = RocCurve.of(scores, same);
 * double tar = roc.tarAtFar(1e-3);
 * }</pre>
 */
public final class RocCurve {

    private final double[] fpr;
    private final double[] tpr;
    private final double[] thresholds;
    private final int positives;
    private final int negatives;

    private RocCurve(double[] fpr, double[] tpr, double[] thresholds, int positives, int negatives) {
        this.fpr = fpr;
        this.tpr = tpr;
        this.thresholds = thresholds;
        this.positives = positives;
        this.negatives = negatives;
    }

    /**
     * Builds the curve of a set of scored pairs.
     *
     * @param scores the similarity of each pair, higher means more likely the same identity;
     *     finite numbers
     * @param same whether each pair is of the same identity (a positive pair)
     * @return the curve with one point per distinct score plus the start at +&infin;
     * @throws IllegalArgumentException if the lengths differ, a score is NaN or infinite, or
     *     there is no positive or no negative pair
     */
    public static RocCurve of(double[] scores, boolean[] same) {
        VerificationMetrics.checkPairs(scores, same);
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // descending score; ties keep index order (irrelevant: tied scores form one point)
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        double[] fpsList = new double[n + 1];
        double[] tpsList = new double[n + 1];
        double[] thr = new double[n + 1];
        thr[0] = Double.POSITIVE_INFINITY;
        int points = 1;
        int tps = 0;
        int fps = 0;
        for (int j = 0; j < n; j++) {
            int i = order[j];
            if (same[i]) {
                tps++;
            } else {
                fps++;
            }
            if (j == n - 1 || scores[order[j + 1]] != scores[i]) {
                tpsList[points] = tps;
                fpsList[points] = fps;
                thr[points] = scores[i];
                points++;
            }
        }
        double[] f = new double[points];
        double[] t = new double[points];
        for (int p = 0; p < points; p++) {
            f[p] = fpsList[p] / fps;
            t[p] = tpsList[p] / tps;
        }
        return new RocCurve(f, t, Arrays.copyOf(thr, points), tps, fps);
    }

    /** Builds the curve of float scores; see {@link #of(double[], boolean[])}. */
    public static RocCurve of(float[] scores, boolean[] same) {
        return of(VerificationMetrics.toDoubles(scores), same);
    }

    /**
     * Returns the curve without its collinear intermediate points, exactly as scikit-learn's
     * {@code roc_curve} with its default {@code drop_intermediate=True}: a point is kept when it
     * is the (0, 0) start, the first or the last score, or when the second difference of the
     * false or the true positive counts there is non-zero.
     */
    public RocCurve dropIntermediate() {
        int m = fpr.length;
        boolean[] keep = new boolean[m];
        int kept = 0;
        for (int p = 0; p < m; p++) {
            // scikit-learn drops before it prepends the (0, 0) start, so the start and the
            // first real point are always kept and the start never enters a difference
            keep[p] = p <= 1 || p == m - 1
                    || secondDifference(fpr, p, negatives) != 0
                    || secondDifference(tpr, p, positives) != 0;
            if (keep[p]) {
                kept++;
            }
        }
        double[] f = new double[kept];
        double[] t = new double[kept];
        double[] thr = new double[kept];
        int q = 0;
        for (int p = 0; p < m; p++) {
            if (keep[p]) {
                f[q] = fpr[p];
                t[q] = tpr[p];
                thr[q] = thresholds[p];
                q++;
            }
        }
        return new RocCurve(f, t, thr, positives, negatives);
    }

    private static long secondDifference(double[] rate, int p, int total) {
        long prev = Math.round(rate[p - 1] * total);
        long cur = Math.round(rate[p] * total);
        long next = Math.round(rate[p + 1] * total);
        return next - 2 * cur + prev;
    }

    /** False positive rates (false accept rates) of the points, non-decreasing; a copy. */
    public double[] fpr() {
        return fpr.clone();
    }

    /** True positive rates (true accept rates) of the points, non-decreasing; a copy. */
    public double[] tpr() {
        return tpr.clone();
    }

    /**
     * Thresholds of the points, strictly decreasing, the first +&infin; (nothing accepted); at
     * each, "same" is predicted for score &ge; threshold. A copy.
     */
    public double[] thresholds() {
        return thresholds.clone();
    }

    /** Number of points on the curve. */
    public int size() {
        return fpr.length;
    }

    /** Number of positive (same-identity) pairs. */
    public int positives() {
        return positives;
    }

    /** Number of negative (different-identity) pairs. */
    public int negatives() {
        return negatives;
    }

    /** Area under the curve by the trapezoid rule; 1 for perfect separation, 0 for reversed. */
    public double auc() {
        double area = 0;
        for (int p = 1; p < fpr.length; p++) {
            area += (fpr[p] - fpr[p - 1]) * (tpr[p] + tpr[p - 1]) / 2;
        }
        return area;
    }

    /**
     * Equal error rate: (FPR + FNR) / 2 at the point where |FPR - FNR| is smallest, FNR = 1 -
     * TPR; the first such point in threshold order (highest threshold) on ties.
     */
    public double eer() {
        return (fpr[eerIndex()] + 1 - tpr[eerIndex()]) / 2;
    }

    /** The threshold of the point that defines {@link #eer()}. */
    public double eerThreshold() {
        return thresholds[eerIndex()];
    }

    private int eerIndex() {
        int best = 0;
        double bestGap = Double.POSITIVE_INFINITY;
        for (int p = 0; p < fpr.length; p++) {
            double gap = Math.abs(fpr[p] - (1 - tpr[p]));
            if (gap < bestGap) {
                bestGap = gap;
                best = p;
            }
        }
        return best;
    }

    /**
     * True accept rate at a false accept rate: the largest TPR over the points with FPR &le;
     * {@code far}.
     *
     * @param far the target false accept rate, in [0, 1]
     * @throws IllegalArgumentException if {@code far} is outside [0, 1] or NaN
     */
    public double tarAtFar(double far) {
        return tpr[farIndex(far)];
    }

    /**
     * The decision threshold that reaches {@link #tarAtFar(double)}: the lowest threshold whose
     * FPR is &le; {@code far}; predicting "same" for score &ge; it accepts at most that share
     * of negative pairs. +&infin; when even the highest score has too many negatives (accept
     * nothing).
     *
     * @param far the target false accept rate, in [0, 1]
     * @throws IllegalArgumentException if {@code far} is outside [0, 1] or NaN
     */
    public double thresholdAtFar(double far) {
        return thresholds[farIndex(far)];
    }

    private int farIndex(double far) {
        if (!(far >= 0 && far <= 1)) {
            throw new IllegalArgumentException("far must be in [0, 1], but was " + far + ".");
        }
        int best = 0;
        for (int p = 0; p < fpr.length && fpr[p] <= far; p++) {
            best = p;
        }
        return best;
    }

    /** A one-line summary: pairs, points, AUC and EER. */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "RocCurve{positives=%d, negatives=%d, points=%d, auc=%.4f, eer=%.4f}",
                positives, negatives, fpr.length, auc(), eer());
    }
}
