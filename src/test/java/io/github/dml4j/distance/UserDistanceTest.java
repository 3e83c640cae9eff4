package io.github.dml4j.distance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.eval.ThresholdClustering;
import io.github.dml4j.index.ExactIndex;
import io.github.dml4j.index.HnswIndex;
import io.github.dml4j.index.Neighbors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distances written outside the library: they work wherever their declared capabilities allow
 * and are refused, by name, where they do not.
 */
class UserDistanceTest {

    @TempDir Path dir;

    /** A cosine similarity of one's own, declared as an inner product of normalized rows. */
    static final class MyCosine implements Distance {
        @Override
        public NDArray pairwise(NDArray query, NDArray reference) {
            NDArray q = query.div(query.norm(new int[] {1}, true));
            NDArray r = reference.div(reference.norm(new int[] {1}, true));
            return q.matMul(r.transpose());
        }

        @Override
        public NDArray paired(NDArray a, NDArray b) {
            return a.mul(b).sum(new int[] {1}).div(a.norm(new int[] {1}).mul(b.norm(new int[] {1})));
        }

        @Override
        public boolean isInverted() {
            return true;
        }

        @Override
        public String name() {
            return "my_cosine";
        }

        @Override
        public boolean isNormalizeEmbeddings() {
            return true;
        }

        @Override
        public IndexMetric indexMetric() {
            return IndexMetric.INNER_PRODUCT;
        }
    }

    /** A squared Euclidean distance of one's own: it declares the metric and nothing else. */
    static class MySquaredL2 implements Distance {
        @Override
        public NDArray pairwise(NDArray query, NDArray reference) {
            return query.expandDims(1).sub(reference.expandDims(0)).square().sum(new int[] {2});
        }

        @Override
        public NDArray paired(NDArray a, NDArray b) {
            return a.sub(b).square().sum(new int[] {1});
        }

        @Override
        public boolean isInverted() {
            return false;
        }

        @Override
        public String name() {
            return "my_squared_l2";
        }

        @Override
        public IndexMetric indexMetric() {
            return IndexMetric.SQUARED_EUCLIDEAN;
        }
    }

    /** The Manhattan (L1) distance: no index computes it, so it declares nothing. */
    static final class Manhattan implements Distance {
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
            return "manhattan";
        }
    }

    /** Declares an inner product but says it is a distance: the two contradict each other. */
    static final class Contradictory implements Distance {
        @Override
        public NDArray pairwise(NDArray query, NDArray reference) {
            return query.matMul(reference.transpose()).neg();
        }

        @Override
        public NDArray paired(NDArray a, NDArray b) {
            return a.mul(b).sum(new int[] {1}).neg();
        }

        @Override
        public boolean isInverted() {
            return false;
        }

        @Override
        public String name() {
            return "negated_dot";
        }

        @Override
        public IndexMetric indexMetric() {
            return IndexMetric.INNER_PRODUCT;
        }
    }

    @Test
    void builtInDistancesDeclareTheirCapabilities() {
        assertCapabilities(new CosineSimilarity(), true, true, false, IndexMetric.INNER_PRODUCT);
        assertCapabilities(new DotProductSimilarity(), true, false, false, IndexMetric.INNER_PRODUCT);
        assertCapabilities(LpDistance.raw(), false, false, false, IndexMetric.EUCLIDEAN);
        assertCapabilities(LpDistance.normalized(), false, true, false, IndexMetric.EUCLIDEAN);
        assertCapabilities(Distance.named("squared_l2"), false, false, true, IndexMetric.SQUARED_EUCLIDEAN);
        assertCapabilities(Distance.named("squared_l2_normalized"), false, true, true, IndexMetric.SQUARED_EUCLIDEAN);
        for (String name : new String[] {"cosine", "dot", "l2", "l2_normalized", "squared_l2", "squared_l2_normalized"}) {
            assertEquals(name, Distance.named(name).name());
            assertTrue(IndexMetric.of(Distance.named(name)).isIndexable(), name);
        }
    }

    private static void assertCapabilities(
            Distance d, boolean inverted, boolean normalize, boolean squared, IndexMetric metric) {
        assertEquals(inverted, d.isInverted(), d.name());
        assertEquals(normalize, d.isNormalizeEmbeddings(), d.name());
        assertEquals(squared, d.isSquared(), d.name());
        assertEquals(metric, d.indexMetric(), d.name());
        assertEquals(metric, IndexMetric.of(d), d.name());
    }

    @Test
    void defaultsMakeADistanceNotIndexableAndNotSquared() {
        Manhattan l1 = new Manhattan();
        assertEquals(IndexMetric.NOT_INDEXABLE, l1.indexMetric());
        assertFalse(l1.isNormalizeEmbeddings());
        assertFalse(l1.isSquared());
        assertTrue(new MySquaredL2().isSquared(), "isSquared follows a declared SQUARED_EUCLIDEAN");
    }

    @Test
    void declaredDistanceSearchesInTheExactIndexAsTheBuiltInOne() {
        float[][] gallery = gaussian(300, 12, 1);
        float[][] queries = gaussian(20, 12, 2);
        long[] ids = new long[gallery.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 100 + i;
        }
        Distance[][] pairs = {
            {new MyCosine(), new CosineSimilarity()},
            {new MySquaredL2(), Distance.named("squared_l2")},
        };
        for (Distance[] pair : pairs) {
            try (ExactIndex mine = ExactIndex.builder().setDistance(pair[0]).optBlockSize(64).build();
                    ExactIndex theirs = ExactIndex.builder().setDistance(pair[1]).optBlockSize(64).build()) {
                mine.add(gallery, ids);
                theirs.add(gallery, ids);
                Neighbors got = mine.search(queries, 5);
                Neighbors want = theirs.search(queries, 5);
                for (int q = 0; q < queries.length; q++) {
                    assertArrayEquals(want.idsOf(q), got.idsOf(q), pair[0].name() + " query " + q);
                    assertArrayEquals(want.scoresOf(q), got.scoresOf(q), 1e-4f, pair[0].name() + " query " + q);
                }
            }
        }
    }

    @Test
    void indexScoresOfADeclaredDistanceMatchItsOwnPairwise() {
        float[][] gallery = gaussian(40, 5, 3);
        float[][] queries = gaussian(3, 5, 4);
        long[] ids = new long[gallery.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        for (Distance d : new Distance[] {new MyCosine(), new MySquaredL2()}) {
            try (ExactIndex index = ExactIndex.builder().setDistance(d).build();
                    NDManager manager = NDManager.newBaseManager()) {
                index.add(gallery, ids);
                Neighbors got = index.search(queries, 4);
                float[] scores = d.toScore(d.pairwise(manager.create(queries), manager.create(gallery))).toFloatArray();
                for (int q = 0; q < queries.length; q++) {
                    for (int j = 0; j < 4; j++) {
                        float want = scores[q * gallery.length + (int) got.id(q, j)];
                        assertEquals(want, got.score(q, j), 1e-4f, d.name() + " query " + q + " rank " + j);
                    }
                }
            }
        }
    }

    @Test
    void declaredDistanceWorksInHnswAndThresholdClustering() {
        float[][] gallery = gaussian(200, 8, 5);
        long[] ids = new long[gallery.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        try (HnswIndex mine = HnswIndex.builder().setDistance(new MyCosine()).optThreads(1).build();
                HnswIndex theirs = HnswIndex.builder().setDistance(new CosineSimilarity()).optThreads(1).build()) {
            mine.add(gallery, ids);
            theirs.add(gallery, ids);
            Neighbors got = mine.search(new float[][] {gallery[7]}, 3);
            Neighbors want = theirs.search(new float[][] {gallery[7]}, 3);
            assertArrayEquals(want.idsOf(0), got.idsOf(0));
            assertArrayEquals(want.scoresOf(0), got.scoresOf(0), 1e-5f);
        }
        ThresholdClustering.Result mine = ThresholdClustering.builder().setThreshold(0.5)
                .optDistance(new MyCosine()).build().cluster(gallery);
        ThresholdClustering.Result theirs = ThresholdClustering.builder().setThreshold(0.5)
                .optDistance(new CosineSimilarity()).build().cluster(gallery);
        assertEquals(theirs, mine);
    }

    @Test
    void anIndexOfADeclaredDistanceSavesAndLoadsWithThatDistance() throws IOException {
        float[][] gallery = gaussian(50, 4, 6);
        long[] ids = new long[gallery.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 2L * i;
        }
        MyCosine distance = new MyCosine();
        Path exactFile = dir.resolve("exact.idx");
        Path hnswFile = dir.resolve("hnsw.idx");
        Neighbors before;
        try (ExactIndex index = ExactIndex.builder().setDistance(distance).build();
                HnswIndex hnsw = HnswIndex.builder().setDistance(distance).optThreads(1).build()) {
            index.add(gallery, ids);
            hnsw.add(gallery, ids);
            before = index.search(gallery, 3);
            index.save(exactFile);
            hnsw.save(hnswFile);
        }
        try (ExactIndex loaded = ExactIndex.load(exactFile, ExactIndex.builder().setDistance(distance));
                HnswIndex hnsw = HnswIndex.load(hnswFile, distance)) {
            assertSame(distance, loaded.getDistance());
            assertSame(distance, hnsw.getDistance());
            Neighbors after = loaded.search(gallery, 3);
            for (int q = 0; q < gallery.length; q++) {
                assertArrayEquals(before.idsOf(q), after.idsOf(q));
                assertArrayEquals(before.scoresOf(q), after.scoresOf(q), 1e-6f);
            }
        }
        IOException exact = assertThrows(IOException.class, () -> ExactIndex.load(exactFile));
        assertTrue(exact.getMessage().contains("'my_cosine'"), exact.getMessage());
        IOException hnsw = assertThrows(IOException.class, () -> HnswIndex.load(hnswFile));
        assertTrue(hnsw.getMessage().contains("'my_cosine'"), hnsw.getMessage());
    }

    @Test
    void aDistanceNoIndexComputesWorksInTheRetrievalMetricsThroughPairwise() {
        // on one-dimensional embeddings the Manhattan distance is the Euclidean distance
        Random random = new Random(7);
        int n = 90;
        float[][] x = new float[n][1];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(4);
            x[i][0] = labels[i] + 0.6f * (float) random.nextGaussian();
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = manager.create(x);
            RetrievalReport l1 = RetrievalMetrics.builder().optDistance(new Manhattan()).optBatchSize(16).build()
                    .compute(embeddings, labels);
            RetrievalReport l2 = RetrievalMetrics.builder().optDistance(LpDistance.raw()).build()
                    .compute(embeddings, labels);
            assertEquals(l2.precisionAt1(), l1.precisionAt1(), 1e-12);
            assertEquals(l2.meanAveragePrecisionAtR(), l1.meanAveragePrecisionAtR(), 1e-12);
            assertEquals(l2.meanReciprocalRank(), l1.meanReciprocalRank(), 1e-12);
        }
    }

    @Test
    void aDeclaredDistanceRanksInTheRetrievalMetricsAsTheBuiltInOne() {
        Random random = new Random(9);
        int n = 120;
        float[][] x = new float[n][6];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(5);
            for (int j = 0; j < 6; j++) {
                x[i][j] = (float) random.nextGaussian() + (j == labels[i] ? 1f : 0f);
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = manager.create(x);
            RetrievalReport mine = RetrievalMetrics.builder().optDistance(new MyCosine()).build()
                    .compute(embeddings, labels);
            RetrievalReport theirs = RetrievalMetrics.builder().optDistance(new CosineSimilarity()).build()
                    .compute(embeddings, labels);
            assertEquals(theirs.precisionAt1(), mine.precisionAt1(), 1e-12);
            assertEquals(theirs.meanAveragePrecisionAtR(), mine.meanAveragePrecisionAtR(), 1e-12);
            assertEquals(theirs.meanAveragePrecision(), mine.meanAveragePrecision(), 1e-12);
            assertEquals(theirs.meanReciprocalRank(), mine.meanReciprocalRank(), 1e-12);
        }
    }

    @Test
    void aDistanceNoIndexComputesIsRefusedByNameWhereAnIndexIsNeeded() {
        Manhattan l1 = new Manhattan();
        assertRefused(() -> ExactIndex.builder().setDistance(l1).build(), "'manhattan'", "NOT_INDEXABLE");
        assertRefused(() -> HnswIndex.builder().setDistance(l1).build(), "'manhattan'", "NOT_INDEXABLE");
        assertRefused(() -> ThresholdClustering.builder().setThreshold(-1).optDistance(l1).build(),
                "'manhattan'", "ThresholdClustering");
        assertRefused(() -> HnswIndex.load(dir.resolve("none.idx"), l1), "'manhattan'", "NOT_INDEXABLE");
        assertRefused(() -> IndexMetric.requireIndexable(l1, "This component"),
                "This component cannot use the distance 'manhattan' (" + Manhattan.class.getName() + ")");
    }

    @Test
    void contradictoryCapabilitiesAreRefusedByName() {
        Contradictory d = new Contradictory();
        assertRefused(() -> IndexMetric.of(d), "'negated_dot'", "isInverted()");
        assertRefused(() -> ExactIndex.builder().setDistance(d).build(), "'negated_dot'", "INNER_PRODUCT");
        assertRefused(() -> RetrievalMetrics.builder().optDistance(d).build(), "'negated_dot'", "INNER_PRODUCT");
        Distance squaredButEuclidean = new MySquaredL2() {
            @Override
            public IndexMetric indexMetric() {
                return IndexMetric.EUCLIDEAN;
            }

            @Override
            public boolean isSquared() {
                return true;
            }
        };
        assertRefused(() -> IndexMetric.of(squaredButEuclidean), "'my_squared_l2'", "isSquared()");
    }

    private static void assertRefused(ThrowingRunnable action, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static float[][] gaussian(int n, int d, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        return x;
    }
}
