package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.Golden;
import io.github.dml4j.distance.CosineSimilarity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TripletMinersGoldenTest {

    private NDManager manager;
    private NDArray embeddings;
    private NDArray labels;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        embeddings = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        labels = manager.create(Golden.ints(Golden.get("batch", "labels")));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @ParameterizedTest
    @CsvSource({"ALL,triplet_margin_all_m0.2", "HARD,triplet_margin_hard_m0.2",
            "SEMIHARD,triplet_margin_semihard_m0.2", "EASY,triplet_margin_easy_m0.2"})
    void tripletMarginMinerMatchesReference(TripletMarginMiner.Type type, String key) {
        TripletMarginMiner miner = TripletMarginMiner.builder().optMargin(0.2f).optType(type).build();
        Triplets t = miner.mine(embeddings, labels);
        Set<List<Long>> expected = Golden.tuples(Golden.get("miners", key));
        assertEquals(expected.size(), t.size());
        assertEquals(expected, Golden.tuples(t.toMatrix()));
    }

    @Test
    void batchHardMinerMatchesReference() {
        Triplets t = BatchHardMiner.builder().build().mine(embeddings, labels);
        assertEquals(Golden.tuples(Golden.get("miners", "batch_hard")), Golden.tuples(t.toMatrix()));
    }

    @Test
    void batchHardMinerBuilderSetsAndChecksTheDistance() {
        BatchHardMiner byDefault = BatchHardMiner.builder().build();
        assertEquals("l2_normalized", byDefault.getDistance().name());
        BatchHardMiner cosine = BatchHardMiner.builder().optDistance(new CosineSimilarity()).build();
        assertEquals("cosine", cosine.getDistance().name());
        // on normalized embeddings d^2 = 2 - 2 cos: the same hardest positives and negatives
        assertEquals(Golden.tuples(byDefault.mine(embeddings, labels).toMatrix()),
                Golden.tuples(cosine.mine(embeddings, labels).toMatrix()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchHardMiner.builder().optDistance(null).build());
        assertEquals("The distance of BatchHardMiner must not be null.", e.getMessage());
    }

    @Test
    void allTripletsAreEveryValidTriplet() {
        int[] l = {0, 0, 1, 1, 1, 2};
        Triplets t = BatchTuples.allTriplets(manager.create(l));
        int expected = 0;
        for (int a = 0; a < l.length; a++) {
            for (int p = 0; p < l.length; p++) {
                for (int n = 0; n < l.length; n++) {
                    if (a != p && l[a] == l[p] && l[a] != l[n]) {
                        expected++;
                    }
                }
            }
        }
        assertEquals(expected, t.size());
        for (List<Long> tr : Golden.tuples(t.toMatrix())) {
            int a = tr.get(0).intValue();
            int p = tr.get(1).intValue();
            int n = tr.get(2).intValue();
            assertTrue(a != p && l[a] == l[p] && l[a] != l[n], "invalid triplet " + tr);
        }
    }

    @Test
    void batchWithoutValidTripletGivesEmptyResult() {
        NDArray e = manager.randomNormal(new ai.djl.ndarray.types.Shape(4, 8));
        NDArray singletons = manager.create(new int[] {0, 1, 2, 3});
        assertTrue(TripletMarginMiner.builder().build().mine(e, singletons).isEmpty());
        assertTrue(BatchHardMiner.builder().build().mine(e, singletons).isEmpty());
        NDArray oneClass = manager.create(new int[] {5, 5, 5, 5});
        assertTrue(TripletMarginMiner.builder().build().mine(e, oneClass).isEmpty());
        assertTrue(BatchHardMiner.builder().build().mine(e, oneClass).isEmpty());
    }

    @Test
    void semihardTripletsSatisfyTheirDefinition() {
        NDArray e = manager.randomNormal(new ai.djl.ndarray.types.Shape(24, 4));
        NDArray l = manager.create(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5});
        TripletMarginMiner miner = TripletMarginMiner.builder().optType(TripletMarginMiner.Type.SEMIHARD).optMargin(0.3f).build();
        Triplets t = miner.mine(e, l);
        float[][] d = toMatrix(miner.getDistance().pairwise(e, e));
        for (List<Long> tr : Golden.tuples(t.toMatrix())) {
            float ap = d[tr.get(0).intValue()][tr.get(1).intValue()];
            float an = d[tr.get(0).intValue()][tr.get(2).intValue()];
            assertTrue(an > ap && an <= ap + 0.3f + 1e-6f, "not semi-hard: " + tr);
        }
    }

    private static float[][] toMatrix(NDArray a) {
        int n = (int) a.getShape().get(0);
        float[] flat = a.toFloatArray();
        float[][] m = new float[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOfRange(flat, i * n, (i + 1) * n);
        }
        return m;
    }
}
