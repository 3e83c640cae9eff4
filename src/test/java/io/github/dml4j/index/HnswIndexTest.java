package io.github.dml4j.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.distance.CosineSimilarity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HnswIndexTest {

    @TempDir Path dir;

    @Test
    void handMadeEuclideanAndCosine() {
        try (HnswIndex index = HnswIndex.builder().setDistance(LpDistance.raw()).build()) {
            index.add(ExactIndexTest.SQUARE, ExactIndexTest.SQUARE_IDS);
            Neighbors n = index.search(new float[][] {{2f, 0.5f}}, 4);
            assertArrayEquals(new long[] {10, 11, 13, 12}, n.idsOf(0));
            assertEquals(-Math.sqrt(1.25), n.score(0, 0), 1e-5);
            assertEquals(-Math.sqrt(9.25), n.score(0, 3), 1e-5);
        }
        try (HnswIndex index = HnswIndex.builder().build()) {
            index.add(ExactIndexTest.SQUARE, ExactIndexTest.SQUARE_IDS);
            Neighbors n = index.search(new float[][] {{0.9f, 0.1f}, {-1f, -3f}}, 2);
            assertArrayEquals(new long[] {10, 11}, n.idsOf(0));
            assertArrayEquals(new long[] {13, 12}, n.idsOf(1));
            assertEquals(0.9 / Math.sqrt(0.82), n.score(0, 0), 1e-5);
            assertEquals(3 / Math.sqrt(10), n.score(1, 0), 1e-5);
        }
    }

    @Test
    void recallAtTenAgainstExactOnTenThousandRandomVectors() {
        float[][] gallery = IndexTestData.gaussian(10_000, 64, 11);
        float[][] queries = IndexTestData.gaussian(200, 64, 12);
        long[] ids = IndexTestData.ids(10_000, 0);
        for (Distance distance : new Distance[] {new CosineSimilarity(), LpDistance.raw()}) {
            Neighbors exact;
            try (ExactIndex index = ExactIndex.builder().setDistance(distance).build()) {
                index.add(gallery, ids);
                exact = index.search(queries, 10);
            }
            try (HnswIndex index = HnswIndex.builder().setDistance(distance)
                    .optM(32).optEfConstruction(200).optEf(300).build()) {
                index.add(gallery, ids);
                Neighbors approx = index.search(queries, 10);
                double recall = approx.recallAgainst(exact);
                assertTrue(recall >= 0.99, distance.name() + " recall@10 = " + recall);
                // scores on the same scale as the exact index
                for (int q = 0; q < queries.length; q++) {
                    if (approx.id(q, 0) == exact.id(q, 0)) {
                        assertEquals(exact.score(q, 0), approx.score(q, 0), 1e-4, distance.name());
                    }
                }
            }
        }
    }

    @Test
    void saveLoadRoundTrip() throws IOException {
        float[][] gallery = IndexTestData.gaussian(2000, 32, 13);
        float[][] queries = IndexTestData.gaussian(30, 32, 14);
        long[] ids = IndexTestData.ids(2000, 5);
        Path file = dir.resolve("index.hnsw");
        Neighbors before;
        try (HnswIndex index = HnswIndex.builder().optEf(64).build()) {
            index.add(gallery, ids);
            before = index.search(queries, 10);
            index.save(file);
        }
        try (HnswIndex loaded = HnswIndex.load(file)) {
            assertEquals(2000, loaded.size());
            assertEquals(32, loaded.dimension());
            assertEquals(64, loaded.getEf());
            assertEquals("cosine", loaded.getDistance().name());
            assertEquals(before, loaded.search(queries, 10));
            // still usable: add more after load
            loaded.add(new float[][] {queries[0]}, new long[] {-1});
            assertEquals(-1, loaded.search(new float[][] {queries[0]}, 1).id(0, 0));
        }
    }

    @Test
    void badInputIsReported() throws IOException {
        try (HnswIndex index = HnswIndex.builder().build()) {
            index.add(ExactIndexTest.SQUARE, ExactIndexTest.SQUARE_IDS);
            IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                    () -> index.add(new float[][] {{1, 1}}, new long[] {11}));
            assertTrue(dup.getMessage().contains("11"), dup.getMessage());
            IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
                    () -> index.search(new float[][] {{1, 2, 3}}, 1));
            assertTrue(dim.getMessage().contains("dimension 3"), dim.getMessage());
            assertThrows(IllegalArgumentException.class, () -> index.search(new float[][] {{1, 2}}, 0));
            assertThrows(IllegalArgumentException.class, () -> index.search(new float[][] {{1, 2}}, 5));
            assertEquals(4, index.size());
        }
        Path good = dir.resolve("good.hnsw");
        try (HnswIndex index = HnswIndex.builder().build()) {
            index.add(ExactIndexTest.SQUARE, ExactIndexTest.SQUARE_IDS);
            index.save(good);
        }
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("truncated.hnsw");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 40));
        IOException e1 = assertThrows(IOException.class, () -> HnswIndex.load(truncated));
        assertTrue(e1.getMessage().contains("truncated.hnsw"), e1.getMessage());

        Path garbage = dir.resolve("garbage.hnsw");
        Files.write(garbage, "DML4JHNSxxxxxxxxxxxxxxxxxxxxxxxxx".getBytes());
        IOException e2 = assertThrows(IOException.class, () -> HnswIndex.load(garbage));
        assertTrue(e2.getMessage().contains("garbage.hnsw"), e2.getMessage());

        IOException e3 = assertThrows(IOException.class, () -> HnswIndex.load(dir.resolve("nope.hnsw")));
        assertTrue(e3.getMessage().contains("nope.hnsw"), e3.getMessage());
    }
}
