package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import io.github.dml4j.Golden;
import org.junit.jupiter.api.Test;

class ThresholdCalibrationTest {

    // positives 0.9 0.8 0.6 0.4, negatives 0.7 0.5 0.3 0.2 0.1
    private static final double[] SCORES = {0.9, 0.8, 0.6, 0.4, 0.7, 0.5, 0.3, 0.2, 0.1};
    private static final boolean[] SAME = {true, true, true, true, false, false, false, false, false};

    @Test
    void targetFarTakesTheLowestThresholdWithinTheTarget() {
        // FAR 0.2 allows one of five negatives: the 0.7 negative is accepted at t = 0.6
        ThresholdCalibration c = ThresholdCalibration.forTargetFar(SCORES, SAME, 0.2);
        assertEquals(0.6, c.threshold());
        assertEquals(ThresholdCalibration.Method.TARGET_FAR, c.method());
        assertEquals(0.2, c.targetFar());
        assertEquals(0.2, c.far(), 1e-12);
        assertEquals(0.75, c.tar(), 1e-12);
        assertEquals((3 + 4) / 9.0, c.accuracy(), 1e-12);
        assertEquals(4, c.positivePairs());
        assertEquals(5, c.negativePairs());
        // a target below one negative in five accepts no negative: t = 0.8
        ThresholdCalibration strict = ThresholdCalibration.forTargetFar(SCORES, SAME, 0.1);
        assertEquals(0.8, strict.threshold());
        assertEquals(0.0, strict.far());
        assertEquals(0.5, strict.tar());
    }

    @Test
    void targetFarOnGoldenScoresIsWithinTarget() {
        JsonArray a = Golden.get("verification", "similarity").getAsJsonArray();
        double[] scores = new double[a.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = a.get(i).getAsDouble();
        }
        int[] ints = Golden.ints(Golden.get("verification", "is_same"));
        boolean[] same = new boolean[ints.length];
        for (int i = 0; i < same.length; i++) {
            same[i] = ints[i] != 0;
        }
        for (double far : new double[] {0.01, 0.1}) {
            ThresholdCalibration c = ThresholdCalibration.forTargetFar(scores, same, far);
            assertTrue(c.far() <= far, c.toString());
            assertEquals(Golden.get("verification", "tar_at_far_" + far).getAsDouble(), c.tar(), 1e-9);
        }
        ThresholdCalibration best = ThresholdCalibration.bestAccuracy(scores, same);
        assertEquals(Golden.get("verification", "best_threshold_accuracy").getAsDouble(), best.accuracy(), 1e-9);
        assertNull(best.targetFar());
    }

    @Test
    void bestAccuracyAndEvaluationOnOtherPairs() {
        ThresholdCalibration c = ThresholdCalibration.bestAccuracy(SCORES, SAME);
        // t = 0.8: 2 + 5 = 7 correct; t = 0.6: 3 + 4 = 7; t = 0.4: 4 + 3 = 7: the largest wins on ties
        assertEquals(0.8, c.threshold());
        assertEquals(7 / 9.0, c.accuracy(), 1e-12);
        ThresholdCalibration test = c.evaluate(new double[] {0.85, 0.5, 0.9, 0.1}, new boolean[] {true, true, false, false});
        assertEquals(0.8, test.threshold());
        assertEquals(0.5, test.tar());
        assertEquals(0.5, test.far());
        assertEquals(0.5, test.accuracy());
        assertTrue(c.accepts(0.8));
        assertFalse(c.accepts(0.79));
    }

    @Test
    void impossibleTargetsAndOneSidedPairsFailClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                ThresholdCalibration.forTargetFar(new double[] {0.9, 0.5, 0.4}, new boolean[] {false, true, false}, 0.1));
        assertEquals("No threshold keeps the false accept rate at or below 0.1 on these 2 negative pairs: the highest "
                + "scores belong to negative pairs, and one negative pair is a FAR of 0.500. Calibrate on more "
                + "negative pairs (at least 10) or a larger target FAR.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () ->
                ThresholdCalibration.bestAccuracy(new double[] {0.9, 0.5}, new boolean[] {true, true}));
        assertEquals("There are no negative (different) pairs among the 2: ROC, EER and TAR need at least one.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ThresholdCalibration.forTargetFar(SCORES, SAME, 0));
        assertEquals("The target FAR must be in (0, 1], got 0.0.", e.getMessage());
    }

    @Test
    void floatScoresGiveTheSameCalibrationAsTheirDoubles() {
        float[] f = new float[SCORES.length];
        double[] d = new double[SCORES.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) SCORES[i];
            d[i] = f[i];
        }
        assertEquals(ThresholdCalibration.forTargetFar(d, SAME, 0.2), ThresholdCalibration.forTargetFar(f, SAME, 0.2));
        ThresholdCalibration best = ThresholdCalibration.bestAccuracy(f, SAME);
        assertEquals(ThresholdCalibration.bestAccuracy(d, SAME), best);
        assertEquals(best.evaluate(d, SAME), best.evaluate(f, SAME));
        assertEquals((double) 0.8f, best.threshold());
    }

    @Test
    void evaluationOnOtherPairsChecksThem() {
        ThresholdCalibration c = ThresholdCalibration.bestAccuracy(SCORES, SAME);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.evaluate(new double[] {0.5, 0.6}, new boolean[] {true}));
        assertEquals("There are 2 scores but 1 same labels: one of each per pair is needed.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> c.evaluate(new double[] {0.5, 0.6}, new boolean[] {false, false}));
        assertEquals("There are no positive (same) pairs among the 2: ROC, EER and TAR need at least one.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> c.evaluate(new double[] {0.5, Double.NaN}, new boolean[] {true, false}));
        assertEquals("scores[1] is NaN: every score must be finite.", e.getMessage());
    }

    @Test
    void inconsistentRecordsAreRefused() {
        ThresholdCalibration.Method far = ThresholdCalibration.Method.TARGET_FAR;
        ThresholdCalibration.Method best = ThresholdCalibration.Method.BEST_ACCURACY;
        assertMessage("The calibrated threshold must be finite, got NaN.",
                () -> new ThresholdCalibration(Double.NaN, best, null, 0.1, 0.9, 0.9, 3, 3));
        assertMessage("The calibrated threshold must be finite, got Infinity.",
                () -> new ThresholdCalibration(Double.POSITIVE_INFINITY, far, 0.1, 0, 0, 0.5, 3, 3));
        assertMessage("A TARGET_FAR calibration needs a target FAR.",
                () -> new ThresholdCalibration(0.5, far, null, 0.1, 0.9, 0.9, 3, 3));
        assertMessage("A BEST_ACCURACY calibration must not have a target FAR.",
                () -> new ThresholdCalibration(0.5, best, 0.1, 0.1, 0.9, 0.9, 3, 3));
        assertMessage("The target FAR must be in [0, 1], got 1.5.",
                () -> new ThresholdCalibration(0.5, far, 1.5, 0.1, 0.9, 0.9, 3, 3));
        assertMessage("The calibration's far must be in [0, 1], got -0.1.",
                () -> new ThresholdCalibration(0.5, best, null, -0.1, 0.9, 0.9, 3, 3));
        assertMessage("The calibration's tar must be in [0, 1], got NaN.",
                () -> new ThresholdCalibration(0.5, best, null, 0.1, Double.NaN, 0.9, 3, 3));
        assertMessage("The calibration's accuracy must be in [0, 1], got 2.0.",
                () -> new ThresholdCalibration(0.5, best, null, 0.1, 0.9, 2, 3, 3));
        assertMessage("Calibration needs at least one positive and one negative pair, got 3 positive and 0 negative.",
                () -> new ThresholdCalibration(0.5, best, null, 0.1, 0.9, 0.9, 3, 0));
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> new ThresholdCalibration(0.5, null, null, 0.1, 0.9, 0.9, 3, 3));
        assertEquals("The calibration method must not be null.", e.getMessage());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, executable).getMessage());
    }
}
