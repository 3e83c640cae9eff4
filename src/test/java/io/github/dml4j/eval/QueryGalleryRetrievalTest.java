package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class QueryGalleryRetrievalTest {

    private static final float[][] GALLERY = {{0f}, {1f}, {5f}, {6f}};
    private static final int[] GALLERY_LABELS = {0, 0, 1, 1};
    private static final float[][] QUERIES = {{0.4f}, {5.8f}, {3.2f}};
    private static final int[] QUERY_LABELS = {0, 1, 1};

    /**
     * Separate sets, worked by hand (k = largest G = 2; the depth covers the 4 gallery rows). q0 at
     * 0.4 ranks 0 1 | 2 3: all 1. q1 at 5.8 ranks 3 2 | 1 0: all 1. q2 at 3.2 ranks 2 (d 1.8, a
     * match), 1 (2.2), 3 (2.8, a match), 0: P@1 1, R-Precision 1/2, MAP@R 1/2, full AP (1 + 2/3)/2.
     */
    @Test
    void separateQueryAndGallerySets() {
        RetrievalReport r = RetrievalMetrics.builder().build()
                .compute(QUERIES, QUERY_LABELS, GALLERY, GALLERY_LABELS, null);
        assertEquals(2, r.k());
        assertEquals(3, r.evaluatedQueries());
        assertEquals(1.0, r.precisionAt1(), 1e-12);
        assertEquals(2.5 / 3, r.rPrecision(), 1e-12);
        assertEquals(2.5 / 3, r.meanAveragePrecisionAtR(), 1e-12);
        assertEquals((2 + (1 + 2.0 / 3) / 2) / 3, r.meanAveragePrecisionFullRanking(), 1e-12);
        assertEquals(1.0, r.recallAt(1), 1e-12);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, r.cmc(), 1e-12);
        try (NDManager manager = NDManager.newBaseManager()) {
            RetrievalReport same = RetrievalMetrics.builder().build().compute(manager.create(QUERIES), QUERY_LABELS,
                    manager.create(GALLERY), GALLERY_LABELS);
            assertEquals(r, same);
            RetrievalReport viaEvaluator = EmbeddingEvaluator.builder().build().evaluate(manager.create(QUERIES),
                    QUERY_LABELS, manager.create(GALLERY), GALLERY_LABELS, null);
            assertEquals(r, viaEvaluator);
        }
    }

    /** The queries are gallery rows 3 and 0: each is excluded from its own results and from its G. */
    @Test
    void queriesContainedInTheGallery() {
        float[][] queries = {{6f}, {0f}};
        RetrievalReport r = RetrievalMetrics.builder().build()
                .compute(queries, new int[] {1, 0}, GALLERY, GALLERY_LABELS, new int[] {3, 0});
        // q at 6 (row 3 excluded): ranks 2 (5, match) -> G = 1; q at 0 (row 0 excluded): ranks 1 (match)
        assertEquals(1, r.k());
        assertEquals(1.0, r.precisionAt1(), 1e-12);
        assertEquals(1.0, r.meanAveragePrecisionFullRanking(), 1e-12);
        // a query not in the gallery (-1) keeps every row
        RetrievalReport mixed = RetrievalMetrics.builder().build()
                .compute(queries, new int[] {1, 0}, GALLERY, GALLERY_LABELS, new int[] {-1, 0});
        assertEquals(2, mixed.k(), "the query at 6 not in the gallery has G = 2");
        assertEquals(1.0, mixed.precisionAt1(), 1e-12, "it finds row 3 itself first");
    }

    /** The result does not depend on the query chunk or the gallery block. */
    @Test
    void blockSizesDoNotChangeTheResult() {
        Random random = new Random(5);
        int n = 211;
        float[][] x = new float[n][6];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(7);
            for (int j = 0; j < 6; j++) {
                x[i][j] = (float) random.nextGaussian() + (j == labels[i] % 6 ? 1.5f : 0f);
            }
        }
        for (Distance distance : new Distance[] {LpDistance.raw(), new CosineSimilarity()}) {
            RetrievalReport reference = RetrievalMetrics.builder().optDistance(distance).optRankingDepth(Integer.MAX_VALUE)
                    .build().compute(x, labels);
            assertTrue(Double.isFinite(reference.meanAveragePrecisionFullRanking()));
            List<RetrievalReport> others = new ArrayList<>();
            others.add(RetrievalMetrics.builder().optDistance(distance).optRankingDepth(Integer.MAX_VALUE)
                    .optBatchSize(7).optGalleryBlockSize(13).build().compute(x, labels));
            others.add(RetrievalMetrics.builder().optDistance(distance).optRankingDepth(Integer.MAX_VALUE)
                    .optBatchSize(1000).optGalleryBlockSize(50).build().compute(x, labels));
            for (RetrievalReport other : others) {
                assertEquals(reference.toMap().keySet(), other.toMap().keySet());
                for (String key : reference.toMap().keySet()) {
                    if (reference.toMap().get(key) instanceof Double expected) {
                        assertEquals(expected, (Double) other.toMap().get(key), 1e-12, key);
                    }
                }
                assertArrayEquals(reference.cmc(), other.cmc(), 1e-12);
            }
        }
    }

    /**
     * The distributed recipe (gallery partitions with offsets, merged top-k per query block,
     * accumulators per worker, merged) gives the single-JVM metrics.
     */
    @Test
    void partitionedEvaluationEqualsOneJvm() {
        Random random = new Random(9);
        int n = 300;
        float[][] x = new float[n][8];
        int[] labels = new int[n];
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(12);
            counts.merge(labels[i], 1, Integer::sum);
            for (int j = 0; j < 8; j++) {
                x[i][j] = (float) random.nextGaussian() + (j == labels[i] % 8 ? 1f : 0f);
            }
        }
        RetrievalReport single = RetrievalMetrics.builder().build().compute(x, labels);
        int k = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow() - 1;
        int[] cuts = {0, 100, 250, 300};
        RetrievalAccumulator[] workers = {new RetrievalAccumulator(k, RetrievalMetrics.DEFAULT_RECALL_AT_K,
                RetrievalMetrics.DEFAULT_CMC_RANKS), new RetrievalAccumulator(k, RetrievalMetrics.DEFAULT_RECALL_AT_K,
                RetrievalMetrics.DEFAULT_CMC_RANKS)};
        int depth = Math.min(workers[0].depth(), n - 1);
        for (int start = 0; start < n; start += 64) {
            final int s = start;
            int e = Math.min(n, s + 64);
            float[][] block = java.util.Arrays.copyOfRange(x, s, e);
            long[] self = new long[e - s];
            java.util.Arrays.setAll(self, i -> s + i);
            List<io.github.dml4j.index.TopK> parts = new ArrayList<>();
            for (int p = 0; p + 1 < cuts.length; p++) {
                try (io.github.dml4j.index.ExactSearch.Gallery g = io.github.dml4j.index.ExactSearch.builder().build()
                        .gallery(java.util.Arrays.copyOfRange(x, cuts[p], cuts[p + 1]), cuts[p])) {
                    parts.add(g.search(block, depth, self));
                }
            }
            io.github.dml4j.index.TopK merged = io.github.dml4j.index.TopK.merge(depth, parts);
            long[] relevant = new long[e - s];
            java.util.Arrays.setAll(relevant, i -> counts.get(labels[s + i]) - 1);
            workers[(s / 64) % 2].add(merged, java.util.Arrays.copyOfRange(labels, s, e), relevant,
                    id -> labels[(int) id]);
        }
        RetrievalReport distributed = workers[0].merge(workers[1]).report();
        assertEquals(single.toMap().keySet(), distributed.toMap().keySet());
        for (String key : single.toMap().keySet()) {
            if (single.toMap().get(key) instanceof Double expected) {
                assertEquals(expected, (Double) distributed.toMap().get(key), 1e-12, key);
            }
        }
        assertArrayEquals(single.cmc(), distributed.cmc(), 1e-12);
    }

    @Test
    void badInputGivesClearMessages() {
        RetrievalMetrics metrics = RetrievalMetrics.builder().build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray gallery = manager.create(GALLERY);
            assertMessage("The queries have dimension 3 but the gallery has dimension 1: both must come from the same"
                    + " embedding model.", () -> metrics.compute(manager.ones(new Shape(2, 3)), new int[2], gallery,
                    GALLERY_LABELS));
            assertMessage("The queries are empty (shape (0, 1)): at least one row of at least one value is needed.",
                    () -> metrics.compute(manager.zeros(new Shape(0, 1)), new int[0], gallery, GALLERY_LABELS));
            assertMessage("The query labels have 2 entries but the queries have 3 rows: give one label per query row.",
                    () -> metrics.compute(manager.create(QUERIES), new int[2], gallery, GALLERY_LABELS));
            assertMessage("The gallery labels have 3 entries but the gallery have 4 rows: give one label per gallery"
                    + " row.", () -> metrics.compute(manager.create(QUERIES), QUERY_LABELS, gallery, new int[3]));
        }
        assertMessage("The queries have dimension 2 but the gallery has dimension 1: both must come from the same"
                + " embedding model.", () -> metrics.compute(new float[][] {{1, 2}}, new int[1], GALLERY, GALLERY_LABELS,
                null));
        assertMessage("The queries are empty: at least one row of at least one value is needed.",
                () -> metrics.compute(new float[0][], new int[0], GALLERY, GALLERY_LABELS, null));
        assertMessage("k = 5 is larger than the gallery, which has 4 candidates per query.",
                () -> RetrievalMetrics.builder().optK(5).build().compute(QUERIES, QUERY_LABELS, GALLERY, GALLERY_LABELS,
                        null));
        assertMessage("k = 4 is larger than the gallery, which has 3 candidates per query (its 4 rows minus the"
                + " query's own).", () -> RetrievalMetrics.builder().optK(4).build().compute(new float[][] {{0f}},
                new int[] {0}, GALLERY, GALLERY_LABELS, new int[] {0}));
        assertMessage("The galleryRowOfQuery has 1 entries but there are 3 queries: give one per query (-1 when not in"
                + " the gallery).", () -> metrics.compute(QUERIES, QUERY_LABELS, GALLERY, GALLERY_LABELS, new int[1]));
        assertMessage("Query 1 is said to be gallery row 4, but the gallery has rows 0..3 (-1: not in the gallery).",
                () -> metrics.compute(QUERIES, QUERY_LABELS, GALLERY, GALLERY_LABELS, new int[] {0, 4, -1}));
        assertMessage("Query 1 has label 1 but its gallery row 0 has label 0: a query in the gallery must keep its"
                + " label.", () -> metrics.compute(QUERIES, QUERY_LABELS, GALLERY, GALLERY_LABELS, new int[] {0, 0, -1}));
        assertMessage("Row 1 of the embeddings has 2 values but row 0 has 1: the rows must all have the same length.",
                () -> metrics.compute(new float[][] {{1}, {1, 2}}, new int[2]));
        assertMessage("Every K of recallAtK must be at least 1, but got [0, 4].",
                () -> RetrievalMetrics.builder().optRecallAtK(0, 4).build());
        assertMessage("The cmcRanks must not be negative, but was -1.", () -> RetrievalMetrics.builder().optCmcRanks(-1)
                .build());
        assertMessage("The rankingDepth must be at least 1, or null for automatic, but was 0.",
                () -> RetrievalMetrics.builder().optRankingDepth(0).build());
    }

    private static void assertMessage(String expected, Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertEquals(expected, e.getMessage());
    }
}
