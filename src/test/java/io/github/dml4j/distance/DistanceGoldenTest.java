package io.github.dml4j.distance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.Golden;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pairwise matrices of every distance against pytorch-metric-learning's on the reference batch. */
class DistanceGoldenTest {

    private static final double TOLERANCE = 1e-5;

    private NDManager manager;
    private NDArray embeddings;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        embeddings = Golden.matrix(manager, Golden.get("batch", "embeddings"));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /**
     * Compares a pairwise matrix with the reference. Off the diagonal to 1e-5 (relative for
     * values above 1). On the diagonal of an unsquared raw L2 matrix both sides hold the square
     * root of float32 rounding noise of {@code |x|^2 + |x|^2 - 2 x.x} (PML's value is
     * {@code sqrt(9.5e-7) = 0.00098} for row 0), so there it is only checked to be near zero.
     */
    private void check(String key, Distance distance, double diagonalTolerance) {
        float[][] expected = Golden.floats(Golden.get("distance_matrices", key));
        int b = expected.length;
        float[] actual = distance.pairwise(embeddings, embeddings).toFloatArray();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < b; j++) {
                double tolerance = i == j ? diagonalTolerance : TOLERANCE * Math.max(1, Math.abs(expected[i][j]));
                assertEquals(expected[i][j], actual[i * b + j], tolerance, key + " [" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void dotProductMatchesReference() {
        check("dot", new DotProductSimilarity(), TOLERANCE * 20); // diagonal values reach ~20: relative 1e-5
    }

    @Test
    void cosineMatchesReference() {
        check("cosine", new CosineSimilarity(), TOLERANCE);
    }

    @Test
    void normalizedEuclideanMatchesReference() {
        check("lp_normalized", LpDistance.normalized(), 2e-3);
    }

    @Test
    void rawEuclideanMatchesReference() {
        check("lp_raw", LpDistance.raw(), 2e-3);
    }

    @Test
    void squaredRawEuclideanMatchesReference() {
        check("lp_squared_raw", LpDistance.builder().optNormalizeEmbeddings(false).optSquared(true).build(), 1e-5);
    }

    @Test
    void dotProductIsARawSimilarity() {
        DotProductSimilarity dot = new DotProductSimilarity();
        assertTrue(dot.isInverted());
        assertEquals("dot", dot.name());
        NDArray a = manager.create(new float[][] {{1, 2}, {3, -1}});
        NDArray b = manager.create(new float[][] {{2, 0}, {1, 1}});
        assertEquals(java.util.List.of(2f, 2f), toList(dot.paired(a, b)));
        NDArray pairwise = dot.pairwise(a, b);
        assertEquals(java.util.List.of(2f, 3f, 6f, 2f), toList(pairwise));
        // not normalized: scaling an input scales the similarity
        assertEquals(4f, dot.paired(a.mul(2f), b).getFloat(0), 0f);
        assertFalse(dot.closer(manager.create(1f), manager.create(2f)).getBoolean());
    }

    private static java.util.List<Float> toList(NDArray a) {
        java.util.List<Float> out = new java.util.ArrayList<>();
        for (float v : a.toFloatArray()) {
            out.add(v);
        }
        return out;
    }
}
