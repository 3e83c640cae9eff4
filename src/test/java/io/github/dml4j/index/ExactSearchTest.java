package io.github.dml4j.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.DotProductSimilarity;
import io.github.dml4j.distance.LpDistance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExactSearchTest {

    private static final int D = 8;

    /** Brute force in double with the order of TopK: score descending, then id ascending. */
    private static TopK bruteForce(float[][] gallery, float[][] queries, int k, String kind, long[] excluded) {
        long[][] ids = new long[queries.length][];
        double[][] scores = new double[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            List<double[]> all = new ArrayList<>();
            for (int i = 0; i < gallery.length; i++) {
                if (excluded != null && excluded[q] == i) {
                    continue;
                }
                all.add(new double[] {score(queries[q], gallery[i], kind), i});
            }
            all.sort((a, b) -> TopK.compare(a[0], (long) a[1], b[0], (long) b[1]));
            int n = Math.min(k, all.size());
            ids[q] = new long[n];
            scores[q] = new double[n];
            for (int r = 0; r < n; r++) {
                ids[q][r] = (long) all.get(r)[1];
                scores[q][r] = all.get(r)[0];
            }
        }
        return new TopK(ids, scores);
    }

    private static double score(float[] q, float[] g, String kind) {
        double qq = 0;
        double gg = 0;
        for (int j = 0; j < q.length; j++) {
            qq += (double) q[j] * q[j];
            gg += (double) g[j] * g[j];
        }
        boolean normalize = kind.equals("cosine") || kind.equals("l2norm");
        double qi = normalize ? 1 / Math.max(Math.sqrt(qq), 1e-12f) : 1;
        double gi = normalize ? 1 / Math.max(Math.sqrt(gg), 1e-12f) : 1;
        double dot = 0;
        double d2 = 0;
        for (int j = 0; j < q.length; j++) {
            dot += (q[j] * qi) * (g[j] * gi);
            double diff = q[j] * qi - g[j] * gi;
            d2 += diff * diff;
        }
        return switch (kind) {
            case "cosine", "dot" -> dot;
            case "l2", "l2norm" -> -Math.sqrt(d2);
            case "l2sq" -> -d2;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @Test
    void equalsBruteForceForEveryIndexableDistance() {
        float[][] gallery = IndexTestData.gaussian(300, D, 1);
        float[][] queries = IndexTestData.gaussian(40, D, 2);
        Distance[] distances = {LpDistance.raw(), LpDistance.builder().optNormalizeEmbeddings(false).optSquared(true)
            .build(), LpDistance.normalized(), new CosineSimilarity(), new DotProductSimilarity()};
        String[] kinds = {"l2", "l2sq", "l2norm", "cosine", "dot"};
        for (int i = 0; i < distances.length; i++) {
            ExactSearch search = ExactSearch.builder().optDistance(distances[i]).optQueryBlockSize(16)
                    .optGalleryBlockSize(70).build();
            try (ExactSearch.Gallery g = search.gallery(gallery, 0L)) {
                TopK top = g.search(queries, 12, null);
                TopK expected = bruteForce(gallery, queries, 12, kinds[i], null);
                for (int q = 0; q < queries.length; q++) {
                    assertArrayEquals(expected.idsOf(q), top.idsOf(q), kinds[i] + " query " + q);
                    assertArrayEquals(expected.scoresOf(q), top.scoresOf(q), 0.0, kinds[i] + " query " + q);
                }
                assertEquals(expected, top, kinds[i]);
            }
        }
    }

    /**
     * The all-against-all search, each pair scored once, equals searchRows over every row for
     * each distance: 4,500 rows make three blocks of the search (2,048 rows), so scores reach
     * rows both as their own and as columns, through many cuts of the candidates (k 25).
     */
    @Test
    void searchAllEqualsSearchRowsOverEveryRow() {
        float[][] gallery = IndexTestData.gaussian(4500, D, 5);
        Distance squared = LpDistance.builder().optNormalizeEmbeddings(false).optSquared(true).build();
        for (Distance distance : new Distance[] {LpDistance.raw(), LpDistance.normalized(), squared,
                new CosineSimilarity(), new DotProductSimilarity()}) {
            int[][] splits = distance == squared ? new int[][] {{256, 700}, {3000, 65_536}} : new int[][] {{256, 700}};
            for (int[] blocks : splits) {
                ExactSearch search = ExactSearch.builder().optDistance(distance).optQueryBlockSize(blocks[0])
                        .optGalleryBlockSize(blocks[1]).build();
                try (ExactSearch.Gallery g = search.gallery(gallery, 40L)) {
                    for (boolean excludeSelf : new boolean[] {true, false}) {
                        String what = distance.name() + " blocks " + Arrays.toString(blocks) + " self excluded "
                                + excludeSelf;
                        assertEquals(g.searchRows(0, gallery.length, 25, excludeSelf), g.searchAll(25, excludeSelf),
                                what);
                    }
                }
            }
        }
        float[][] small = Arrays.copyOf(gallery, 300);
        try (ExactSearch.Gallery g = ExactSearch.builder().optGalleryBlockSize(11).build().gallery(small, 0L)) {
            long[] self = new long[small.length];
            Arrays.setAll(self, i -> i);
            assertEquals(bruteForce(small, small, 10, "l2", self), g.searchAll(10, true));
            assertEquals(bruteForce(small, small, 400, "l2", null), g.searchAll(400, false), "k above the rows");
            assertThrows(IllegalArgumentException.class, () -> g.searchAll(0, true));
        }
    }

    /** Any split of queries and gallery, merged with offsets, gives the unsplit result exactly. */
    @Test
    void partitionsMergeIntoTheUnsplitResult() {
        float[][] gallery = IndexTestData.gaussian(257, D, 3);
        int k = 20;
        long[] self = new long[gallery.length];
        Arrays.setAll(self, i -> i);
        TopK whole;
        try (ExactSearch.Gallery g = ExactSearch.builder().build().gallery(gallery, 0L)) {
            whole = g.search(gallery, k, self);
            assertEquals(whole, g.searchRows(0, gallery.length, k, true), "searchRows = search with self excluded");
            assertEquals(whole.rows(100, 140), g.searchRows(100, 140, k, true));
        }
        assertEquals(bruteForce(gallery, gallery, k, "l2", self), whole);
        int[] cuts = {0, 13, 100, 101, 257};
        List<TopK> parts = new ArrayList<>();
        for (int p = 0; p + 1 < cuts.length; p++) {
            float[][] part = Arrays.copyOfRange(gallery, cuts[p], cuts[p + 1]);
            ExactSearch search = ExactSearch.builder().optQueryBlockSize(7 + p).optGalleryBlockSize(5 + 3 * p).build();
            try (ExactSearch.Gallery g = search.gallery(part, cuts[p])) {
                parts.add(g.search(gallery, k, self));
            }
        }
        assertEquals(1, parts.get(2).size(0), "a one-row partition holds one candidate...");
        assertEquals(0, parts.get(2).size(100), "... or none for the query that is that row");
        TopK merged = TopK.merge(k, parts);
        assertEquals(whole, merged);
        // the same through withOffset on partitions searched with ids from 0
        List<TopK> shifted = new ArrayList<>();
        for (int p = 0; p + 1 < cuts.length; p++) {
            try (ExactSearch.Gallery g = ExactSearch.builder().build()
                    .gallery(Arrays.copyOfRange(gallery, cuts[p], cuts[p + 1]), 0L)) {
                long[] localSelf = new long[gallery.length];
                for (int q = 0; q < gallery.length; q++) {
                    localSelf[q] = self[q] - cuts[p];
                }
                shifted.add(g.search(gallery, k, localSelf).withOffset(cuts[p]));
            }
        }
        assertEquals(whole, TopK.merge(k, shifted));
    }

    @Test
    void tiesAreBrokenBySmallerGalleryId() {
        // rows 1, 3 and 4 are the same vector; row 0 is the query's own copy
        float[][] gallery = {{1, 0}, {0, 1}, {5, 5}, {0, 1}, {0, 1}, {1, 0.5f}};
        float[][] query = {{1, 0}};
        try (ExactSearch.Gallery g = ExactSearch.builder().build().gallery(gallery, 10L)) {
            TopK top = g.search(query, 5, new long[] {10});
            assertArrayEquals(new long[] {15, 11, 13, 14, 12}, top.idsOf(0));
            assertEquals(-0.5, top.score(0, 0), 1e-12);
            assertEquals(-Math.sqrt(2), top.score(0, 1), 1e-7);
            assertEquals(top.score(0, 1), top.score(0, 3), 0.0);
            // k larger than the candidates: all of them
            assertEquals(5, g.search(query, 50, new long[] {10}).size(0));
            assertEquals(6, g.search(query, 50, null).size(0));
        }
        // many exact ties: the split does not matter
        float[][] same = new float[40][];
        Arrays.setAll(same, i -> new float[] {i % 2, 1});
        TopK whole;
        try (ExactSearch.Gallery g = ExactSearch.builder().build().gallery(same, 0L)) {
            whole = g.search(new float[][] {{0, 1}}, 5, null);
        }
        assertArrayEquals(new long[] {0, 2, 4, 6, 8}, whole.idsOf(0));
    }

    /** A distance the JVM cannot recompute is ranked by its engine scores, ties by id. */
    @Test
    void nonIndexableDistanceGoesThroughPairwise() {
        Distance manhattan = new Distance() {
            @Override
            public NDArray pairwise(NDArray query, NDArray reference) {
                return query.expandDims(1).sub(reference.expandDims(0)).abs().sum(new int[] {2});
            }

            @Override
            public NDArray paired(NDArray a, NDArray b) {
                return a.sub(b).abs().sum(new int[] {1});
            }

            @Override
            public boolean isInverted() {
                return false;
            }

            @Override
            public String name() {
                return "l1";
            }
        };
        float[][] gallery = {{0, 0}, {1, 1}, {2, 0}, {0, 2}, {3, 3}};
        try (ExactSearch.Gallery g = ExactSearch.builder().optDistance(manhattan).optGalleryBlockSize(2).build()
                .gallery(gallery, 0L)) {
            TopK top = g.search(new float[][] {{0, 0}}, 4, new long[] {0});
            assertArrayEquals(new long[] {1, 2, 3, 4}, top.idsOf(0)); // 1, 2, 3 all at L1 distance 2
            assertArrayEquals(new double[] {-2, -2, -2, -6}, top.scoresOf(0), 1e-6);
        }
    }

    @Test
    void badInputGivesClearMessages() {
        ExactSearch search = ExactSearch.builder().build();
        assertMessage("The gallery is empty: give at least one row.", () -> search.gallery(new float[0], 4, 0L));
        assertMessage("The gallery has 7 values, which is not a whole number of rows of dimension 4.",
                () -> search.gallery(new float[7], 4, 0L));
        assertMessage("The firstId must not be negative, but was -1.", () -> search.gallery(new float[4], 4, -1L));
        float[] nan = new float[8];
        nan[6] = Float.NaN;
        assertMessage("Row 1 of the gallery holds a non-finite value (NaN at column 2).", () -> search.gallery(nan, 4, 0L));
        try (ExactSearch.Gallery g = search.gallery(new float[][] {{1, 2, 3, 4}, {4, 3, 2, 1}}, 0L)) {
            assertMessage("The query set is empty: give at least one query row.", () -> g.search(new float[0], 1, null));
            assertMessage("The queries have 3 values, which is not a whole number of rows of the gallery's dimension 4.",
                    () -> g.search(new float[3], 1, null));
            assertMessage("The queries have dimension 3 but the index holds 4-dimensional embeddings.",
                    () -> g.search(new float[][] {{1, 2, 3}}, 1, null));
            assertMessage("k must be at least 1, but was 0.", () -> g.search(new float[4], 0, null));
            assertMessage("There are 2 excluded ids for 1 queries: give one per query (-1 for none).",
                    () -> g.search(new float[4], 1, new long[2]));
            assertMessage("The query rows 1..1 are empty or outside the gallery's rows 0..2.",
                    () -> g.searchRows(1, 1, 1, true));
        }
        assertMessage("The queryBlockSize must be at least 1, but was 0.",
                () -> ExactSearch.builder().optQueryBlockSize(0).build());
        assertMessage("The galleryBlockSize must be at least 1, but was 0.",
                () -> ExactSearch.builder().optGalleryBlockSize(0).build());
        assertMessage("The candidateSlack must not be negative, but was -1.",
                () -> ExactSearch.builder().optCandidateSlack(-1).build());
        assertMessage("The distance must not be null; use LpDistance.raw() for plain Euclidean.",
                () -> ExactSearch.builder().optDistance(null).build());
    }

    @Test
    void topKChecksAndMergeErrors() {
        assertMessage("Row 0 is not sorted at rank 1: entries must be ordered by score (higher first), then by id"
                + " (smaller first), without duplicates.",
                () -> new TopK(new long[][] {{1, 0}}, new double[][] {{0.5, 0.5}}));
        assertMessage("Row 0 has 2 ids and 1 scores: give one score per id.",
                () -> new TopK(new long[][] {{1, 0}}, new double[][] {{0.5}}));
        TopK a = new TopK(new long[][] {{0, 1}}, new double[][] {{0.9, 0.1}});
        TopK b = new TopK(new long[][] {{1}}, new double[][] {{0.1}});
        assertMessage("Gallery id 1 appears in two parts for query 0: the partitions must be disjoint (did you forget"
                + " their offsets?).", () -> TopK.merge(3, a, b));
        TopK two = new TopK(new long[][] {{5}, {6}}, new double[][] {{0.2}, {0.3}});
        assertMessage("Part 1 has 2 queries but part 0 has 1: merge results of the same queries.",
                () -> TopK.merge(3, a, two));
        assertMessage("k must be at least 1, but was 0.", () -> TopK.merge(0, a));
        assertMessage("There are no parts to merge: give at least one TopK.", () -> TopK.merge(1, List.of()));
        // equal scores across parts: the smaller id first
        TopK c = new TopK(new long[][] {{7, 2}}, new double[][] {{0.9, 0.1}});
        TopK d = new TopK(new long[][] {{3, 4}}, new double[][] {{0.9, 0.5}});
        TopK merged = TopK.merge(3, c, d);
        assertArrayEquals(new long[] {3, 7, 4}, merged.idsOf(0));
        assertTrue(merged.toNeighbors().recallAgainst(merged.toNeighbors()) == 1.0);
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertEquals(expected, e.getMessage());
    }
}
