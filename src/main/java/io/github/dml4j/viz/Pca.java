package io.github.dml4j.viz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Principal component analysis of embeddings: the directions of largest variance, used by
 * {@link EmbeddingMap} to draw D-dimensional embeddings in two dimensions.
 *
 * <p><b>Fit.</b> The mean and the D x D sample covariance C = X<sub>c</sub><sup>T</sup>
 * X<sub>c</sub> / (N - 1) of the centred rows are computed on the engine in float64, in chunks of
 * rows so that memory stays bounded whatever N. The top m eigenvectors of C are then found in
 * Java by subspace iteration with a Rayleigh-Ritz step (Golub and Van Loan, "Matrix
 * Computations", 8.2): a block of p = min(D, max(2m, m + 10)) orthonormal vectors is multiplied
 * by C and re-orthonormalized, and the small p x p projected matrix is diagonalized by cyclic
 * Jacobi rotations, until every wanted eigenpair has a residual |C v - &lambda; v| &le;
 * 1e-8 &lambda;<sub>1</sub>. When D &le; p the block spans the whole space and the answer is
 * exact after one step. The start block is drawn from a fixed seed, so a fit is reproducible.
 *
 * <p><b>Conventions</b> follow scikit-learn's {@code PCA}: explained variance = eigenvalue of C
 * (with N - 1), explained variance ratio = eigenvalue / trace(C), and each component's sign
 * chosen so that its largest-magnitude entry is positive.
 *
 * <p>Immutable: arrays are copied in and out.
 *
 * @param mean the mean of the fitted rows, length D
 * @param components m unit-length, mutually orthogonal directions of length D, by decreasing
 *     variance
 * @param explainedVariance the variance along each component
 * @param totalVariance the total variance, trace(C)
 * @param samples the number of rows fitted
 */
public record Pca(double[] mean, double[][] components, double[] explainedVariance, double totalVariance, long samples) {

    private static final Logger logger = LoggerFactory.getLogger(Pca.class);

    private static final int MAX_ITERATIONS = 1000;
    private static final double TOLERANCE = 1e-8;

    /**
     * Checks and copies the arrays.
     *
     * @throws IllegalArgumentException if the shapes do not agree
     */
    public Pca {
        Objects.requireNonNull(mean, "The mean must not be null.");
        Objects.requireNonNull(components, "The components must not be null.");
        Objects.requireNonNull(explainedVariance, "The explained variance must not be null.");
        if (components.length != explainedVariance.length) {
            throw new IllegalArgumentException("There are " + components.length + " components but "
                    + explainedVariance.length + " explained variances.");
        }
        for (int i = 0; i < components.length; i++) {
            if (components[i].length != mean.length) {
                throw new IllegalArgumentException("Component " + i + " has length " + components[i].length
                        + " but the mean has " + mean.length + ".");
            }
        }
        mean = mean.clone();
        components = deepCopy(components);
        explainedVariance = explainedVariance.clone();
    }

    /**
     * Fits the top components of the rows of an (N, D) array.
     *
     * @param data the rows; read, not modified or closed
     * @param components how many components, 1 &le; m &le; D
     * @throws IllegalArgumentException if the array is not 2-D, has fewer than 2 rows, holds NaN
     *     or infinity, or m is out of range
     */
    public static Pca fit(NDArray data, int components) {
        Objects.requireNonNull(data, "The data must not be null.");
        Shape shape = data.getShape();
        if (shape.dimension() != 2 || shape.get(1) == 0) {
            throw new IllegalArgumentException("PCA needs a 2-D (N, D) array with D >= 1, but the shape is " + shape + ".");
        }
        long n = shape.get(0);
        int d = Math.toIntExact(shape.get(1));
        if (n < 2) {
            throw new IllegalArgumentException("PCA needs at least 2 points, but there are " + n + ".");
        }
        if (components < 1 || components > d) {
            throw new IllegalArgumentException("The number of components must be between 1 and the dimension "
                    + d + ", but was " + components + ".");
        }
        double[] mean;
        double[][] cov = new double[d][d];
        long chunk = Math.max(1, (1L << 22) / d); // about 32 MB of float64 rows per chunk
        try (NDManager m = data.getManager().newSubManager()) {
            NDArray sum = m.zeros(new Shape(d), DataType.FLOAT64);
            for (long s = 0; s < n; s += chunk) {
                NDArray next;
                try (NDManager step = m.newSubManager()) {
                    step.tempAttachAll(data, sum);
                    NDArray rows = data.get(new NDIndex("{}:{}", s, Math.min(n, s + chunk))).toType(DataType.FLOAT64, false);
                    if (rows.isNaN().logicalOr(rows.isInfinite()).any().getBoolean()) {
                        throw new IllegalArgumentException(
                                "The data contain NaN or infinite values: PCA needs finite values.");
                    }
                    next = sum.add(rows.sum(new int[] {0}));
                    next.attach(m);
                }
                sum.close();
                sum = next;
            }
            NDArray mu = sum.div(n).reshape(1, d);
            NDArray scatter = m.zeros(new Shape(d, d), DataType.FLOAT64);
            for (long s = 0; s < n; s += chunk) {
                NDArray next;
                try (NDManager step = m.newSubManager()) {
                    step.tempAttachAll(data, mu, scatter);
                    NDArray centred = data.get(new NDIndex("{}:{}", s, Math.min(n, s + chunk)))
                            .toType(DataType.FLOAT64, false)
                            .sub(mu);
                    next = scatter.add(centred.transpose().matMul(centred));
                    next.attach(m);
                }
                scatter.close();
                scatter = next;
            }
            mean = mu.reshape(d).toDoubleArray();
            double[] flat = scatter.div(n - 1).toDoubleArray();
            for (int i = 0; i < d; i++) {
                System.arraycopy(flat, i * d, cov[i], 0, d);
            }
        }
        return fromCovariance(mean, cov, components, n);
    }

    /**
     * Fits the top components of the rows of a Java array; see {@link #fit(NDArray, int)}.
     *
     * @throws IllegalArgumentException also if the rows are empty or ragged
     */
    public static Pca fit(float[][] data, int components) {
        float[] flat = flatten(data, "data");
        try (NDManager manager = NDManager.newBaseManager()) {
            return fit(manager.create(flat, new Shape(data.length, data[0].length)), components);
        }
    }

    /** Top eigenpairs of a symmetric covariance matrix, by subspace iteration with Rayleigh-Ritz. */
    static Pca fromCovariance(double[] mean, double[][] cov, int m, long samples) {
        int d = cov.length;
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += cov[i][i];
        }
        int p = Math.min(d, Math.max(2 * m, m + 10));
        Random random = new Random(0);
        double[][] q = new double[p][d]; // p orthonormal vectors (rows)
        for (double[] row : q) {
            for (int j = 0; j < d; j++) {
                row[j] = random.nextGaussian();
            }
        }
        orthonormalize(q, random);
        double[] values = new double[p];
        double[][] vectors = new double[p][d];
        int iteration = 0;
        boolean converged = false;
        while (!converged && iteration < MAX_ITERATIONS) {
            iteration++;
            double[][] z = multiply(cov, q); // C q_j
            double[][] t = new double[p][p]; // Q^T C Q
            for (int i = 0; i < p; i++) {
                for (int j = i; j < p; j++) {
                    double v = (dot(q[i], z[j]) + dot(q[j], z[i])) / 2;
                    t[i][j] = v;
                    t[j][i] = v;
                }
            }
            double[][] rotation = new double[p][p];
            double[] eig = jacobi(t, rotation);
            Integer[] order = new Integer[p];
            for (int i = 0; i < p; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(eig[b], eig[a]));
            double[][] cv = new double[p][d]; // C v_i for the Ritz vectors v_i = Q r_i
            for (int k = 0; k < p; k++) {
                int col = order[k];
                values[k] = eig[col];
                Arrays.fill(vectors[k], 0);
                for (int j = 0; j < p; j++) {
                    double r = rotation[j][col];
                    if (r != 0) {
                        axpy(r, q[j], vectors[k]);
                        axpy(r, z[j], cv[k]);
                    }
                }
            }
            double scale = Math.max(Math.abs(values[0]), Double.MIN_NORMAL);
            converged = p == d; // the block spans the space: the Ritz pairs are exact
            if (!converged) {
                double worst = 0;
                for (int k = 0; k < m; k++) {
                    double res = 0;
                    for (int j = 0; j < d; j++) {
                        double e = cv[k][j] - values[k] * vectors[k][j];
                        res += e * e;
                    }
                    worst = Math.max(worst, Math.sqrt(res));
                }
                converged = worst <= TOLERANCE * scale;
            }
            if (!converged) {
                q = cv;
                orthonormalize(q, random);
            }
        }
        if (!converged) {
            logger.warn("PCA: subspace iteration stopped after {} iterations before reaching its tolerance;"
                    + " the leading eigenvalues are nearly equal", MAX_ITERATIONS);
        }
        logger.debug("PCA of {} points in {} dimensions: {} components in {} iterations", samples, d, m, iteration);
        double[][] components = new double[m][];
        double[] variance = new double[m];
        for (int k = 0; k < m; k++) {
            double[] v = vectors[k];
            double norm = Math.sqrt(dot(v, v));
            int big = 0;
            for (int j = 0; j < d; j++) {
                if (Math.abs(v[j]) > Math.abs(v[big])) {
                    big = j;
                }
            }
            double sign = v[big] < 0 ? -1 : 1;
            components[k] = new double[d];
            for (int j = 0; j < d; j++) {
                components[k][j] = sign * v[j] / norm;
            }
            variance[k] = Math.max(0, values[k]); // round-off can give -1e-17 for a null direction
        }
        return new Pca(mean, components, variance, trace, samples);
    }

    /**
     * Cyclic Jacobi eigenvalue algorithm for a small symmetric matrix (destroyed): returns the
     * eigenvalues and fills {@code v} with the eigenvectors as columns.
     */
    static double[] jacobi(double[][] a, double[][] v) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            Arrays.fill(v[i], 0);
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += a[i][i] * a[i][i];
                for (int j = i + 1; j < n; j++) {
                    off += a[i][j] * a[i][j];
                }
            }
            if (off == 0 || off <= 1e-32 * diag) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) { // columns p, q of A J
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) { // rows p, q of J^T A J
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    a[p][q] = 0;
                    a[q][p] = 0;
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] eig = new double[n];
        for (int i = 0; i < n; i++) {
            eig[i] = a[i][i];
        }
        return eig;
    }

    /** Modified Gram-Schmidt, twice; a vector that vanishes is replaced by a fresh random one. */
    private static void orthonormalize(double[][] q, Random random) {
        int d = q[0].length;
        for (int i = 0; i < q.length; i++) {
            double before = Math.sqrt(dot(q[i], q[i]));
            for (int attempt = 0; ; attempt++) {
                for (int pass = 0; pass < 2; pass++) {
                    for (int j = 0; j < i; j++) {
                        axpy(-dot(q[j], q[i]), q[j], q[i]);
                    }
                }
                double norm = Math.sqrt(dot(q[i], q[i]));
                if (norm > 1e-10 * Math.max(before, Double.MIN_NORMAL) && norm > 0) {
                    for (int k = 0; k < d; k++) {
                        q[i][k] /= norm;
                    }
                    break;
                }
                if (attempt > 10) {
                    throw new IllegalStateException("PCA could not complete an orthonormal basis of dimension " + d + ".");
                }
                for (int k = 0; k < d; k++) {
                    q[i][k] = random.nextGaussian();
                }
                before = Math.sqrt(dot(q[i], q[i]));
            }
        }
    }

    private static double[][] multiply(double[][] c, double[][] q) {
        double[][] z = new double[q.length][c.length];
        for (int j = 0; j < q.length; j++) {
            for (int r = 0; r < c.length; r++) {
                z[j][r] = dot(c[r], q[j]);
            }
        }
        return z;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    /** The dimension D of the fitted rows. */
    public int dimension() {
        return mean.length;
    }

    /** The number of components m. */
    public int size() {
        return components.length;
    }

    /** Share of the total variance along each component; zeros if the data have no variance. */
    public double[] explainedVarianceRatio() {
        double[] ratio = new double[explainedVariance.length];
        for (int i = 0; i < ratio.length; i++) {
            ratio[i] = totalVariance > 0 ? explainedVariance[i] / totalVariance : 0;
        }
        return ratio;
    }

    /**
     * Projects rows onto the components on the engine: (X - mean) W<sup>T</sup>.
     *
     * @param data (N, D) rows; read, not modified or closed
     * @return an (N, m) float32 array in the manager of {@code data}
     * @throws IllegalArgumentException if the rows do not have dimension D
     */
    public NDArray project(NDArray data) {
        Objects.requireNonNull(data, "The data must not be null.");
        Shape shape = data.getShape();
        if (shape.dimension() != 2 || shape.get(1) != mean.length) {
            throw new IllegalArgumentException("The data to project must be an (N, " + mean.length
                    + ") array, but the shape is " + shape + ".");
        }
        int d = mean.length;
        int m = components.length;
        double[] w = new double[m * d];
        for (int k = 0; k < m; k++) {
            System.arraycopy(components[k], 0, w, k * d, d);
        }
        NDManager owner = data.getManager();
        try (NDManager tmp = owner.newSubManager()) {
            tmp.tempAttachAll(data);
            NDArray x = data.toType(DataType.FLOAT64, false);
            NDArray mu = tmp.create(mean, new Shape(1, d));
            NDArray weights = tmp.create(w, new Shape(m, d));
            NDArray out = x.sub(mu).matMul(weights.transpose()).toType(DataType.FLOAT32, false);
            out.attach(owner);
            return out;
        }
    }

    /**
     * Projects rows onto the components; see {@link #project(NDArray)}.
     *
     * @return N rows of m coordinates
     */
    public float[][] project(float[][] data) {
        float[] flat = flatten(data, "data to project");
        int n = data.length;
        int m = components.length;
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] out = project(manager.create(flat, new Shape(n, data[0].length))).toFloatArray();
            float[][] rows = new float[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = Arrays.copyOfRange(out, i * m, (i + 1) * m);
            }
            return rows;
        }
    }

    /** Checks that the rows are non-empty and rectangular, naming the first bad row. */
    static int checkRows(float[][] rows, String what) {
        Objects.requireNonNull(rows, "The " + what + " must not be null.");
        if (rows.length == 0) {
            throw new IllegalArgumentException("The " + what + " are empty: give at least one row.");
        }
        int d = rows[0] == null ? 0 : rows[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("The " + what + " have rows of length 0.");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != d) {
                throw new IllegalArgumentException("Row " + i + " of the " + what + " has "
                        + (rows[i] == null ? "no" : rows[i].length) + " values but row 0 has " + d
                        + ": the rows must all have the same length.");
            }
        }
        return d;
    }

    /** Row-major copy of checked rows. */
    static float[] flatten(float[][] rows, String what) {
        int d = checkRows(rows, what);
        float[] flat = new float[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return flat;
    }

    /** A copy of the mean. */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** A copy of the (m, D) components. */
    @Override
    public double[][] components() {
        return deepCopy(components);
    }

    /** A copy of the explained variances. */
    @Override
    public double[] explainedVariance() {
        return explainedVariance.clone();
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pca other
                && Arrays.equals(mean, other.mean)
                && Arrays.deepEquals(components, other.components)
                && Arrays.equals(explainedVariance, other.explainedVariance)
                && Double.compare(totalVariance, other.totalVariance) == 0
                && samples == other.samples;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(mean), Arrays.deepHashCode(components),
                Arrays.hashCode(explainedVariance), totalVariance, samples);
    }

    @Override
    public String toString() {
        return "Pca{dimension=" + mean.length + ", components=" + components.length + ", samples=" + samples
                + ", explainedVarianceRatio=" + Arrays.toString(explainedVarianceRatio()) + '}';
    }
}
