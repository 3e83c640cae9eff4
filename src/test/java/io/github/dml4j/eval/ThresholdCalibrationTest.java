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
}
