package io.github.dml4j.eval;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verification metrics of scored pairs ("are these two images the same identity?"): ROC AUC,
 * equal error rate, true accept rate at fixed false accept rates, the best-threshold accuracy,
 * and that accuracy under k-fold cross-validation as in the LFW protocol (Huang et al. 2007,
 * "Labeled Faces in the Wild").
 *
 * <p>Definitions, for pairs with similarity s<sub>i</sub> (higher means more similar) and label
 * same<sub>i</sub>, where "same" is predicted when s<sub>i</sub> &ge; t:
 *
 * <ul>
 *   <li>ROC AUC, EER, TAR@FAR: see {@link RocCurve} (scikit-learn's {@code roc_curve});
 *   <li>accuracy(t) = #{i : (s<sub>i</sub> &ge; t) = same<sub>i</sub>} / n;
 *   <li>best threshold: the t among the observed scores with the highest accuracy; on equal
 *       accuracy the <em>largest</em> such t is taken (fewest false accepts);
 *   <li>k-fold accuracy: see {@link KFoldVerification}: for each fold the best threshold of
 *       the other k-1 folds is applied to it; mean and population standard deviation of the k
 *       held-out accuracies.
 * </ul>
 *
 * <p>Everything runs on double arrays on the JVM (sorting, O(n log n) per
 * fold), fine for millions of pairs. Instances are immutable and thread-safe.
 *
 * <pre>{@code
 * VerificationReport report = VerificationMetrics.builder().build().evaluate(scores, same);
 * // LFW: pairs.txt gives 10 folds of 600 pairs in order
 * VerificationReport lfw = VerificationMetrics.builder().build()
 *         .evaluate(scores, same, KFoldVerification.contiguousFolds(6000, 10));
 * }</pre>
 */
public final class VerificationMetrics {

    /** Default false accept rates at which TAR is reported. */
    private static final double[] DEFAULT_FARS = {1e-3, 1e-2};

    private final double[] fars;
    private final int folds;
    private final long seed;

    private VerificationMetrics(Builder builder) {
        this.fars = builder.fars.clone();
        this.folds = builder.folds;
        this.seed = builder.seed;
    }

    /** Returns a builder; defaults: TAR at FAR 1e-3 and 1e-2, 10 folds, seed 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** The false accept rates at which TAR is reported; a copy. */
    public double[] getFars() {
        return fars.clone();
    }

    /** Number of folds when folds are drawn by {@link #evaluate(double[], boolean[])}. */
    public int getFolds() {
        return folds;
    }

    /** Seed of the stratified random fold assignment. */
    public long getSeed() {
        return seed;
    }

    /**
     * Evaluates scored pairs with {@link #getFolds()} stratified random folds drawn with {@link
     * #getSeed()} (see {@link KFoldVerification#randomFolds(boolean[], int, long)}).
     *
     * @param scores similarity of each pair, higher means more similar; finite
     * @param same whether each pair is of the same identity
     * @return the report
     * @throws IllegalArgumentException if the lengths differ, a score is not finite, there is
     *     no positive or no negative pair, or there are fewer pairs than folds
     */
    public VerificationReport evaluate(double[] scores, boolean[] same) {
        checkPairs(scores, same);
        return evaluate(scores, same, KFoldVerification.randomFolds(same, folds, seed));
    }

    /** Evaluates float scores; see {@link #evaluate(double[], boolean[])}. */
    public VerificationReport evaluate(float[] scores, boolean[] same) {
        return evaluate(toDoubles(scores), same);
    }

    /** Evaluates float scores with a given fold of each pair; see {@link #evaluate(double[], boolean[], int[])}. */
    public VerificationReport evaluate(float[] scores, boolean[] same, int[] foldIds) {
        return evaluate(toDoubles(scores), same, foldIds);
    }

    /**
     * Evaluates scored pairs with a given fold of each pair, for example LFW's ten folds of
     * {@code pairs.txt} ({@link KFoldVerification#contiguousFolds(int, int)}).
     *
     * @param scores similarity of each pair, higher means more similar; finite
     * @param same whether each pair is of the same identity
     * @param foldIds the fold of each pair, 0 to k-1, every fold used, k &ge; 2
     * @return the report
     * @throws IllegalArgumentException if the inputs are invalid (see {@link
     *     KFoldVerification#kFold(double[], boolean[], int[])})
     */
    public VerificationReport evaluate(double[] scores, boolean[] same, int[] foldIds) {
        RocCurve roc = RocCurve.of(scores, same);
        KFoldVerification.Result kFold = KFoldVerification.kFold(scores, same, foldIds);
        BestThreshold best = bestThreshold(scores, same);
        Map<Double, Double> tar = new TreeMap<>();
        Map<Double, Double> thr = new TreeMap<>();
        for (double far : fars) {
            tar.put(far, roc.tarAtFar(far));
            thr.put(far, roc.thresholdAtFar(far));
        }
        return new VerificationReport(
                roc.auc(),
                roc.eer(),
                tar,
                thr,
                best.threshold(),
                best.accuracy(),
                kFold.folds(),
                kFold.mean(),
                kFold.std(),
                roc.positives(),
                roc.negatives());
    }

    /**
     * The threshold with the highest accuracy, predicting "same" for score &ge; t, over all
     * observed scores t; the largest t on equal accuracy.
     *
     * @param threshold the chosen threshold (one of the scores)
     * @param accuracy the share of pairs it classifies correctly
     */
    public record BestThreshold(double threshold, double accuracy) {}

    /**
     * Finds the best threshold of scored pairs: the observed score t that maximizes accuracy
     * when "same" is predicted for score &ge; t; on equal accuracy the largest t. Needs no
     * positive or negative pair in particular, so it also serves training folds.
     *
     * @param scores similarity of each pair; finite
     * @param same whether each pair is of the same identity
     * @return the threshold and its accuracy
     * @throws IllegalArgumentException if the lengths differ, there are no pairs, or a score is
     *     not finite
     */
    public static BestThreshold bestThreshold(double[] scores, boolean[] same) {
        checkLengthsAndScores(scores, same);
        if (scores.length == 0) {
            throw new IllegalArgumentException("There are no pairs: at least one is needed.");
        }
        return bestThresholdUnchecked(scores, same, null, -1);
    }

    /** Finds the best threshold of float scores; see {@link #bestThreshold(double[], boolean[])}. */
    public static BestThreshold bestThreshold(float[] scores, boolean[] same) {
        return bestThreshold(toDoubles(scores), same);
    }

    /**
     * Best threshold over the pairs whose fold is not {@code skipFold} (all when foldIds is
     * null). Inputs already checked.
     */
    static BestThreshold bestThresholdUnchecked(
            double[] scores, boolean[] same, int[] foldIds, int skipFold) {
        int m = 0;
        double[] s = new double[scores.length];
        boolean[] y = new boolean[scores.length];
        for (int i = 0; i < scores.length; i++) {
            if (foldIds == null || foldIds[i] != skipFold) {
                s[m] = scores[i];
                y[m] = same[i];
                m++;
            }
        }
        Integer[] order = new Integer[m];
        int positives = 0;
        for (int i = 0; i < m; i++) {
            order[i] = i;
            if (y[i]) {
                positives++;
            }
        }
        Arrays.sort(order, (a, b) -> Double.compare(s[a], s[b]));
        // ascending sweep: at the first pair of each distinct score t, posBelow / negBelow count
        // the pairs with score < t; correct(t) = (positives - posBelow) + negBelow
        int posBelow = 0;
        int negBelow = 0;
        int bestCorrect = -1;
        double bestT = Double.NaN;
        for (int j = 0; j < m; j++) {
            int i = order[j];
            if (j == 0 || s[order[j - 1]] != s[i]) {
                int correct = positives - posBelow + negBelow;
                if (correct >= bestCorrect) { // >= : the largest t wins on ties
                    bestCorrect = correct;
                    bestT = s[i];
                }
            }
            if (y[i]) {
                posBelow++;
            } else {
                negBelow++;
            }
        }
        return new BestThreshold(bestT, (double) bestCorrect / m);
    }

    /** Validates the pairs for the ROC metrics: lengths, finite scores, both kinds present. */
    static void checkPairs(double[] scores, boolean[] same) {
        checkLengthsAndScores(scores, same);
        int positives = 0;
        for (boolean b : same) {
            if (b) {
                positives++;
            }
        }
        if (positives == 0) {
            throw new IllegalArgumentException(
                    "There are no positive (same) pairs among the "
                            + same.length
                            + ": ROC, EER and TAR need at least one.");
        }
        if (positives == same.length) {
            throw new IllegalArgumentException(
                    "There are no negative (different) pairs among the "
                            + same.length
                            + ": ROC, EER and TAR need at least one.");
        }
    }

    static void checkLengthsAndScores(double[] scores, boolean[] same) {
        if (scores == null || same == null) {
            throw new IllegalArgumentException(
                    "The " + (scores == null ? "scores" : "same labels") + " are null.");
        }
        if (scores.length != same.length) {
            throw new IllegalArgumentException(
                    "There are "
                            + scores.length
                            + " scores but "
                            + same.length
                            + " same labels: one of each per pair is needed.");
        }
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException(
                        "scores[" + i + "] is " + scores[i] + ": every score must be finite.");
            }
        }
    }

    static double[] toDoubles(float[] scores) {
        if (scores == null) {
            return null;
        }
        double[] d = new double[scores.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = scores[i];
        }
        return d;
    }

    /** Builder of {@link VerificationMetrics}; every setting is optional. */
    public static final class Builder {
        private double[] fars = DEFAULT_FARS.clone();
        private int folds = 10;
        private long seed;

        private Builder() {}

        /** Sets the false accept rates at which TAR is reported (default 1e-3 and 1e-2). */
        public Builder optFars(double... fars) {
            this.fars = fars == null ? null : fars.clone();
            return this;
        }

        /** Sets the number of random folds for k-fold accuracy (default 10, LFW's). */
        public Builder optFolds(int folds) {
            this.folds = folds;
            return this;
        }

        /** Sets the seed of the random fold assignment (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the metrics.
         *
         * @throws IllegalArgumentException if fars is null or a far is outside [0, 1], or
         *     folds is below 2
         */
        public VerificationMetrics build() {
            if (fars == null) {
                throw new IllegalArgumentException("fars is null: give at least an empty list.");
            }
            for (double far : fars) {
                if (!(far >= 0 && far <= 1)) {
                    throw new IllegalArgumentException(
                            "fars must be in [0, 1], but one was " + far + ".");
                }
            }
            if (folds < 2) {
                throw new IllegalArgumentException("folds must be at least 2, but was " + folds + ".");
            }
            return new VerificationMetrics(this);
        }
    }
}
