package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdentificationReportTest {

    @Test
    void ratesCountMatedAndNonMatedProbesSeparately() {
        int[] labels = {1, 2, 3, 9, 8};
        boolean[] mated = {true, true, true, false, false};
        int[][] ranked = {{1, 2}, {3, 2}, {1, 2}, {1, 2}, {3, 1}};
        double[] best = {0.9, 0.8, 0.4, 0.7, 0.2};
        IdentificationReport r = IdentificationReport.of(labels, mated, ranked, best, 2, 0.5);
        assertEquals(3, r.matedProbes());
        assertEquals(2, r.nonMatedProbes());
        assertEquals(1 / 3.0, r.rank1Rate(), 1e-12); // only probe 0 is first
        assertEquals(2 / 3.0, r.rankKRate(), 1e-12); // probe 1 is second
        assertEquals(1 / 3.0, r.detectionIdentificationRate(), 1e-12);
        assertEquals(0.5, r.openSetFalseAcceptRate(), 1e-12); // probe 3 scores 0.7 >= 0.5
        IdentificationReport closed = IdentificationReport.of(labels, mated, ranked, best, 1, Double.NaN);
        assertTrue(Double.isNaN(closed.openSetFalseAcceptRate()));
        assertEquals(closed.rank1Rate(), closed.rankKRate());
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdentificationReport.of(
                new int[] {1}, new boolean[] {true}, new int[][] {{}}, new double[] {1}, 1, 0.5));
        assertEquals("Probe 0 has no ranked gallery identity.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> IdentificationReport.of(
                new int[] {1, 2}, new boolean[] {true}, new int[][] {{1}}, new double[] {1}, 1, 0.5));
        assertEquals("Got 2 probe labels, 1 mated flags, 1 rankings and 1 best scores: one each per probe.",
                e.getMessage());
    }

    @Test
    void withoutMatedProbesTheRatesAreNaNAndRankingsShorterThanKCount() {
        IdentificationReport strangers = IdentificationReport.of(new int[] {7, 8}, new boolean[] {false, false},
                new int[][] {{1}, {2}}, new double[] {0.6, 0.3}, 3, 0.5);
        assertEquals(0, strangers.matedProbes());
        assertTrue(Double.isNaN(strangers.rank1Rate()));
        assertTrue(Double.isNaN(strangers.rankKRate()));
        assertTrue(Double.isNaN(strangers.detectionIdentificationRate()));
        assertEquals(0.5, strangers.openSetFalseAcceptRate());

        // k beyond the ranking: the identity is searched in what there is
        IdentificationReport shortRanking = IdentificationReport.of(new int[] {1, 2}, new boolean[] {true, true},
                new int[][] {{3, 1}, {3}}, new double[] {0.9, 0.9}, 5, 0.5);
        assertEquals(0.0, shortRanking.rank1Rate());
        assertEquals(0.5, shortRanking.rankKRate());
        assertEquals(0.0, shortRanking.detectionIdentificationRate());
        assertTrue(Double.isNaN(shortRanking.openSetFalseAcceptRate()), "no non-mated probes");
    }

    @Test
    void mapNamesTheRankAndKeepsTheOrder() {
        IdentificationReport r = IdentificationReport.of(new int[] {1, 2, 9}, new boolean[] {true, true, false},
                new int[][] {{1, 2}, {1, 2}, {2, 1}}, new double[] {0.9, 0.4, 0.6}, 2, 0.5);
        java.util.Map<String, Object> m = r.toMap();
        assertEquals(java.util.List.of("mated_probes", "non_mated_probes", "rank_1", "rank_2", "threshold",
                "detection_identification_rate", "open_set_far"), java.util.List.copyOf(m.keySet()));
        assertEquals(2, m.get("mated_probes"));
        assertEquals(1, m.get("non_mated_probes"));
        assertEquals(0.5, m.get("rank_1"));
        assertEquals(1.0, m.get("rank_2"));
        assertEquals(0.5, m.get("threshold"));
        assertEquals(0.5, m.get("detection_identification_rate"));
        assertEquals(1.0, m.get("open_set_far"));
    }

    @Test
    void kMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdentificationReport.of(
                new int[] {1}, new boolean[] {true}, new int[][] {{1}}, new double[] {1}, 0, 0.5));
        assertEquals("k must be at least 1, got 0.", e.getMessage());
    }
}
