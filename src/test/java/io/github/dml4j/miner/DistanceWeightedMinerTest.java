package io.github.dml4j.miner;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.Golden;
import io.github.dml4j.distance.LpDistance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DistanceWeightedMiner is random: its properties are checked instead of reference tuples. */
class DistanceWeightedMinerTest {

    private NDManager manager;
    private NDArray embeddings;
    private NDArray labels;
    private int[] l;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        embeddings = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        l = Golden.ints(Golden.get("batch", "labels"));
        labels = manager.create(l);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** A point on the unit circle of the xy-plane at chord distance {@code d} from (1, 0, 0). */
    private static float[] atDistance(double d) {
        double angle = 2 * Math.asin(d / 2);
        return new float[] {(float) Math.cos(angle), (float) Math.sin(angle), 0f};
    }

    @Test
    void triplesAreValidOnePerAnchorAndWithinTheCutoff() {
        DistanceWeightedMiner miner = DistanceWeightedMiner.builder().build();
        float[] d = LpDistance.normalized().pairwise(embeddings, embeddings).toFloatArray();
        int b = l.length;
        Set<Long> expectedAnchors = new HashSet<>();
        for (int a = 0; a < b; a++) {
            boolean hasNegative = false;
            for (int j = 0; j < b; j++) {
                hasNegative |= l[j] != l[a] && d[a * b + j] < 1.4f;
            }
            if (hasNegative) {
                expectedAnchors.add((long) a);
            }
        }
        assertFalse(expectedAnchors.isEmpty());
        for (int call = 0; call < 20; call++) {
            Triplets t = miner.mine(embeddings, labels);
            Set<Long> anchors = new HashSet<>();
            for (List<Long> tr : Golden.tuples(t.toMatrix())) {
                int a = tr.get(0).intValue();
                int p = tr.get(1).intValue();
                int n = tr.get(2).intValue();
                assertTrue(a != p && l[a] == l[p] && l[a] != l[n], "invalid triplet " + tr);
                assertTrue(d[a * b + n] < 1.4f, "negative beyond nonzeroLossCutoff: " + tr + " at " + d[a * b + n]);
                assertTrue(anchors.add((long) a), "two triplets for anchor " + a);
            }
            assertEquals(expectedAnchors, anchors);
        }
    }

    @Test
    void negativesBeyondTheNonzeroLossCutoffAreNeverDrawn() {
        // anchor 0 at (1,0,0), its positive 1 close by; negatives at 0.6, 1.2 and 1.6, the last beyond 1.4
        NDArray e = manager.create(new float[][] {atDistance(0), atDistance(0.3), atDistance(0.6), atDistance(1.2), atDistance(1.6)});
        NDArray lab = manager.create(new int[] {0, 0, 1, 2, 3});
        DistanceWeightedMiner miner = DistanceWeightedMiner.builder().optSeed(3).build();
        for (int call = 0; call < 200; call++) {
            long[] negatives = miner.mine(e, lab).negative().toLongArray();
            for (long n : negatives) {
                assertNotEquals(4L, n);
            }
        }
        // the positive on the other side of the anchor, so that it is far from both negatives too
        float[] positive = atDistance(0.3);
        positive[1] = -positive[1];
        NDArray tooFar = manager.create(new float[][] {atDistance(0), positive, atDistance(1.5), atDistance(1.9)});
        assertTrue(miner.mine(tooFar, manager.create(new int[] {0, 0, 1, 2})).isEmpty());
    }

    @Test
    void weightsAndDrawsFollowTheInverseDensity() {
        // in 3 dimensions q(d) ~ d, so the weight of a negative is 1 / max(d, cutoff)
        NDArray e = manager.create(new float[][] {
            atDistance(0), atDistance(0.3), atDistance(0.6), atDistance(1.2), atDistance(1.6), atDistance(0.2), atDistance(0.4)});
        NDArray lab = manager.create(new int[] {0, 0, 1, 2, 3, 4, 5});
        DistanceWeightedMiner miner = DistanceWeightedMiner.builder().optSeed(11).build();
        float[] row = miner.negativeWeights(e, lab).get(0).toFloatArray();
        // 0.2 and 0.4 are clipped to the cutoff 0.5: weight 2 each; 0.6 -> 1/0.6; 1.2 -> 1/1.2; 1.6 -> 0
        double total = 2 + 2 + 1 / 0.6 + 1 / 1.2;
        assertArrayEquals(new float[] {0, 0, (float) (1 / 0.6 / total), (float) (1 / 1.2 / total), 0,
                (float) (2 / total), (float) (2 / total)}, row, 1e-5f);

        NDArray pair = manager.create(new float[][] {atDistance(0), atDistance(0.3), atDistance(0.6), atDistance(1.2)});
        NDArray pairLabels = manager.create(new int[] {0, 0, 1, 2});
        int draws = 1000;
        int near = 0;
        for (int call = 0; call < draws; call++) {
            Triplets t = miner.mine(pair, pairLabels);
            long[] a = t.anchor().toLongArray();
            long[] n = t.negative().toLongArray();
            for (int i = 0; i < a.length; i++) {
                if (a[i] == 0 && n[i] == 2) {
                    near++;
                }
            }
        }
        // weight 1/0.6 against 1/1.2: the nearer negative is drawn 2/3 of the time (sd 0.015)
        assertEquals(2.0 / 3, near / (double) draws, 0.06);
    }

    @Test
    void sameSeedSameTriplets() {
        DistanceWeightedMiner first = DistanceWeightedMiner.builder().optSeed(42).build();
        DistanceWeightedMiner second = DistanceWeightedMiner.builder().optSeed(42).build();
        DistanceWeightedMiner other = DistanceWeightedMiner.builder().optSeed(43).build();
        boolean anyDifferent = false;
        for (int call = 0; call < 3; call++) {
            Engine.getInstance().setRandomSeed(call); // the global engine seed plays no part
            long[] a = first.mine(embeddings, labels).toMatrix().toLongArray();
            long[] b = second.mine(embeddings, labels).toMatrix().toLongArray();
            long[] c = other.mine(embeddings, labels).toMatrix().toLongArray();
            assertArrayEquals(a, b);
            anyDifferent |= !java.util.Arrays.equals(a, c);
        }
        assertTrue(anyDifferent, "a different seed should draw different triplets");
    }

    @Test
    void minedTripletsCarryNoGradient() {
        embeddings.setRequiresGradient(true);
        assertFalse(DistanceWeightedMiner.builder().build().mine(embeddings, labels).negative().hasGradient());
    }

    @Test
    void batchWithoutValidTripletGivesEmptyResult() {
        NDArray e = manager.randomNormal(new ai.djl.ndarray.types.Shape(4, 8));
        assertTrue(DistanceWeightedMiner.builder().build().mine(e, manager.create(new int[] {0, 1, 2, 3})).isEmpty());
        assertTrue(DistanceWeightedMiner.builder().build().mine(e, manager.create(new int[] {5, 5, 5, 5})).isEmpty());
    }

    @Test
    void builderNamesTheBadField() {
        assertEquals("The cutoff of DistanceWeightedMiner must be in (0, 2), got 0.0.",
                assertThrows(IllegalArgumentException.class, () -> DistanceWeightedMiner.builder().optCutoff(0f).build()).getMessage());
        assertEquals("The nonzeroLossCutoff of DistanceWeightedMiner must be a finite number greater than the cutoff 0.5, got 0.4.",
                assertThrows(IllegalArgumentException.class,
                        () -> DistanceWeightedMiner.builder().optNonzeroLossCutoff(0.4f).build()).getMessage());
    }
}
