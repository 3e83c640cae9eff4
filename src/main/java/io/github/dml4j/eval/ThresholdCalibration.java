package io.github.dml4j.eval;

import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A verification threshold chosen on held-out pairs, with what it achieved there: the answer
 * to "which threshold?". Pairs with score &ge; {@link #threshold()} are declared the same
 * identity; scores are higher = closer (cosine similarity, or minus the Euclidean distance).
 *
 * <p>Two ways to choose, both on pairs the model was not trained on (a calibration split of
 * identities, never the test pairs):
 * <ul>
 *   <li>{@link #forTargetFar(double[], boolean[], double)}: the lowest threshold whose false
 *       accept rate on the calibration pairs is at most the target, the usual choice for
 *       access control (for example FAR 1e-3: one impostor in a thousand accepted). The target
 *       is only as precise as the number of negative pairs allows: with n negatives the
 *       smallest non-zero FAR is 1/n, so calibrating for 1e-3 needs thousands of negative
 *       pairs.
 *   <li>{@link #bestAccuracy(double[], boolean[])}: the threshold with the highest accuracy on
 *       the calibration pairs (LFW's protocol, here without the folds).
 * </ul>
 *
 * <p>How far to trust the FAR: {@link #withFarInterval(double[], boolean[], int[], int[], long)}
 * adds a confidence interval from a bootstrap over the calibration identities
 * ({@link FarInterval}), and {@link #farUncertain()} says when that interval reaches beyond twice
 * the target, as it is when a FAR of 1e-2 is calibrated on a few dozen pairs.
 *
 * <p>The record is stored in the exported model card so another program uses the same
 * decision; it is immutable.
 *
 * @param threshold the decision threshold on the score scale; finite
 * @param method how it was chosen
 * @param targetFar the requested false accept rate, or null for {@link Method#BEST_ACCURACY}
 * @param far the false accept rate at the threshold on the calibration pairs
 * @param tar the true accept rate at the threshold on the calibration pairs
 * @param accuracy the share of calibration pairs decided correctly
 * @param positivePairs the number of same-identity calibration pairs
 * @param negativePairs the number of different-identity calibration pairs
 * @param farInterval the confidence interval of the FAR at the threshold, or null when not
 *     estimated
 */
public record ThresholdCalibration(
        double threshold,
        Method method,
        Double targetFar,
        double far,
        double tar,
        double accuracy,
        int positivePairs,
        int negativePairs,
        FarInterval farInterval) {

    private static final Logger LOG = LoggerFactory.getLogger(ThresholdCalibration.class);

    /** How a threshold was chosen. */
    public enum Method {
        /** The lowest threshold whose false accept rate is at most a target. */
        TARGET_FAR,
        /** The threshold of highest accuracy. */
        BEST_ACCURACY
    }

    /** Checks the values. */
    public ThresholdCalibration {
        Objects.requireNonNull(method, "The calibration method must not be null.");
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("The calibrated threshold must be finite, got " + threshold + ".");
        }
        if ((method == Method.TARGET_FAR) != (targetFar != null)) {
            throw new IllegalArgumentException("A " + method + " calibration "
                    + (targetFar == null ? "needs" : "must not have") + " a target FAR.");
        }
        if (targetFar != null && !(targetFar >= 0 && targetFar <= 1)) {
            throw new IllegalArgumentException("The target FAR must be in [0, 1], got " + targetFar + ".");
        }
        checkRate(far, "far");
        checkRate(tar, "tar");
        checkRate(accuracy, "accuracy");
        if (positivePairs < 1 || negativePairs < 1) {
            throw new IllegalArgumentException("Calibration needs at least one positive and one negative pair, got "
                    + positivePairs + " positive and " + negativePairs + " negative.");
        }
    }

    /** A calibration without a FAR interval; see the record's components. */
    public ThresholdCalibration(double threshold, Method method, Double targetFar, double far, double tar,
                                double accuracy, int positivePairs, int negativePairs) {
        this(threshold, method, targetFar, far, tar, accuracy, positivePairs, negativePairs, null);
    }

    private static void checkRate(double value, String name) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("The calibration's " + name + " must be in [0, 1], got " + value + ".");
        }
    }

    /**
     * Chooses the lowest threshold whose false accept rate on these pairs is at most
     * {@code targetFar} (so the true accept rate is the highest possible under that constraint).
     *
     * @param scores one score per pair, higher = more similar; finite
     * @param same whether each pair shows the same identity
     * @param targetFar the false accept rate to stay under, in (0, 1]
     * @throws IllegalArgumentException if there is no positive or no negative pair, the lengths
     *     differ, a score is not finite, or no score separates so few negatives (the message
     *     says how many negative pairs the target needs)
     */
    public static ThresholdCalibration forTargetFar(double[] scores, boolean[] same, double targetFar) {
        if (!(targetFar > 0 && targetFar <= 1)) {
            throw new IllegalArgumentException("The target FAR must be in (0, 1], got " + targetFar + ".");
        }
        RocCurve roc = RocCurve.of(scores, same);
        double threshold = roc.thresholdAtFar(targetFar);
        if (Double.isInfinite(threshold)) {
            // even the highest-scoring pair is negative and one negative already exceeds the target
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "No threshold keeps the false accept rate at or below %s on these %d negative pairs: the "
                            + "highest scores belong to negative pairs, and one negative pair is a FAR of %.3g. "
                            + "Calibrate on more negative pairs (at least %d) or a larger target FAR.",
                    targetFar, roc.negatives(), 1.0 / roc.negatives(), (long) Math.ceil(1 / targetFar)));
        }
        return measure(scores, same, threshold, Method.TARGET_FAR, targetFar);
    }

    /** Float scores; see {@link #forTargetFar(double[], boolean[], double)}. */
    public static ThresholdCalibration forTargetFar(float[] scores, boolean[] same, double targetFar) {
        return forTargetFar(VerificationMetrics.toDoubles(scores), same, targetFar);
    }

    /**
     * Chooses the threshold of highest accuracy on these pairs (the largest on ties), as
     * {@link VerificationMetrics#bestThreshold(double[], boolean[])}.
     *
     * @throws IllegalArgumentException if there is no positive or no negative pair, the lengths
     *     differ or a score is not finite
     */
    public static ThresholdCalibration bestAccuracy(double[] scores, boolean[] same) {
        RocCurve.of(scores, same); // checks lengths, scores, and that both kinds of pair are present
        double threshold = VerificationMetrics.bestThreshold(scores, same).threshold();
        return measure(scores, same, threshold, Method.BEST_ACCURACY, null);
    }

    /** Float scores; see {@link #bestAccuracy(double[], boolean[])}. */
    public static ThresholdCalibration bestAccuracy(float[] scores, boolean[] same) {
        return bestAccuracy(VerificationMetrics.toDoubles(scores), same);
    }

    /**
     * Applies {@code threshold} to other pairs (for example test pairs) and measures its FAR, TAR
     * and accuracy there; the method and target are kept from this calibration.
     */
    public ThresholdCalibration evaluate(double[] scores, boolean[] same) {
        RocCurve.of(scores, same); // checks lengths, scores, and that both kinds of pair are present
        return measure(scores, same, threshold, method, targetFar);
    }

    /** Float scores; see {@link #evaluate(double[], boolean[])}. */
    public ThresholdCalibration evaluate(float[] scores, boolean[] same) {
        return evaluate(VerificationMetrics.toDoubles(scores), same);
    }

    /**
     * Returns a copy with the confidence interval of the FAR at this threshold, from a bootstrap
     * over the identities of the calibration pairs (the pairs this calibration was made on,
     * with the identity of each pair's two images); logs a warning, with the interval, when
     * its upper end is above twice the target FAR.
     *
     * @see FarInterval#bootstrap(double[], boolean[], int[], int[], double, long)
     */
    public ThresholdCalibration withFarInterval(double[] scores, boolean[] same, int[] identityA, int[] identityB,
                                                long seed) {
        ThresholdCalibration result = withFarInterval(
                FarInterval.bootstrap(scores, same, identityA, identityB, threshold, seed));
        if (result.farUncertain()) {
            LOG.warn(result.uncertaintyWarning());
        }
        return result;
    }

    /** Float scores; see {@link #withFarInterval(double[], boolean[], int[], int[], long)}. */
    public ThresholdCalibration withFarInterval(float[] scores, boolean[] same, int[] identityA, int[] identityB,
                                                long seed) {
        return withFarInterval(VerificationMetrics.toDoubles(scores), same, identityA, identityB, seed);
    }

    /** Returns a copy with this FAR interval ({@code null} removes it). */
    public ThresholdCalibration withFarInterval(FarInterval interval) {
        if (interval != null && interval.negativePairs() != negativePairs) {
            throw new IllegalArgumentException("The FAR interval rests on " + interval.negativePairs()
                    + " different-identity pairs, the calibration on " + negativePairs + ": estimate it on the"
                    + " calibration's own pairs.");
        }
        return new ThresholdCalibration(threshold, method, targetFar, far, tar, accuracy, positivePairs, negativePairs,
                interval);
    }

    /**
     * Is the FAR too uncertain to vouch for the target: is there a FAR interval whose upper end
     * is above twice the target FAR ({@link FarInterval#reachesBeyond(double)})? Always false for a best-accuracy calibration or one without an interval.
     */
    public boolean farUncertain() {
        return farInterval != null && targetFar != null && farInterval.reachesBeyond(targetFar);
    }

    /** The warning for an {@link #farUncertain() uncertain} FAR, naming the interval and what to do. */
    public String uncertaintyWarning() {
        if (!farUncertain()) {
            return "";
        }
        return String.format(Locale.ROOT, "The calibrated threshold's FAR is uncertain: its %.0f%% interval [%.4g, %.4g]"
                        + " reaches beyond twice the target FAR %s (%d matched and %d mismatched calibration pairs of %d"
                        + " identities). Calibrate on more pairs and identities before relying on the target.",
                farInterval.confidence() * 100, farInterval.lower(), farInterval.upper(), targetFar, positivePairs,
                negativePairs, farInterval.identities());
    }

    /** Is a pair of this score declared the same identity? */
    public boolean accepts(double score) {
        return score >= threshold;
    }

    private static ThresholdCalibration measure(
            double[] scores, boolean[] same, double threshold, Method method, Double targetFar) {
        int positives = 0;
        int acceptedPositives = 0;
        int acceptedNegatives = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean accepted = scores[i] >= threshold;
            if (same[i]) {
                positives++;
                acceptedPositives += accepted ? 1 : 0;
            } else {
                acceptedNegatives += accepted ? 1 : 0;
            }
        }
        int negatives = scores.length - positives;
        double accuracy = (acceptedPositives + (negatives - acceptedNegatives)) / (double) scores.length;
        return new ThresholdCalibration(threshold, method, targetFar, acceptedNegatives / (double) negatives,
                acceptedPositives / (double) positives, accuracy, positives, negatives);
    }


    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ThresholdCalibration{threshold=%.6f, %s%s, far=%.5f, tar=%.5f, "
                        + "accuracy=%.5f, pairs=%d+/%d-%s}", threshold, method,
                targetFar == null ? "" : " " + targetFar, far, tar, accuracy, positivePairs, negativePairs,
                farInterval == null ? "" : String.format(Locale.ROOT, ", far%.0f%%=[%.4g, %.4g]",
                        farInterval.confidence() * 100, farInterval.lower(), farInterval.upper()));
    }
}
