package io.github.dml4j.eval;

import java.util.Random;

/**
 * Verification accuracy by k-fold cross-validation, the LFW protocol (Huang et al. 2007): the
 * pairs are split into k folds; for each fold the best threshold of the other k-1 folds (see
 * {@link VerificationMetrics#bestThreshold(double[], boolean[])}, "same" for score &ge; t, the
 * largest t on equal accuracy) is applied to it, giving one held-out accuracy per fold. The
 * result is their mean and their <em>population</em> standard deviation, sqrt((1/k)
 * &sum;(acc<sub>f</sub> - mean)&sup2;), as NumPy's {@code np.std} in the LFW evaluation code of
 * FaceNet and InsightFace.
 *
 * <p>Folds come from the data (LFW's {@code pairs.txt} lists 10 folds of 600 pairs in order:
 * {@link #contiguousFolds(int, int)}) or are drawn at random, stratified by label, with a seed
 * ({@link #randomFolds(boolean[], int, long)}).
 *
 * <pre>{@code
 * KFoldVerification.Result r = KFoldVerification.kFold(scores, same, 10, 0L);
 * System.out.printf("%.4f +- %.4f%n", r.mean(), r.std());
 * }</pre>
 */
public final class KFoldVerification {

    private KFoldVerification() {}

    /**
     * The outcome of k-fold verification.
     *
     * @param accuracies held-out accuracy of each fold, indexed by fold id
     * @param thresholds threshold chosen on the other folds for each fold
     * @param mean mean of the held-out accuracies
     * @param std population standard deviation of the held-out accuracies
     */
    public record Result(double[] accuracies, double[] thresholds, double mean, double std) {

        /** Copies the arrays. */
        public Result {
            accuracies = accuracies.clone();
            thresholds = thresholds.clone();
        }

        /** Held-out accuracy of each fold; a copy. */
        @Override
        public double[] accuracies() {
            return accuracies.clone();
        }

        /** Threshold chosen on the other folds, for each fold; a copy. */
        @Override
        public double[] thresholds() {
            return thresholds.clone();
        }

        /** Number of folds. */
        public int folds() {
            return accuracies.length;
        }
    }

    /**
     * Runs k-fold verification with stratified random folds (see {@link #randomFolds(boolean[],
     * int, long)}).
     *
     * @param scores similarity of each pair, higher means more similar; finite
     * @param same whether each pair is of the same identity
     * @param folds number of folds, from 2 to the number of pairs
     * @param seed seed of the fold assignment
     * @return the per-fold accuracies and thresholds, their mean and population std
     * @throws IllegalArgumentException if the lengths differ, a score is not finite, or folds is
     *     below 2 or above the number of pairs
     */
    public static Result kFold(double[] scores, boolean[] same, int folds, long seed) {
        VerificationMetrics.checkLengthsAndScores(scores, same);
        return kFold(scores, same, randomFolds(same, folds, seed));
    }

    /**
     * Runs k-fold verification with given folds.
     *
     * @param scores similarity of each pair, higher means more similar; finite
     * @param same whether each pair is of the same identity
     * @param foldIds the fold of each pair, from 0 to k-1 with every fold used; k &ge; 2
     * @return the per-fold accuracies and thresholds, their mean and population std
     * @throws IllegalArgumentException if the lengths differ, a score is not finite, a fold id
     *     is negative, fewer than 2 folds are named, or a fold between 0 and the largest id is
     *     empty
     */
    public static Result kFold(double[] scores, boolean[] same, int[] foldIds) {
        VerificationMetrics.checkLengthsAndScores(scores, same);
        int k = checkFoldIds(foldIds, scores.length);
        double[] acc = new double[k];
        double[] thr = new double[k];
        for (int f = 0; f < k; f++) {
            double t = VerificationMetrics.bestThresholdUnchecked(scores, same, foldIds, f).threshold();
            int correct = 0;
            int size = 0;
            for (int i = 0; i < scores.length; i++) {
                if (foldIds[i] == f) {
                    size++;
                    if ((scores[i] >= t) == same[i]) {
                        correct++;
                    }
                }
            }
            thr[f] = t;
            acc[f] = (double) correct / size;
        }
        double mean = 0;
        for (double a : acc) {
            mean += a;
        }
        mean /= k;
        double var = 0;
        for (double a : acc) {
            var += (a - mean) * (a - mean);
        }
        return new Result(acc, thr, mean, Math.sqrt(var / k));
    }

    /** Runs k-fold verification on float scores; see {@link #kFold(double[], boolean[], int[])}. */
    public static Result kFold(float[] scores, boolean[] same, int[] foldIds) {
        return kFold(VerificationMetrics.toDoubles(scores), same, foldIds);
    }

    /**
     * Folds of consecutive pairs, as LFW's {@code pairs.txt} lists them: pair i goes to fold
     * floor(i k / n), so 6,000 pairs in 10 folds give folds of 600 in order.
     *
     * @param pairs number of pairs n
     * @param folds number of folds k, from 2 to n
     * @return the fold id of each pair
     * @throws IllegalArgumentException if folds is below 2 or above the number of pairs
     */
    public static int[] contiguousFolds(int pairs, int folds) {
        checkFoldCount(folds, pairs);
        int[] ids = new int[pairs];
        for (int i = 0; i < pairs; i++) {
            ids[i] = (int) ((long) i * folds / pairs);
        }
        return ids;
    }

    /**
     * Random folds stratified by label: the positive pairs, shuffled with {@code seed}, are dealt
     * round-robin to folds 0, 1, ..., k-1, and the negative pairs continue the deal, so fold
     * sizes differ by at most one and each fold has its share of both kinds.
     *
     * @param same whether each pair is of the same identity
     * @param folds number of folds k, from 2 to the number of pairs
     * @param seed seed of the shuffle
     * @return the fold id of each pair
     * @throws IllegalArgumentException if folds is below 2 or above the number of pairs
     */
    public static int[] randomFolds(boolean[] same, int folds, long seed) {
        checkFoldCount(folds, same.length);
        int n = same.length;
        int[] positives = new int[n];
        int[] negatives = new int[n];
        int p = 0;
        int q = 0;
        for (int i = 0; i < n; i++) {
            if (same[i]) {
                positives[p++] = i;
            } else {
                negatives[q++] = i;
            }
        }
        Random random = new Random(seed);
        shuffle(positives, p, random);
        shuffle(negatives, q, random);
        int[] ids = new int[n];
        for (int j = 0; j < p; j++) {
            ids[positives[j]] = j % folds;
        }
        for (int j = 0; j < q; j++) {
            ids[negatives[j]] = (p + j) % folds;
        }
        return ids;
    }

    private static void shuffle(int[] a, int length, Random random) {
        for (int i = length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }

    private static void checkFoldCount(int folds, int pairs) {
        if (folds < 2) {
            throw new IllegalArgumentException("folds must be at least 2, but was " + folds + ".");
        }
        if (folds > pairs) {
            throw new IllegalArgumentException(
                    "folds is "
                            + folds
                            + " but there are only "
                            + pairs
                            + " pairs: every fold needs at least one pair.");
        }
    }

    private static int checkFoldIds(int[] foldIds, int pairs) {
        if (foldIds == null) {
            throw new IllegalArgumentException("The fold ids are null.");
        }
        if (foldIds.length != pairs) {
            throw new IllegalArgumentException(
                    "There are "
                            + foldIds.length
                            + " fold ids but "
                            + pairs
                            + " pairs: one fold id per pair is needed.");
        }
        int k = 0;
        for (int i = 0; i < foldIds.length; i++) {
            if (foldIds[i] < 0) {
                throw new IllegalArgumentException(
                        "foldIds[" + i + "] is " + foldIds[i] + ": fold ids must be 0 or more.");
            }
            k = Math.max(k, foldIds[i] + 1);
        }
        if (k < 2) {
            throw new IllegalArgumentException(
                    "The fold ids name " + k + (k == 1 ? " fold" : " folds")
                            + ": at least 2 folds are needed.");
        }
        if (k > pairs) {
            throw new IllegalArgumentException(
                    "The fold ids go up to " + (k - 1) + " but there are only " + pairs
                            + " pairs: fold ids must run from 0 to k-1 with every fold used.");
        }
        int[] sizes = new int[k];
        for (int id : foldIds) {
            sizes[id]++;
        }
        for (int f = 0; f < k; f++) {
            if (sizes[f] == 0) {
                throw new IllegalArgumentException(
                        "Fold " + f + " has no pairs: fold ids must run from 0 to " + (k - 1)
                                + " with every fold used.");
            }
        }
        return k;
    }
}
