package io.github.dml4j.eval;

import io.github.dml4j.Golden;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {

    @Test
    void matchesPytorchMetricLearning() {
        JsonObject retrieval = Golden.object("retrieval");
        JsonObject expected = retrieval.getAsJsonObject("query_is_reference_self_excluded_l2");
        int[] labels = Golden.ints(retrieval.getAsJsonArray("labels"));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = manager.create(Golden.floats(retrieval.getAsJsonArray("embeddings")));
            RetrievalReport report = RetrievalMetrics.builder().build().compute(embeddings, labels);
            assertEquals(expected.get("precision_at_1").getAsDouble(), report.precisionAt1(), 1e-5);
            assertEquals(expected.get("r_precision").getAsDouble(), report.rPrecision(), 1e-5);
            assertEquals(expected.get("mean_average_precision_at_r").getAsDouble(), report.meanAveragePrecisionAtR(), 1e-5);
            assertEquals(expected.get("mean_average_precision").getAsDouble(), report.meanAveragePrecision(), 1e-5);
            assertEquals(expected.get("mean_reciprocal_rank").getAsDouble(), report.meanReciprocalRank(), 1e-5);
            assertEquals(300, report.evaluatedQueries() + report.loneQueries());
            assertFalse(embeddings.isReleased(), "the caller's array stays open");
            assertEquals(manager, embeddings.getManager(), "and in its manager");
        }
    }

    /**
     * Six points on a line, labels a a b a b b. Distances are |i - j| on positions 0, 1, 2, 3, 10, 11.
     * Worked by hand below.
     */
    @Test
    void handWorkedExample() {
        float[][] points = {{0}, {1}, {2}, {3}, {10}, {11}};
        int[] labels = {0, 0, 1, 0, 1, 1};
        // k = largest class size - 1 = 2; R = 2 for everyone.
        // q0 (a): neighbours 1(a), 2(b)             -> P@1 1, RP 1/2, AP@R (1/1)/2 = 1/2, RR 1
        // q1 (a): neighbours 0(a) or 2(b) tie at 1  -> choose by index? avoid: see below
        // to avoid ties the positions are perturbed: use 0, 1, 2.1, 3.3, 10, 11
        points = new float[][] {{0f}, {1f}, {2.1f}, {3.3f}, {10f}, {11f}};
        // q0 (a): 1(a) d1, 2(b) d2.1                -> P@1 1, RP 1/2, MAP@R 1/2, RR 1
        // q1 (a): 0(a) d1, 2(b) d1.1                -> 1, 1/2, 1/2, 1
        // q2 (b): 1(a) d1.1, 3(a) d1.2              -> 0, 0, 0, 0 (no match within k)
        // q3 (a): 2(b) d1.2, 1(a) d2.3              -> 0, 1/2, (1/2)/2 = 1/4, 1/2
        // q4 (b): 5(b) d1, 3(a) d6.7                -> 1, 1/2, 1/2, 1
        // q5 (b): 4(b) d1, 3(a) d7.7                -> 1, 1/2, 1/2, 1
        try (NDManager manager = NDManager.newBaseManager()) {
            RetrievalReport r = RetrievalMetrics.builder().build().compute(manager.create(points), labels);
            assertEquals(2, r.k());
            assertEquals(4.0 / 6, r.precisionAt1(), 1e-12);
            assertEquals(2.5 / 6, r.rPrecision(), 1e-12);
            assertEquals(2.25 / 6, r.meanAveragePrecisionAtR(), 1e-12);
            assertEquals(4.5 / 6, r.meanReciprocalRank(), 1e-12);
        }
    }

    @Test
    void loneQueriesAreLeftOut() {
        // labels 0 0 1: query 2 is alone in its class; queries 0 and 1 find each other first.
        float[][] points = {{0f, 0f}, {1f, 0f}, {0.4f, 0f}};
        try (NDManager manager = NDManager.newBaseManager()) {
            RetrievalReport r = RetrievalMetrics.builder().build().compute(manager.create(points), new int[] {0, 0, 1});
            assertEquals(2, r.evaluatedQueries());
            assertEquals(1, r.loneQueries());
            assertEquals(1, r.k());
            // q0: nearest is 2 (d 0.4) -> miss; q1: nearest is 2 (d 0.6) -> miss
            assertEquals(0.0, r.precisionAt1(), 1e-12);
            // all singletons: nothing to evaluate
            RetrievalReport none = RetrievalMetrics.builder().build().compute(manager.create(points), new int[] {0, 1, 2});
            assertTrue(Double.isNaN(none.precisionAt1()));
            assertEquals(3, none.loneQueries());
            assertFalse(none.toMap().containsKey(RetrievalReport.PRECISION_AT_1));
        }
    }

    @Test
    void chunkedEqualsUnchunked() {
        Random random = new Random(7);
        int n = 203;
        float[][] x = new float[n][12];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(9);
            for (int j = 0; j < 12; j++) {
                x[i][j] = (float) random.nextGaussian() + (j == labels[i] ? 3f : 0f);
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = manager.create(x);
            for (Distance distance : new Distance[] {LpDistance.raw(), new CosineSimilarity()}) {
                RetrievalReport small = RetrievalMetrics.builder().optDistance(distance).optBatchSize(7).build()
                        .compute(embeddings, labels);
                RetrievalReport large = RetrievalMetrics.builder().optDistance(distance).optBatchSize(1000).build()
                        .compute(embeddings, labels);
                assertSameMetrics(large, small);
                assertTrue(large.precisionAt1() > 0.3, "the classes are separable: " + large);
            }
        }
    }

    /** The one-matmul ranking for LpDistance/CosineSimilarity orders as the full distance does. */
    @Test
    void fastRankingAgreesWithGenericDistance() {
        Random random = new Random(11);
        int n = 150;
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
            for (Distance distance : new Distance[] {LpDistance.raw(), LpDistance.normalized(), new CosineSimilarity()}) {
                RetrievalReport fast = RetrievalMetrics.builder().optDistance(distance).build().compute(embeddings, labels);
                RetrievalReport generic = RetrievalMetrics.builder().optDistance(new Wrapped(distance)).optBatchSize(16)
                        .build().compute(embeddings, labels);
                assertSameMetrics(generic, fast);
            }
        }
    }

    /** Equal up to the order of floating-point summation over chunks. */
    private static void assertSameMetrics(RetrievalReport expected, RetrievalReport actual) {
        String message = expected + " vs " + actual;
        assertEquals(expected.precisionAt1(), actual.precisionAt1(), 1e-12, message);
        assertEquals(expected.rPrecision(), actual.rPrecision(), 1e-12, message);
        assertEquals(expected.meanAveragePrecisionAtR(), actual.meanAveragePrecisionAtR(), 1e-12, message);
        assertEquals(expected.meanAveragePrecision(), actual.meanAveragePrecision(), 1e-12, message);
        assertEquals(expected.meanReciprocalRank(), actual.meanReciprocalRank(), 1e-12, message);
        assertEquals(expected.k(), actual.k());
        assertEquals(expected.evaluatedQueries(), actual.evaluatedQueries());
    }

    /** Hides the concrete class, so the metrics must go through pairwise(). */
    private record Wrapped(Distance inner) implements Distance {
        @Override
        public NDArray pairwise(NDArray query, NDArray reference) {
            return inner.pairwise(query, reference);
        }

        @Override
        public NDArray paired(NDArray a, NDArray b) {
            return inner.paired(a, b);
        }

        @Override
        public boolean isInverted() {
            return inner.isInverted();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }

    @Test
    void explicitKCapsR() {
        float[][] points = {{0f}, {1f}, {2.1f}, {3.3f}, {10f}, {11f}};
        int[] labels = {0, 0, 1, 0, 1, 1};
        try (NDManager manager = NDManager.newBaseManager()) {
            RetrievalReport r = RetrievalMetrics.builder().optK(1).build().compute(manager.create(points), labels);
            assertEquals(1, r.k());
            // R capped at 1: R-precision and MAP@R equal P@1
            assertEquals(r.precisionAt1(), r.rPrecision(), 1e-12);
            assertEquals(r.precisionAt1(), r.meanAveragePrecisionAtR(), 1e-12);
        }
    }

    @Test
    void badInputGivesClearMessages() {
        try (NDManager manager = NDManager.newBaseManager()) {
            RetrievalMetrics metrics = RetrievalMetrics.builder().build();
            NDArray four = manager.ones(new ai.djl.ndarray.types.Shape(4, 3));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> metrics.compute(four, new int[] {0, 1, 0}));
            assertEquals("The labels have 3 entries but the embeddings have 4 rows: give one label per embedding row.",
                    e.getMessage());
            NDArray empty = manager.zeros(new ai.djl.ndarray.types.Shape(0, 3));
            e = assertThrows(IllegalArgumentException.class, () -> metrics.compute(empty, new int[0]));
            assertEquals("The embeddings are empty (shape (0, 3)): at least one row of at least one value is needed.",
                    e.getMessage());
            NDArray vector = manager.ones(new ai.djl.ndarray.types.Shape(4));
            e = assertThrows(IllegalArgumentException.class, () -> metrics.compute(vector, new int[4]));
            assertEquals("The embeddings must be a 2-D (N, D) array, but their shape is (4).", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetrievalMetrics.builder().optBatchSize(0).build());
        assertEquals("The batchSize must be at least 1, but was 0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.builder().optK(0).build());
        assertEquals("The k must be at least 1, or null for the largest class size minus one, but was 0.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.builder().optDistance(null).build());
        assertEquals("The distance must not be null; use LpDistance.raw() for plain Euclidean.", e.getMessage());
    }

    @Test
    void reportPrintsAndSerializesWithPmlKeys() {
        RetrievalReport report = new RetrievalReport(0.9, 0.8, 0.7, 0.75, 0.95, 0.6, 0.55, 999, 10000, 0);
        Map<String, Object> map = report.toMap();
        assertEquals(0.9, map.get("precision_at_1"));
        assertEquals(0.7, map.get("mean_average_precision_at_r"));
        assertEquals(0.6, map.get("NMI"));
        String json = new Gson().toJson(map);
        assertTrue(json.startsWith("{\"precision_at_1\":0.9,\"r_precision\":0.8,\"mean_average_precision_at_r\":0.7"), json);
        assertEquals("RetrievalReport{precision_at_1=0.9000, r_precision=0.8000, mean_average_precision_at_r=0.7000,"
                + " mean_average_precision=0.7500, mean_reciprocal_rank=0.9500, NMI=0.6000, AMI=0.5500, k=999,"
                + " evaluated_queries=10000, lone_queries=0}", report.toString());
        RetrievalReport noClusters = report.withClustering(Double.NaN, Double.NaN);
        assertFalse(noClusters.hasClustering());
        assertFalse(noClusters.toMap().containsKey("NMI"));
    }
}
