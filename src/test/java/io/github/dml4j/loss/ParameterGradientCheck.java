package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checks the gradient of a loss with respect to its parameter (class weights, proxies, centres)
 * against central finite differences, in float64 so that the differences are accurate.
 */
final class ParameterGradientCheck {

    private ParameterGradientCheck() {}

    /**
     * @param parameter the parameter's values
     * @param loss the loss as a function of a float64 parameter array
     * @param rtol relative tolerance, against the largest gradient entry
     */
    static void check(NDManager manager, float[][] parameter, Function<NDArray, NDArray> loss, double rtol) {
        int rows = parameter.length;
        int cols = parameter[0].length;
        double[] flat = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                flat[i * cols + j] = parameter[i][j];
            }
        }
        Shape shape = new Shape(rows, cols);
        double[] analytic;
        try (NDManager m = manager.newSubManager()) {
            NDArray p = m.create(flat, shape);
            p.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.apply(p);
                assertEquals(DataType.FLOAT64, l.getDataType());
                gc.backward(l);
            }
            try (NDArray g = p.getGradient()) {
                analytic = g.toDoubleArray();
            }
        }
        double h = 1e-6;
        double scale = 0;
        for (double g : analytic) {
            scale = Math.max(scale, Math.abs(g));
        }
        for (int k = 0; k < flat.length; k++) {
            double[] plus = flat.clone();
            double[] minus = flat.clone();
            plus[k] += h;
            minus[k] -= h;
            double numeric;
            try (NDManager m = manager.newSubManager()) {
                numeric = (loss.apply(m.create(plus, shape)).getDouble() - loss.apply(m.create(minus, shape)).getDouble()) / (2 * h);
            }
            assertEquals(numeric, analytic[k], rtol * Math.max(1e-6, scale), "gradient [" + k / cols + "][" + k % cols + "]");
        }
    }

    /** The reference batch's embeddings in float64. */
    static NDArray embeddings64(NDManager manager) {
        return io.github.dml4j.Golden.matrix(manager, io.github.dml4j.Golden.get("batch", "embeddings")).toType(DataType.FLOAT64, false);
    }
}
