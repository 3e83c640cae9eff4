package io.github.dml4j.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.DotProductSimilarity;
import io.github.dml4j.distance.LpDistance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExactIndexTest {

    static final float[][] SQUARE = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    static final long[] SQUARE_IDS = {10, 11, 12, 13};

    @TempDir Path dir;

    @Test
    void handMadeEuclidean() {
        try (ExactIndex index = ExactIndex.builder().setDistance(LpDistance.raw()).build()) {
            index.add(SQUARE, SQUARE_IDS);
            Neighbors n = index.search(new float[][] {{2f, 0.5f}}, 4);
            assertArrayEquals(new long[] {10, 11, 13, 12}, n.idsOf(0));
            float[] expected = {
                (float) -Math.sqrt(1.25), (float) -Math.sqrt(4.25), (float) -Math.sqrt(6.25), (float) -Math.sqrt(9.25)
            };
            assertArrayEquals(expected, n.scoresOf(0), 1e-5f);
        }
    }

    @Test
    void handMadeCosine() {
        try (ExactIndex index = ExactIndex.builder().build()) {
            index.add(SQUARE, SQUARE_IDS);
            Neighbors n = index.search(new float[][] {{0.9f, 0.1f}, {-1f, -3f}}, 2);
            assertArrayEquals(new long[] {10, 11}, n.idsOf(0));
            assertArrayEquals(new long[] {13, 12}, n.idsOf(1));
            assertEquals(0.9 / Math.sqrt(0.82), n.score(0, 0), 1e-5);
            assertEquals(3 / Math.sqrt(10), n.score(1, 0), 1e-5);
        }
    }

    @Test
    void equalsBruteForceForEveryDistance() {
        float[][] gallery = IndexTestData.gaussian(500, 16, 1);
        float[][] queries = IndexTestData.gaussian(37, 16, 2);
        long[] ids = IndexTestData.ids(500, 1000);
        Object[][] cases = {
            {new CosineSimilarity(), "cosine"},
            {new DotProductSimilarity(), "dot"},
            {LpDistance.raw(), "l2"},
            {LpDistance.builder().optNormalizeEmbeddings(false).optSquared(true).build(), "l2sq"},
        };
        for (Object[] c : cases) {
            try (ExactIndex index = ExactIndex.builder()
                    .setDistance((Distance) c[0]).optBatchSize(10).optBlockSize(64).build()) {
                index.add(gallery, ids);
                Neighbors got = index.search(queries, 7);
                Neighbors want = IndexTestData.bruteForce(gallery, ids, queries, 7, (String) c[1]);
                for (int q = 0; q < queries.length; q++) {
                    assertArrayEquals(want.idsOf(q), got.idsOf(q), c[1] + " query " + q);
                    float tol = c[1].equals("l2sq") || c[1].equals("dot") ? 1e-3f : 1e-4f;
                    assertArrayEquals(want.scoresOf(q), got.scoresOf(q), tol, c[1] + " query " + q);
                }
            }
        }
    }

    @Test
    void blockingAndBatchingGiveTheSameResult() {
        float[][] gallery = IndexTestData.gaussian(1000, 24, 3);
        float[][] queries = IndexTestData.gaussian(50, 24, 4);
        long[] ids = IndexTestData.ids(1000, 7);
        Neighbors one;
        try (ExactIndex index = ExactIndex.builder().setDistance(LpDistance.normalized())
                .optBlockSize(5000).optBatchSize(1000).build()) {
            index.add(gallery, ids);
            one = index.search(queries, 10);
        }
        try (ExactIndex index = ExactIndex.builder().setDistance(LpDistance.normalized())
                .optBlockSize(97).optBatchSize(8).build()) {
            // several adds that fill a partial last block
            index.add(Arrays.copyOfRange(gallery, 0, 150), Arrays.copyOfRange(ids, 0, 150));
            index.add(Arrays.copyOfRange(gallery, 150, 151), Arrays.copyOfRange(ids, 150, 151));
            index.add(Arrays.copyOfRange(gallery, 151, 1000), Arrays.copyOfRange(ids, 151, 1000));
            assertEquals(1000, index.size());
            Neighbors blocked = index.search(queries, 10);
            for (int q = 0; q < queries.length; q++) {
                assertArrayEquals(one.idsOf(q), blocked.idsOf(q));
                assertArrayEquals(one.scoresOf(q), blocked.scoresOf(q), 1e-6f);
            }
        }
    }

    @Test
    void ndArrayInputMatchesFloatArrays() {
        float[][] gallery = IndexTestData.gaussian(200, 8, 5);
        float[][] queries = IndexTestData.gaussian(5, 8, 6);
        long[] ids = IndexTestData.ids(200, 0);
        try (NDManager m = NDManager.newBaseManager();
                ExactIndex a = ExactIndex.builder().build();
                ExactIndex b = ExactIndex.builder().build()) {
            a.add(gallery, ids);
            NDArray g = m.create(gallery);
            b.add(g, ids);
            assertEquals(a.search(queries, 3), b.search(m.create(queries), 3));
            assertEquals(200, g.getShape().get(0)); // input untouched
        }
    }

    @Test
    void saveLoadRoundTrip() throws IOException {
        float[][] gallery = IndexTestData.gaussian(300, 12, 7);
        float[][] queries = IndexTestData.gaussian(20, 12, 8);
        long[] ids = IndexTestData.ids(300, -50);
        for (Distance distance : new Distance[] {new CosineSimilarity(), LpDistance.raw()}) {
            Path file = dir.resolve("exact-" + distance.name() + ".idx");
            Neighbors before;
            try (ExactIndex index = ExactIndex.builder().setDistance(distance).optBlockSize(128).build()) {
                index.add(gallery, ids);
                before = index.search(queries, 5);
                index.save(file);
            }
            try (ExactIndex loaded = ExactIndex.load(file)) {
                assertEquals(300, loaded.size());
                assertEquals(12, loaded.dimension());
                assertEquals(distance.name(), loaded.getDistance().name());
                Neighbors after = loaded.search(queries, 5);
                for (int q = 0; q < queries.length; q++) {
                    assertArrayEquals(before.idsOf(q), after.idsOf(q));
                    assertArrayEquals(before.scoresOf(q), after.scoresOf(q), 1e-6f);
                }
            }
        }
    }

    @Test
    void badInputIsReported() {
        try (ExactIndex index = ExactIndex.builder().build()) {
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                    () -> index.search(new float[][] {{1, 2}}, 1));
            assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
            index.add(SQUARE, SQUARE_IDS);
            IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
                    () -> index.search(new float[][] {{1, 2, 3}}, 1));
            assertTrue(dim.getMessage().contains("dimension 3"), dim.getMessage());
            assertThrows(IllegalArgumentException.class, () -> index.add(new float[][] {{1, 2, 3}}, new long[] {1}));
            assertThrows(IllegalArgumentException.class, () -> index.add(new float[][] {{1, 2}}, new long[] {1, 2}));
            assertThrows(IllegalArgumentException.class, () -> index.add(new float[][] {{1, 2}, {1}}, new long[] {1, 2}));
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                    () -> index.search(new float[][] {{1, 2}}, 0));
            assertTrue(zero.getMessage().contains("at least 1"), zero.getMessage());
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> index.search(new float[][] {{1, 2}}, 5));
            assertTrue(big.getMessage().contains("holds 4"), big.getMessage());
            assertEquals(4, index.size());
        }
        assertThrows(IllegalArgumentException.class, () -> ExactIndex.builder().optBlockSize(0).build());
    }

    @Test
    void badFilesNameTheFile() throws IOException {
        Path missing = dir.resolve("missing.idx");
        IOException e1 = assertThrows(IOException.class, () -> ExactIndex.load(missing));
        assertTrue(e1.getMessage().contains("missing.idx"), e1.getMessage());

        Path garbage = dir.resolve("garbage.idx");
        Files.write(garbage, "not an index at all".getBytes());
        IOException e2 = assertThrows(IOException.class, () -> ExactIndex.load(garbage));
        assertTrue(e2.getMessage().contains("garbage.idx") && e2.getMessage().contains("not an exact index"),
                e2.getMessage());

        Path good = dir.resolve("good.idx");
        try (ExactIndex index = ExactIndex.builder().build()) {
            index.add(SQUARE, SQUARE_IDS);
            index.save(good);
        }
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.idx");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 5));
        IOException e3 = assertThrows(IOException.class, () -> ExactIndex.load(truncated));
        assertTrue(e3.getMessage().contains("truncated.idx") && e3.getMessage().contains("truncated"),
                e3.getMessage());

        Path cutHeader = dir.resolve("cut-header.idx");
        Files.write(cutHeader, Arrays.copyOf(bytes, 20));
        IOException e4 = assertThrows(IOException.class, () -> ExactIndex.load(cutHeader));
        assertTrue(e4.getMessage().contains("cut-header.idx"), e4.getMessage());

        Path badJson = dir.resolve("bad-json.idx");
        byte[] corrupt = bytes.clone();
        corrupt[12] = '#';
        Files.write(badJson, corrupt);
        IOException e5 = assertThrows(IOException.class, () -> ExactIndex.load(badJson));
        assertTrue(e5.getMessage().contains("bad-json.idx") && e5.getMessage().contains("corrupt"), e5.getMessage());

        // an HNSW file is not an exact index file
        Path hnsw = dir.resolve("graph.hnsw");
        try (HnswIndex index = HnswIndex.builder().build()) {
            index.add(SQUARE, SQUARE_IDS);
            index.save(hnsw);
        }
        IOException e6 = assertThrows(IOException.class, () -> ExactIndex.load(hnsw));
        assertTrue(e6.getMessage().contains("graph.hnsw"), e6.getMessage());
    }
}
