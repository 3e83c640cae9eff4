package io.github.dml4j.train;

import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearningRateSchedulesTest {

    @Test
    void warmUpCosineFollowsItsCurve() {
        Tracker lr = LearningRateSchedules.warmUpCosine(1f, 10, 110, 0.1f);
        // linear warm-up: update t of 10 gets t / 10 of the peak
        assertEquals(0.1f, lr.getNewValue(1), 1e-7f);
        assertEquals(0.5f, lr.getNewValue(5), 1e-7f);
        assertEquals(1f, lr.getNewValue(10), 1e-7f);
        // half a cosine from the peak to the final rate over the 100 updates after it
        assertEquals(0.1f + 0.9f * 0.5f * (1 + (float) Math.cos(Math.PI * 0.25)), lr.getNewValue(35), 1e-6f);
        assertEquals(0.55f, lr.getNewValue(60), 1e-6f);
        assertEquals(0.1f, lr.getNewValue(110), 1e-7f);
        assertEquals(0.1f, lr.getNewValue(500), 1e-7f);
        float previous = Float.MAX_VALUE;
        for (int t = 10; t <= 110; t++) {
            assertTrue(lr.getNewValue(t) <= previous, "non-increasing after the warm-up, at " + t);
            previous = lr.getNewValue(t);
        }
        // no warm-up: the first update gets the peak
        assertEquals(2f, LearningRateSchedules.warmUpCosine(2f, 0, 10, 0f).getNewValue(1), 0.1f);
        assertEquals(2f, LearningRateSchedules.warmUpCosine(2f, 0, 10, 0f).getNewValue(0), 0f);
    }

    @Test
    void stepDecayMultipliesByGammaEveryStepSize() {
        Tracker lr = LearningRateSchedules.stepDecay(0.1f, 30, 0.1f);
        assertEquals(0.1f, lr.getNewValue(1), 1e-9f);
        assertEquals(0.1f, lr.getNewValue(30), 1e-9f);
        assertEquals(0.01f, lr.getNewValue(31), 1e-9f);
        assertEquals(0.001f, lr.getNewValue(61), 1e-9f);
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("The cosine schedule's total of 10 updates must exceed its warm-up of 10.",
                assertThrows(IllegalArgumentException.class,
                        () -> LearningRateSchedules.warmUpCosine(1f, 10, 10, 0f)).getMessage());
        assertEquals("The step decay's gamma must be in (0, 1], got 1.5.",
                assertThrows(IllegalArgumentException.class, () -> LearningRateSchedules.stepDecay(1f, 5, 1.5f)).getMessage());
        assertEquals("The schedule's peak learning rate must be a positive number, got 0.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> LearningRateSchedules.warmUpCosine(0f, 1, 10, 0f)).getMessage());
    }
}
