package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.dml4j.Golden;
import org.junit.jupiter.api.Test;

/**
 * Recall@K, full-ranking mAP and the CMC curve against the golden reference ({@code
 * query_is_reference_self_excluded_l2_extra}: Euclidean, every embedding a query against the 299
 * others, computed with numpy beside pytorch-metric-learning 2.8.1).
 */
class RetrievalGoldenExtraTest {

    @Test
    void recallMapAndCmcMatchTheReference() {
        JsonObject retrieval = Golden.object("retrieval");
        JsonObject expected = retrieval.getAsJsonObject("query_is_reference_self_excluded_l2_extra");
        JsonObject pml = retrieval.getAsJsonObject("query_is_reference_self_excluded_l2");
        int[] labels = Golden.ints(retrieval.getAsJsonArray("labels"));
        float[][] embeddings = Golden.floats(retrieval.getAsJsonArray("embeddings"));
        RetrievalMetrics metrics = RetrievalMetrics.builder().optRecallAtK(1, 2, 4, 8, 16, 32)
                .optRankingDepth(Integer.MAX_VALUE).build();
        RetrievalReport report;
        try (NDManager manager = NDManager.newBaseManager()) {
            report = metrics.compute(manager.create(embeddings), labels);
        }
        for (int k : new int[] {1, 2, 4, 8, 16, 32}) {
            assertEquals(expected.get("recall_at_" + k).getAsDouble(), report.recallAt(k), 1e-6, "recall_at_" + k);
            assertEquals(expected.get("recall_at_" + k).getAsDouble(), (double) report.toMap().get("recall_at_" + k),
                    1e-6);
        }
        assertEquals(expected.get("mean_average_precision_full_ranking").getAsDouble(),
                report.meanAveragePrecisionFullRanking(), 1e-6);
        assertEquals(0, report.truncatedQueries());
        JsonArray cmc = expected.getAsJsonArray("cmc_rank_1_to_10");
        assertEquals(cmc.size(), report.cmc().length);
        for (int r = 0; r < cmc.size(); r++) {
            assertEquals(cmc.get(r).getAsDouble(), report.cmc()[r], 1e-6, "CMC at rank " + (r + 1));
        }
        // the PML metrics keep their golden values with the deeper ranking
        assertEquals(pml.get("precision_at_1").getAsDouble(), report.precisionAt1(), 1e-6);
        assertEquals(pml.get("r_precision").getAsDouble(), report.rPrecision(), 1e-6);
        assertEquals(pml.get("mean_average_precision_at_r").getAsDouble(), report.meanAveragePrecisionAtR(), 1e-6);
        assertEquals(pml.get("mean_average_precision").getAsDouble(), report.meanAveragePrecision(), 1e-6);
        assertEquals(pml.get("mean_reciprocal_rank").getAsDouble(), report.meanReciprocalRank(), 1e-6);

        // the same from plain arrays, and as a query set contained in the gallery
        int[] self = new int[labels.length];
        java.util.Arrays.setAll(self, i -> i);
        RetrievalReport asGallery = metrics.compute(embeddings, labels, embeddings, labels, self);
        assertEquals(report, asGallery);
    }
}
