package io.github.dml4j.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PcaTest {

    /** n orthonormal vectors of length d (rows), from Gram-Schmidt on Gaussian vectors. */
    static double[][] orthonormal(int n, int d, long seed) {
        Random random = new Random(seed);
        double[][] e = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                e[i][j] = random.nextGaussian();
            }
            for (int k = 0; k < i; k++) {
                double dot = dot(e[i], e[k]);
                for (int j = 0; j < d; j++) {
                    e[i][j] -= dot * e[k][j];
                }
            }
            double norm = Math.sqrt(dot(e[i], e[i]));
            for (int j = 0; j < d; j++) {
                e[i][j] /= norm;
            }
        }
        return e;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * Points +-s_i e_i (float64 on the engine): mean 0 and covariance sum_i 2 s_i^2 e_i e_i^T /
     * (2n - 1) exactly, so the components are e_i and the variances 2 s_i^2 / (2n - 1).
     */
    private static void checkPlantedSpectrum(int d, double[] s, int m, double tolerance) {
        double[][] e = orthonormal(s.length, d, 3);
        int n = 2 * s.length;
        double[][] rows = new double[n][d];
        double total = 0;
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < d; j++) {
                rows[2 * i][j] = s[i] * e[i][j];
                rows[2 * i + 1][j] = -s[i] * e[i][j];
            }
            total += 2 * s[i] * s[i] / (n - 1);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Pca pca = Pca.fit(manager.create(rows), m);
            assertEquals(m, pca.size());
            assertEquals(d, pca.dimension());
            assertEquals(n, pca.samples());
            assertEquals(total, pca.totalVariance(), 1e-9 * total);
            for (int k = 0; k < m; k++) {
                double[] c = pca.components()[k];
                assertEquals(1.0, Math.abs(dot(c, e[k])), tolerance, "component " + k + " is e_" + k + " up to sign");
                assertEquals(2 * s[k] * s[k] / (n - 1), pca.explainedVariance()[k], 1e-8 * total, "variance " + k);
                assertEquals(2 * s[k] * s[k] / (n - 1) / total, pca.explainedVarianceRatio()[k], 1e-9);
                int big = 0;
                for (int j = 0; j < d; j++) {
                    big = Math.abs(c[j]) > Math.abs(c[big]) ? j : big;
                }
                assertTrue(c[big] > 0, "sign convention: the largest entry is positive");
            }
        }
    }

    @Test
    void smallDimensionIsExact() {
        // D = 5 < the block size: one Rayleigh-Ritz step on the whole space
        checkPlantedSpectrum(5, new double[] {3, 2, 1, 0.5}, 2, 1e-12);
        checkPlantedSpectrum(5, new double[] {3, 2, 1, 0.5, 0.25}, 5, 1e-12);
    }

    @Test
    void largeDimensionBySubspaceIteration() {
        int d = 60;
        double[] s = new double[d];
        s[0] = 10;
        s[1] = 9.5; // close to the first: the block must still separate them
        for (int i = 2; i < d; i++) {
            s[i] = 8 * Math.pow(0.97, i);
        }
        checkPlantedSpectrum(d, s, 2, 1e-8);
        checkPlantedSpectrum(d, s, 3, 1e-8);
    }

    @Test
    void pointsStretchedAlongADirectionGiveIt() {
        double[] u = {1, 2, 0, -1, 0.5, 0, 0, 3};
        double norm = Math.sqrt(dot(u, u));
        Random random = new Random(4);
        float[][] x = new float[2000][u.length];
        for (float[] row : x) {
            double t = 5 * random.nextGaussian();
            for (int j = 0; j < u.length; j++) {
                row[j] = (float) (1 + t * u[j] / norm + 0.1 * random.nextGaussian()); // mean 1 everywhere
            }
        }
        Pca pca = Pca.fit(x, 2);
        double cos = 0;
        for (int j = 0; j < u.length; j++) {
            cos += pca.components()[0][j] * u[j] / norm;
        }
        assertEquals(1.0, Math.abs(cos), 1e-3);
        assertTrue(pca.components()[0][7] > 0, "the largest entry (index 7) is positive");
        // variance 25 along u against 0.01 in each of the 8 directions
        assertEquals(25 / (25 + 0.08), pca.explainedVarianceRatio()[0], 0.01);
        for (double mean : pca.mean()) {
            assertEquals(1.0, mean, 0.3);
        }
    }

    @Test
    void projectionIsCentredOntoTheComponentsAndReproducible() {
        Random random = new Random(8);
        float[][] x = new float[300][6];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) (random.nextGaussian() * (j + 1) + j);
            }
        }
        Pca pca = Pca.fit(x, 2);
        assertEquals(pca, Pca.fit(x, 2), "the same data give the same fit");
        float[][] projected = pca.project(x);
        assertEquals(300, projected.length);
        assertEquals(2, projected[0].length);
        double[] mean = pca.mean();
        double[][] w = pca.components();
        for (int i = 0; i < x.length; i += 37) {
            for (int k = 0; k < 2; k++) {
                double expected = 0;
                for (int j = 0; j < 6; j++) {
                    expected += (x[i][j] - mean[j]) * w[k][j];
                }
                assertEquals(expected, projected[i][k], 1e-4 * (1 + Math.abs(expected)));
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray data = manager.create(x);
            NDArray p = pca.project(data);
            assertEquals(manager, p.getManager());
            float[] flat = p.toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertArrayEquals(projected[i], new float[] {flat[2 * i], flat[2 * i + 1]});
            }
            assertEquals(pca, Pca.fit(data, 2), "NDArray and Java input give the same fit");
        }
        // the projected coordinates have the explained variances
        for (int k = 0; k < 2; k++) {
            double sum = 0;
            for (float[] row : projected) {
                sum += row[k] * (double) row[k];
            }
            assertEquals(pca.explainedVariance()[k], sum / (x.length - 1), 1e-4 * pca.explainedVariance()[k]);
        }
    }

    @Test
    void jacobiDiagonalizesASymmetricMatrix() {
        Random random = new Random(1);
        int n = 7;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                a[i][j] = random.nextGaussian();
                a[j][i] = a[i][j];
            }
        }
        double[][] copy = new double[n][];
        for (int i = 0; i < n; i++) {
            copy[i] = a[i].clone();
        }
        double[][] v = new double[n][n];
        double[] eig = Pca.jacobi(copy, v);
        for (int k = 0; k < n; k++) { // A v_k = lambda_k v_k
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += a[i][j] * v[j][k];
                }
                assertEquals(eig[k] * v[i][k], av, 1e-12);
            }
        }
    }

    @Test
    void badInputIsExplained() {
        assertEquals("PCA needs at least 2 points, but there are 1.",
                assertThrows(IllegalArgumentException.class, () -> Pca.fit(new float[][] {{1f, 2f}}, 1)).getMessage());
        assertEquals("The data are empty: give at least one row.",
                assertThrows(IllegalArgumentException.class, () -> Pca.fit(new float[0][], 1)).getMessage());
        assertEquals("The number of components must be between 1 and the dimension 2, but was 3.",
                assertThrows(IllegalArgumentException.class,
                        () -> Pca.fit(new float[][] {{1f, 2f}, {3f, 4f}}, 3)).getMessage());
        assertEquals("The number of components must be between 1 and the dimension 2, but was 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> Pca.fit(new float[][] {{1f, 2f}, {3f, 4f}}, 0)).getMessage());
        assertEquals("The data contain NaN or infinite values: PCA needs finite values.",
                assertThrows(IllegalArgumentException.class,
                        () -> Pca.fit(new float[][] {{1f, 2f}, {Float.POSITIVE_INFINITY, 4f}}, 1)).getMessage());
        assertEquals("Row 1 of the data has 1 values but row 0 has 2: the rows must all have the same length.",
                assertThrows(IllegalArgumentException.class,
                        () -> Pca.fit(new float[][] {{1f, 2f}, {3f}}, 1)).getMessage());
        Pca pca = Pca.fit(new float[][] {{1f, 2f}, {3f, 5f}}, 1);
        assertEquals("The data to project must be an (N, 2) array, but the shape is (1, 3).",
                assertThrows(IllegalArgumentException.class, () -> pca.project(new float[][] {{1f, 2f, 3f}}))
                        .getMessage());
    }
}
