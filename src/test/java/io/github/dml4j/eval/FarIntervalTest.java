package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FarIntervalTest {

    /** Scores of {@code pairs} matched and as many mismatched pairs over {@code identities} identities. */
    private record Pairs(double[] scores, boolean[] same, int[] a, int[] b) { }

    private static Pairs pairs(int pairs, int identities, long seed) {
        Random random = new Random(seed);
        int n = 2 * pairs;
        Pairs p = new Pairs(new double[n], new boolean[n], new int[n], new int[n]);
        for (int i = 0; i < n; i++) {
            boolean same = i < pairs;
            p.same[i] = same;
            p.a[i] = random.nextInt(identities);
            int other = random.nextInt(identities - 1);
            p.b[i] = same ? p.a[i] : other >= p.a[i] ? other + 1 : other;
            // matched pairs score around 0.7, mismatched around 0.2 (both with spread 0.15)
            p.scores[i] = (same ? 0.7 : 0.2) + 0.15 * random.nextGaussian();
        }
        return p;
    }

    @Test
    void wilsonAndTheNormalQuantileMatchTheirTextbookValues() {
        assertEquals(1.959964, FarInterval.normalQuantile(0.975), 1e-6);
        assertEquals(-2.326348, FarInterval.normalQuantile(0.01), 1e-6);
        double[] none = FarInterval.wilson(0, 10, 0.05);
        assertEquals(0.0, none[0], 1e-12);
        assertEquals(0.27753, none[1], 1e-5); // z^2 / (n + z^2)
        double[] some = FarInterval.wilson(20, 2000, 0.05);
        assertEquals(0.006488, some[0], 1e-5);
        assertEquals(0.015396, some[1], 1e-5);
    }

    @Test
    void tenAndTenPairsAreFlaggedWithTheirInterval() {
        Pairs p = pairs(10, 8, 1);
        ThresholdCalibration c = ThresholdCalibration.forTargetFar(p.scores, p.same, 0.01)
                .withFarInterval(p.scores, p.same, p.a, p.b, 7);
        FarInterval interval = c.farInterval();
        assertEquals(10, interval.negativePairs());
        assertTrue(interval.upper() > 0.2, interval.toString()); // no false accept in 10 says little
        assertTrue(c.farUncertain());
        String warning = c.uncertaintyWarning();
        assertTrue(warning.contains(String.format(java.util.Locale.ROOT, "[%.4g, %.4g]", interval.lower(),
                interval.upper())), warning);
        assertTrue(warning.contains("10 matched and 10 mismatched calibration pairs"), warning);
    }

    @Test
    void twoThousandAndTwoThousandPairsOfManyIdentitiesAreNot() {
        Pairs p = pairs(2000, 1000, 2);
        ThresholdCalibration c = ThresholdCalibration.forTargetFar(p.scores, p.same, 0.01)
                .withFarInterval(p.scores, p.same, p.a, p.b, 7);
        FarInterval interval = c.farInterval();
        assertTrue(interval.lower() <= c.far() && c.far() <= interval.upper(), interval.toString());
        assertTrue(interval.width() < 0.01, interval.toString());
        assertFalse(c.farUncertain());
        assertEquals("", c.uncertaintyWarning());
        // as many pairs from the 66 calibration identities of the face example
        Pairs few = pairs(2000, 66, 5);
        ThresholdCalibration d = ThresholdCalibration.forTargetFar(few.scores, few.same, 0.01)
                .withFarInterval(few.scores, few.same, few.a, few.b, 7);
        assertTrue(d.farInterval().upper() < 0.02, d.farInterval().toString());
        assertFalse(d.farUncertain());
        // best accuracy has no target to vouch for
        assertFalse(ThresholdCalibration.bestAccuracy(p.scores, p.same).withFarInterval(p.scores, p.same, p.a, p.b, 7)
                .farUncertain());
    }

    @Test
    void falseAcceptsOfFewIdentitiesWidenTheBootstrapBeyondIndependentPairs() {
        // 2,000 mismatched pairs over 200 identities; every false accept has identity 0 as its first image
        int n = 2000;
        double[] scores = new double[n];
        boolean[] same = new boolean[n];
        int[] a = new int[n];
        int[] b = new int[n];
        Random random = new Random(3);
        int accepted = 0;
        for (int i = 0; i < n; i++) {
            a[i] = i % 50 == 0 ? 0 : 1 + random.nextInt(199);
            b[i] = 1 + (a[i] + random.nextInt(198)) % 199;
            if (b[i] == a[i]) {
                b[i] = a[i] % 199 + 1;
            }
            scores[i] = a[i] == 0 ? 0.9 : 0.1;
            accepted += a[i] == 0 ? 1 : 0;
        }
        FarInterval interval = FarInterval.bootstrap(scores, same, a, b, 0.5, 3);
        double[] wilson = FarInterval.wilson(accepted, n, 0.05);
        assertEquals(accepted, interval.falseAccepts());
        assertEquals(0.0, interval.lower(), 1e-12); // replicates that do not draw identity 0 see no false accept
        assertTrue(interval.upper() > wilson[1] * 1.5, interval + " against Wilson " + wilson[1]);
        // the same seed gives the same interval
        assertEquals(interval, FarInterval.bootstrap(scores, same, a, b, 0.5, 3));
    }

    @Test
    void badInputIsNamed() {
        double[] s = {0.1, 0.2};
        boolean[] same = {false, false};
        assertEquals("Scores, same flags and the two identity arrays must have one entry per pair, got 2, 2, 1 and 2.",
                assertThrows(IllegalArgumentException.class, () ->
                        FarInterval.bootstrap(s, same, new int[] {1}, new int[] {2, 3}, 0.5, 1)).getMessage());
        assertEquals("Pair 1 is marked as two identities but names identity 4 twice.",
                assertThrows(IllegalArgumentException.class, () ->
                        FarInterval.bootstrap(s, same, new int[] {1, 4}, new int[] {2, 4}, 0.5, 1)).getMessage());
        assertEquals("A FAR interval needs at least one different-identity pair.",
                assertThrows(IllegalArgumentException.class, () -> FarInterval.bootstrap(s, new boolean[] {true, true},
                        new int[] {1, 2}, new int[] {1, 2}, 0.5, 1)).getMessage());
        ThresholdCalibration c = ThresholdCalibration.forTargetFar(new double[] {0.9, 0.1, 0.2},
                new boolean[] {true, false, false}, 0.5);
        FarInterval other = FarInterval.bootstrap(new double[] {0.1}, new boolean[] {false}, new int[] {1},
                new int[] {2}, 0.5, 1);
        assertEquals("The FAR interval rests on 1 different-identity pairs, the calibration on 2: estimate it on the"
                + " calibration's own pairs.", assertThrows(IllegalArgumentException.class,
                        () -> c.withFarInterval(other)).getMessage());
    }
}
