package io.github.dml4j.eval;

import io.github.dml4j.Golden;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingEvaluatorTest {

    @Test
    void separatedClassesScorePerfectly() {
        int[] labels = new int[5 * 30];
        float[][] x = KMeansTest.blobs(5, 30, 6, 11, labels);
        try (NDManager manager = NDManager.newBaseManager()) {
            RetrievalReport report = EmbeddingEvaluator.builder().optSeed(3).build().evaluate(manager.create(x), labels);
            assertEquals(1.0, report.precisionAt1(), 1e-12);
            assertEquals(1.0, report.rPrecision(), 1e-12);
            assertEquals(1.0, report.meanAveragePrecisionAtR(), 1e-12);
            assertEquals(1.0, report.nmi(), 1e-12);
            assertEquals(1.0, report.ami(), 1e-12);
            Map<String, Object> map = report.toMap();
            assertEquals(1.0, (Double) map.get("NMI"), 1e-12);
            assertEquals(29, map.get("k"));
        }
    }

    @Test
    void goldenEmbeddingsWithClusteringMatchRetrievalAlone() {
        JsonObject retrieval = Golden.object("retrieval");
        int[] labels = Golden.ints(retrieval.getAsJsonArray("labels"));
        try (NDManager manager = NDManager.newBaseManager()) {
            var embeddings = manager.create(Golden.floats(retrieval.getAsJsonArray("embeddings")));
            RetrievalReport full = EmbeddingEvaluator.builder().build().evaluate(embeddings, labels);
            RetrievalReport alone = RetrievalMetrics.builder().build().compute(embeddings, labels);
            assertEquals(alone.meanAveragePrecisionAtR(), full.meanAveragePrecisionAtR(), 0);
            assertTrue(full.nmi() >= 0 && full.nmi() <= 1, full.toString());
            assertEquals(full, EmbeddingEvaluator.builder().build().evaluate(embeddings, labels), "same seed, same report");
            RetrievalReport noClustering =
                    EmbeddingEvaluator.builder().optClustering(false).build().evaluate(embeddings, labels);
            assertFalse(noClustering.hasClustering());
        }
    }

    @Test
    void badSettingsNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingEvaluator.builder().optKMeansRestarts(0).build());
        assertEquals("The kMeansRestarts must be at least 1, but was 0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingEvaluator.builder().optRetrievalMetrics(null).build());
        assertEquals("The retrievalMetrics must not be null; use RetrievalMetrics.builder().build().", e.getMessage());
    }
}
