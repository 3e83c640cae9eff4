package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dml4j.index.TopK;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrievalAccumulatorTest {

    private static final int[] A = {1, 0, 1, 0, 0}; // label 0, G = 3: matches at ranks 2, 4, 5
    private static final int[] B = {1, 1, 0, 0, 0}; // label 1, G = 2: matches at ranks 1, 2
    private static final int[] C = {0, 0, 0, 0, 0}; // label 2, G = 1: its match is beyond the list

    private static RetrievalAccumulator empty() {
        return new RetrievalAccumulator(3, new int[] {4, 1, 2, 2}, 4);
    }

    /**
     * Worked by hand, k = 3. A: P@1 0, R = 3, R-Precision 1/3, MAP@R = (1/2)/3 = 1/6, MAP over k
     * 1/6, MRR 1/2, R@1 0, R@2 1, R@4 1, CMC 0 1 1 1, full AP (1/2 + 2/4 + 3/5)/3 = 8/15. B: all
     * 1. Means over A and B.
     */
    @Test
    void handWorkedMetrics() {
        RetrievalAccumulator sums = empty();
        sums.add(0, A, 3);
        sums.add(1, B, 2);
        sums.add(3, new int[] {0, 1, 2}, 0); // lone: no gallery entry with label 3
        RetrievalReport r = sums.report();
        assertEquals(2, r.evaluatedQueries());
        assertEquals(1, r.loneQueries());
        assertEquals(3, r.k());
        assertEquals(0.5, r.precisionAt1(), 1e-12);
        assertEquals((1.0 / 3 + 1) / 2, r.rPrecision(), 1e-12);
        assertEquals((1.0 / 6 + 1) / 2, r.meanAveragePrecisionAtR(), 1e-12);
        assertEquals((1.0 / 6 + 1) / 2, r.meanAveragePrecision(), 1e-12);
        assertEquals(0.75, r.meanReciprocalRank(), 1e-12);
        assertEquals(Map.of(1, 0.5, 2, 1.0, 4, 1.0), r.recallAtK());
        assertArrayEquals(new double[] {0.5, 1, 1, 1}, r.cmc(), 1e-12);
        assertEquals((8.0 / 15 + 1) / 2, r.meanAveragePrecisionFullRanking(), 1e-12);
        assertEquals(0, r.truncatedQueries());
        assertEquals(4, sums.depth());
        Map<String, Object> map = r.toMap();
        assertEquals(List.of("precision_at_1", "r_precision", "mean_average_precision_at_r", "mean_average_precision",
                "mean_reciprocal_rank", "recall_at_1", "recall_at_2", "recall_at_4", "mean_average_precision_full_ranking",
                "cmc", "k", "evaluated_queries", "lone_queries"), List.copyOf(map.keySet()));
        assertEquals(List.of(0.5, 1.0, 1.0, 1.0), map.get("cmc"));
        assertTrue(r.toString().contains("recall_at_2=1.0000, recall_at_4=1.0000,"
                + " mean_average_precision_full_ranking=0.7667, cmc=[0.5000, 1.0000, 1.0000, 1.0000]"), r.toString());
    }

    /** A query whose match lies beyond its list makes the full-ranking mAP unknown, not a lower bound. */
    @Test
    void truncatedQueriesLeaveNoFullRankingMap() {
        RetrievalAccumulator sums = empty();
        sums.add(0, A, 3);
        sums.add(1, B, 2);
        sums.add(2, C, 1);
        RetrievalReport r = sums.report();
        assertEquals(3, r.evaluatedQueries());
        assertEquals(1, r.truncatedQueries());
        assertTrue(Double.isNaN(r.meanAveragePrecisionFullRanking()));
        assertFalse(r.toMap().containsKey(RetrievalReport.MAP_FULL_RANKING));
        assertEquals(1, r.toMap().get("truncated_queries"));
        assertEquals(1.0 / 3, r.precisionAt1(), 1e-12);
        assertEquals(2.0 / 3, r.recallAt(2), 1e-12);
        assertTrue(Double.isNaN(r.recallAt(8)), "not computed");
    }

    /** Accumulators of any split of the queries merge into the accumulator of all of them. */
    @Test
    void mergeEqualsOneAccumulatorAndSurvivesSerialization() throws Exception {
        RetrievalAccumulator all = empty();
        all.add(0, A, 3);
        all.add(1, B, 2);
        all.add(2, C, 1);
        RetrievalAccumulator first = empty();
        first.add(0, A, 3);
        RetrievalAccumulator second = empty();
        second.add(1, B, 2);
        second.add(2, C, 1);
        assertEquals(all.report(), roundTrip(first).merge(roundTrip(second)).report());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> empty().merge(new RetrievalAccumulator(2, new int[] {1}, 4)));
        assertTrue(e.getMessage().startsWith("Cannot merge accumulators with different settings: "), e.getMessage());
    }

    @Test
    void addsTopKBlocksThroughGalleryLabels() {
        int[] galleryLabels = {0, 1, 0, 1, 0, 5};
        // query 0 (label 0) ranks ids 1, 0, 3, 2, 4: labels 1 0 1 0 0 = A
        TopK top = new TopK(new long[][] {{1, 0, 3, 2, 4}}, new double[][] {{-1, -2, -3, -4, -5}});
        RetrievalAccumulator sums = empty();
        sums.add(top, new int[] {0}, new long[] {3}, id -> galleryLabels[(int) id]);
        RetrievalAccumulator direct = empty();
        direct.add(0, A, 3);
        assertEquals(direct.report(), sums.report());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sums.add(top, new int[] {0, 1}, new long[] {3}, id -> 0));
        assertEquals("The top-k has 1 queries but there are 2 query labels and 1 relevant counts.", e.getMessage());
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("k must be at least 1, but was 0.", assertThrows(IllegalArgumentException.class,
                () -> new RetrievalAccumulator(0, new int[] {1}, 1)).getMessage());
        assertEquals("Every K of recallAtK must be at least 1, but got [0, 1].", assertThrows(
                IllegalArgumentException.class, () -> new RetrievalAccumulator(1, new int[] {0, 1}, 1)).getMessage());
        assertEquals("The cmcRanks must not be negative, but was -1.", assertThrows(IllegalArgumentException.class,
                () -> new RetrievalAccumulator(1, new int[] {1}, -1)).getMessage());
        assertEquals("The relevant count must not be negative, but was -2.", assertThrows(
                IllegalArgumentException.class, () -> empty().add(0, A, -2)).getMessage());
    }

    private static RetrievalAccumulator roundTrip(RetrievalAccumulator a) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(a);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (RetrievalAccumulator) in.readObject();
        }
    }
}
