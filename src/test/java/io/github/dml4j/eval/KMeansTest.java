package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KMeansTest {

    /** Well-separated Gaussian blobs: class c centred at 20 * e_c, noise sd 1. */
    static float[][] blobs(int classes, int perClass, int dim, long seed, int[] labelsOut) {
        Random random = new Random(seed);
        float[][] x = new float[classes * perClass][dim];
        for (int i = 0; i < x.length; i++) {
            int c = i % classes; // interleaved, so clusters are not contiguous rows
            labelsOut[i] = c;
            for (int j = 0; j < dim; j++) {
                x[i][j] = (float) random.nextGaussian() + (j == c ? 20f : 0f);
            }
        }
        return x;
    }

    @Test
    void recoversWellSeparatedBlobs() {
        int[] labels = new int[6 * 40];
        float[][] x = blobs(6, 40, 8, 1, labels);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray data = manager.create(x);
            for (long seed = 0; seed < 3; seed++) {
                KMeans.Result r = KMeans.builder().setK(6).optSeed(seed).optBatchSize(50).build().fit(data);
                assertEquals(1.0, ClusteringMetrics.nmi(labels, r.assignments()), 1e-12, "seed " + seed);
                assertTrue(r.converged());
                assertEquals(6, r.centroids().length);
                // inertia: about N * D * noise variance
                assertTrue(r.inertia() > 0.5 * 240 * 8 && r.inertia() < 2 * 240 * 8, "inertia " + r.inertia());
            }
        }
    }

    @Test
    void deterministicForASeed() {
        int[] labels = new int[300];
        Random random = new Random(3);
        float[][] x = new float[300][5];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random.nextGaussian(); // no structure: the seed decides everything
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray data = manager.create(x);
            KMeans kMeans = KMeans.builder().setK(7).optSeed(42).optRestarts(3).optBatchSize(64).build();
            KMeans.Result a = kMeans.fit(data);
            KMeans.Result b = kMeans.fit(data);
            assertEquals(a, b);
            KMeans.Result c = KMeans.builder().setK(7).optSeed(43).optRestarts(3).optBatchSize(64).build().fit(data);
            assertTrue(!java.util.Arrays.equals(a.assignments(), c.assignments()) || a.inertia() == c.inertia());
            assertEquals(1, manager.getManagedArrays().size(), "only the caller's array is left");
        }
        assertEquals(300, labels.length);
    }

    @Test
    void restartsKeepTheLowestInertia() {
        int[] labels = new int[400];
        float[][] x = blobs(8, 50, 8, 5, labels);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray data = manager.create(x);
            double one = KMeans.builder().setK(8).optSeed(1).build().fit(data).inertia();
            double five = KMeans.builder().setK(8).optSeed(1).optRestarts(5).build().fit(data).inertia();
            assertTrue(five <= one + 1e-6, five + " > " + one);
        }
    }

    @Test
    void emptyClustersAndDuplicatesDoNotBreak() {
        float[][] x = {{0, 0}, {0, 0}, {0, 0}, {5, 5}, {5, 5}, {5, 5}};
        try (NDManager manager = NDManager.newBaseManager()) {
            KMeans.Result r = KMeans.builder().setK(3).build().fit(manager.create(x));
            for (int a : r.assignments()) {
                assertTrue(a >= 0 && a < 3);
            }
            assertEquals(0.0, r.inertia(), 1e-9);
            int[] two = KMeans.builder().setK(2).build().cluster(manager.create(x));
            assertEquals(1.0, ClusteringMetrics.nmi(new int[] {0, 0, 0, 1, 1, 1}, two), 1e-12);
        }
    }

    @Test
    void resultIsImmutable() {
        KMeans.Result r = new KMeans.Result(new int[] {0, 1}, new float[][] {{1f}, {2f}}, 0.5, 3, true);
        r.assignments()[0] = 9;
        r.centroids()[0][0] = 9f;
        assertArrayEquals(new int[] {0, 1}, r.assignments());
        assertEquals(1f, r.centroids()[0][0]);
    }

    @Test
    void badInputGivesClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KMeans.builder().build());
        assertEquals("The k (number of clusters) must be at least 1; call setK, but k was 0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KMeans.builder().setK(2).optRestarts(0).build());
        assertEquals("The restarts must be at least 1, but was 0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KMeans.builder().setK(2).optTolerance(-1).build());
        assertEquals("The tolerance must be zero or positive, but was -1.0.", e.getMessage());
        try (NDManager manager = NDManager.newBaseManager()) {
            KMeans kMeans = KMeans.builder().setK(5).build();
            e = assertThrows(IllegalArgumentException.class, () -> kMeans.fit(manager.ones(new Shape(3, 2))));
            assertEquals("k-means with k = 5 needs at least 5 points of at least one dimension, but the data has"
                    + " shape (3, 2).", e.getMessage());
        }
    }
}
