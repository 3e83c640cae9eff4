package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.Golden;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.LpDistance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PairMarginMiner and MultiSimilarityMiner against pytorch-metric-learning and a plain loop. */
class PairMinersGoldenTest {

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

    static Set<List<Long>> positivePairs(Pairs p) {
        return p.anchorPositive().isEmpty() ? Set.of() : Golden.tuples(p.anchorPositive().stack(p.positive(), 1));
    }

    static Set<List<Long>> negativePairs(Pairs p) {
        return p.anchorNegative().isEmpty() ? Set.of() : Golden.tuples(p.anchorNegative().stack(p.negative(), 1));
    }

    private static void assertMatches(String key, Pairs p) {
        Set<List<Long>> pos = Golden.tuples(Golden.get("miners", key, "positive_pairs"));
        Set<List<Long>> neg = Golden.tuples(Golden.get("miners", key, "negative_pairs"));
        assertEquals(pos.size(), p.positiveCount(), key + " positive pair count");
        assertEquals(neg.size(), p.negativeCount(), key + " negative pair count");
        assertEquals(pos, positivePairs(p), key + " positive pairs");
        assertEquals(neg, negativePairs(p), key + " negative pairs");
    }

    @Test
    void pairMarginMinerMatchesReference() {
        PairMarginMiner miner = PairMarginMiner.builder().optPosMargin(0.2f).optNegMargin(0.8f).build();
        assertMatches("pair_margin_pos0.2_neg0.8", miner.mine(embeddings, labels));
    }

    @Test
    void multiSimilarityMinerMatchesReference() {
        MultiSimilarityMiner miner = MultiSimilarityMiner.builder().optEpsilon(0.1f).build();
        assertMatches("multi_similarity_eps0.1", miner.mine(embeddings, labels));
    }

    @Test
    void pairMarginMinerFlipsForASimilarity() {
        float[][] s = Golden.floats(Golden.get("distance_matrices", "cosine"));
        int[] l = Golden.ints(Golden.get("batch", "labels"));
        Pairs p = PairMarginMiner.builder().optPosMargin(0.5f).optNegMargin(0.3f).optDistance(new CosineSimilarity()).build()
                .mine(embeddings, labels);
        Set<List<Long>> pos = new HashSet<>();
        Set<List<Long>> neg = new HashSet<>();
        for (int i = 0; i < l.length; i++) {
            for (int j = 0; j < l.length; j++) {
                if (i != j && l[i] == l[j] && s[i][j] < 0.5f) {
                    pos.add(List.of((long) i, (long) j));
                }
                if (l[i] != l[j] && s[i][j] > 0.3f) {
                    neg.add(List.of((long) i, (long) j));
                }
            }
        }
        assertFalse(pos.isEmpty());
        assertFalse(neg.isEmpty());
        assertEquals(pos, positivePairs(p));
        assertEquals(neg, negativePairs(p));
    }

    @Test
    void multiSimilarityMinerMatchesAPlainLoopOnADistance() {
        LpDistance distance = LpDistance.normalized();
        int[] l = Golden.ints(Golden.get("batch", "labels"));
        int b = l.length;
        float[] d = distance.pairwise(embeddings, embeddings).toFloatArray();
        float eps = 0.05f;
        Set<List<Long>> pos = new HashSet<>();
        Set<List<Long>> neg = new HashSet<>();
        for (int a = 0; a < b; a++) {
            float maxPos = Float.NEGATIVE_INFINITY;
            float minNeg = Float.POSITIVE_INFINITY;
            for (int j = 0; j < b; j++) {
                if (j != a && l[j] == l[a]) {
                    maxPos = Math.max(maxPos, d[a * b + j]);
                } else if (l[j] != l[a]) {
                    minNeg = Math.min(minNeg, d[a * b + j]);
                }
            }
            for (int j = 0; j < b; j++) {
                if (j != a && l[j] == l[a] && d[a * b + j] + eps > minNeg) {
                    pos.add(List.of((long) a, (long) j));
                }
                if (l[j] != l[a] && d[a * b + j] - eps < maxPos) {
                    neg.add(List.of((long) a, (long) j));
                }
            }
        }
        Pairs p = MultiSimilarityMiner.builder().optEpsilon(eps).optDistance(distance).build().mine(embeddings, labels);
        assertFalse(pos.isEmpty());
        assertFalse(neg.isEmpty());
        assertEquals(pos, positivePairs(p));
        assertEquals(neg, negativePairs(p));
    }

    @Test
    void batchWithoutPositivesOrNegativesGivesNoPairs() {
        NDArray e = manager.randomNormal(new Shape(4, 8));
        NDArray singletons = manager.create(new int[] {0, 1, 2, 3});
        NDArray oneClass = manager.create(new int[] {5, 5, 5, 5});
        assertTrue(MultiSimilarityMiner.builder().build().mine(e, singletons).isEmpty());
        assertTrue(MultiSimilarityMiner.builder().build().mine(e, oneClass).isEmpty());
        Pairs p = PairMarginMiner.builder().build().mine(e, singletons);
        assertEquals(0, p.positiveCount());
        Pairs q = PairMarginMiner.builder().build().mine(e, oneClass);
        assertEquals(0, q.negativeCount());
    }

    @Test
    void minedPairsCarryNoGradient() {
        embeddings.setRequiresGradient(true);
        Pairs p = MultiSimilarityMiner.builder().build().mine(embeddings, labels);
        assertFalse(p.anchorPositive().hasGradient());
        Pairs q = PairMarginMiner.builder().build().mine(embeddings, labels);
        assertFalse(q.negative().hasGradient());
    }

    @Test
    void buildersNameTheBadField() {
        assertEquals("The posMargin of PairMarginMiner must be a finite number, got NaN.",
                assertThrows(IllegalArgumentException.class, () -> PairMarginMiner.builder().optPosMargin(Float.NaN).build()).getMessage());
        assertEquals("The negMargin of PairMarginMiner must be a finite number, got Infinity.",
                assertThrows(IllegalArgumentException.class,
                        () -> PairMarginMiner.builder().optNegMargin(Float.POSITIVE_INFINITY).build()).getMessage());
        assertEquals("The distance of PairMarginMiner must not be null.",
                assertThrows(IllegalArgumentException.class, () -> PairMarginMiner.builder().optDistance(null).build()).getMessage());
        assertEquals("The epsilon of MultiSimilarityMiner must be a finite number >= 0, got -0.1.",
                assertThrows(IllegalArgumentException.class, () -> MultiSimilarityMiner.builder().optEpsilon(-0.1f).build()).getMessage());
        assertEquals("The distance of MultiSimilarityMiner must not be null.",
                assertThrows(IllegalArgumentException.class, () -> MultiSimilarityMiner.builder().optDistance(null).build()).getMessage());
    }
}
