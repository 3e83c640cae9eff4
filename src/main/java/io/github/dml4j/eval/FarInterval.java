package io.github.dml4j.eval;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * How sure a calibrated false accept rate is: a confidence interval for the FAR that a
 * threshold will have on new pairs of new identities, estimated from the calibration pairs.
 *
 * <p>The pairs of a calibration set are not independent: every identity appears in many
 * pairs, so a few identities that look alike can carry most of the false accepts. The
 * interval therefore comes from a bootstrap over identities, the subsets bootstrap of
 * biometric evaluation (Bolle, Ratha and Pankanti, 2004): the different-identity pairs fall
 * into subsets by the identity of their first image, each replicate draws the identities
 * with replacement, weights every pair by how often its subset's identity was drawn, and
 * measures the FAR at the fixed threshold; the percentile interval of the replicates is
 * taken. (Weighting a pair by the product of both identities' counts would count each pair's
 * own variance about three times over.) With
 * few false accepts (none at all, typically, when a FAR of 1e-2 is calibrated on a hundred
 * pairs) every replicate sees zero and the bootstrap collapses to [0, 0], so the interval
 * reported is the wider of the bootstrap's and Wilson's score interval for independent
 * pairs, which says how little {@code k} of {@code n} can tell.
 *
 * <p>The threshold itself was chosen on the same pairs, so the interval is, if anything, too
 * optimistic: when its upper end is above twice the target FAR ({@link #reachesBeyond(double)}:
 * the FAR on new identities may plausibly be more than double what was asked) the calibration
 * cannot vouch for the target, and more calibration pairs or identities are needed. (Its width
 * alone is a poor test: at a FAR of 1e-2, 2,000 mismatched pairs give an interval about as wide
 * as the target even when every pair is independent.)
 *
 * @param lower the lower end of the interval, in [0, 1]
 * @param upper the upper end, in [lower, 1]
 * @param confidence the confidence level, for example 0.95
 * @param replicates the number of bootstrap replicates drawn
 * @param identities the number of subsets resampled: the distinct identities of the first
 *     images of the different-identity pairs
 * @param negativePairs the number of different-identity pairs
 * @param falseAccepts how many of them the threshold accepts
 */
public record FarInterval(double lower, double upper, double confidence, int replicates, int identities,
                          int negativePairs, int falseAccepts) {

    /** The default number of bootstrap replicates. */
    public static final int DEFAULT_REPLICATES = 1000;

    /** The default confidence level. */
    public static final double DEFAULT_CONFIDENCE = 0.95;

    /** Checks the values. */
    public FarInterval {
        if (!(lower >= 0 && lower <= upper && upper <= 1)) {
            throw new IllegalArgumentException("A FAR interval needs 0 <= lower <= upper <= 1, got [" + lower + ", "
                    + upper + "].");
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("The confidence level must be in (0, 1), got " + confidence + ".");
        }
        if (replicates < 1 || identities < 1 || negativePairs < 1 || falseAccepts < 0 || falseAccepts > negativePairs) {
            throw new IllegalArgumentException("A FAR interval needs at least one replicate, one identity and one"
                    + " negative pair, and at most as many false accepts as negative pairs; got " + replicates
                    + " replicates, " + identities + " identities, " + falseAccepts + " of " + negativePairs + ".");
        }
    }

    /** The interval's width, {@code upper - lower}. */
    public double width() {
        return upper - lower;
    }

    /**
     * Does the interval reach beyond twice {@code targetFar}: may the FAR plausibly be more than
     * double the target, so that a calibration cannot vouch for it?
     */
    public boolean reachesBeyond(double targetFar) {
        return upper > 2 * targetFar;
    }

    /**
     * Estimates the interval with {@value #DEFAULT_REPLICATES} replicates at 95% confidence.
     *
     * @see #bootstrap(double[], boolean[], int[], int[], double, int, double, long)
     */
    public static FarInterval bootstrap(double[] scores, boolean[] same, int[] identityA, int[] identityB,
                                        double threshold, long seed) {
        return bootstrap(scores, same, identityA, identityB, threshold, DEFAULT_REPLICATES, DEFAULT_CONFIDENCE, seed);
    }

    /**
     * Estimates the interval of the FAR at {@code threshold} (pairs with score &ge; threshold are
     * accepted) by a bootstrap over identities, widened to Wilson's score interval when that is
     * wider.
     *
     * @param scores one score per pair, higher = more similar
     * @param same whether each pair shows the same identity (only different-identity pairs count)
     * @param identityA the identity (any integer id) of each pair's first image
     * @param identityB the identity of each pair's second image
     * @param threshold the decision threshold
     * @param replicates bootstrap replicates, at least 100
     * @param confidence the confidence level, in (0, 1)
     * @param seed the seed of the resampling
     * @throws IllegalArgumentException if the lengths differ, there is no different-identity pair
     *     or a different-identity pair names one identity twice
     */
    public static FarInterval bootstrap(double[] scores, boolean[] same, int[] identityA, int[] identityB,
                                        double threshold, int replicates, double confidence, long seed) {
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(same, "same");
        Objects.requireNonNull(identityA, "identityA");
        Objects.requireNonNull(identityB, "identityB");
        int n = scores.length;
        if (same.length != n || identityA.length != n || identityB.length != n) {
            throw new IllegalArgumentException("Scores, same flags and the two identity arrays must have one entry per"
                    + " pair, got " + n + ", " + same.length + ", " + identityA.length + " and " + identityB.length + ".");
        }
        if (replicates < 100) {
            throw new IllegalArgumentException("A bootstrap needs at least 100 replicates, got " + replicates + ".");
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("The confidence level must be in (0, 1), got " + confidence + ".");
        }
        // the negatives, with their identities renumbered 0..k-1
        int negatives = 0;
        for (boolean s : same) {
            negatives += s ? 0 : 1;
        }
        if (negatives == 0) {
            throw new IllegalArgumentException("A FAR interval needs at least one different-identity pair.");
        }
        // the negatives' subsets: the identity of the first image, renumbered 0..k-1
        int[] a = new int[negatives];
        boolean[] accepted = new boolean[negatives];
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (!same[i]) {
                if (identityA[i] == identityB[i]) {
                    throw new IllegalArgumentException("Pair " + i + " is marked as two identities but names identity "
                            + identityA[i] + " twice.");
                }
                a[j] = identityA[i];
                accepted[j] = scores[i] >= threshold;
                j++;
            }
        }
        int[] distinct = Arrays.stream(a).distinct().sorted().toArray();
        for (int i = 0; i < negatives; i++) {
            a[i] = Arrays.binarySearch(distinct, a[i]);
        }
        int k = distinct.length;
        int falseAccepts = 0;
        for (boolean acc : accepted) {
            falseAccepts += acc ? 1 : 0;
        }

        SplittableRandom random = new SplittableRandom(seed);
        int[] counts = new int[k];
        double[] fars = new double[replicates];
        int kept = 0;
        for (int r = 0; r < replicates; r++) {
            Arrays.fill(counts, 0);
            for (int d = 0; d < k; d++) {
                counts[random.nextInt(k)]++;
            }
            double weight = 0;
            double acceptedWeight = 0;
            for (int i = 0; i < negatives; i++) {
                int w = counts[a[i]];
                weight += w;
                acceptedWeight += accepted[i] ? w : 0;
            }
            if (weight > 0) { // a replicate that drew no negative pair at all says nothing about the FAR
                fars[kept++] = acceptedWeight / weight;
            }
        }
        double alpha = 1 - confidence;
        double lower = 0;
        double upper = 0;
        if (kept > 0) {
            double[] sorted = Arrays.copyOf(fars, kept);
            Arrays.sort(sorted);
            lower = quantile(sorted, alpha / 2);
            upper = quantile(sorted, 1 - alpha / 2);
        }
        double[] wilson = wilson(falseAccepts, negatives, alpha);
        return new FarInterval(Math.min(lower, wilson[0]), Math.max(upper, wilson[1]), confidence, replicates, k,
                negatives, falseAccepts);
    }

    /** Wilson's score interval for {@code x} successes in {@code n} independent trials. */
    static double[] wilson(int x, int n, double alpha) {
        double z = normalQuantile(1 - alpha / 2);
        double p = x / (double) n;
        double z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** The linearly interpolated quantile of sorted values (numpy's default). */
    private static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int low = (int) Math.floor(position);
        int high = Math.min(sorted.length - 1, low + 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }

    /** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
    static double normalQuantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("A quantile needs p in (0, 1), got " + p + ".");
        }
        double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00};
        double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01};
        double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00};
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -normalQuantile(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "FAR %.0f%% interval [%.4g, %.4g] (%d false accepts of %d different-identity"
                        + " pairs of %d identities, %d bootstrap replicates over identities)", confidence * 100, lower,
                upper, falseAccepts, negativePairs, identities, replicates);
    }
}
