package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Gives a loss's own parameter (class weights, proxies, centres) explicit values, and checks the
 * gradient of the loss with respect to it against central finite differences, in float64 so that
 * the differences are accurate.
 */
final class ParameterGradientCheck {

    private ParameterGradientCheck() {}

    /**
     * Initializes {@code loss} for embeddings of {@code embeddingSize} in {@code dataType} and
     * sets its parameter {@code parameter} to {@code values}, laid out as the parameter is.
     *
     * @return the loss
     */
    static <L extends EmbeddingLoss> L withValues(NDManager manager, L loss, Parameter parameter, int embeddingSize,
                                                  DataType dataType, float[][] values) {
        loss.initialize(manager, dataType, new Shape(1, embeddingSize), new Shape(1));
        NDArray array = parameter.getArray();
        assertEquals(new Shape(values.length, values[0].length), array.getShape(), parameter.getName() + " shape");
        assertEquals(dataType, array.getDataType());
        double[] flat = flat(values);
        if (dataType == DataType.FLOAT64) {
            array.set(flat);
        } else {
            float[] floats = new float[flat.length];
            for (int i = 0; i < flat.length; i++) {
                floats[i] = (float) flat[i];
            }
            array.set(floats);
        }
        return loss;
    }

    /**
     * @param parameter the loss's float64 parameter, its values already set
     * @param loss the loss as computed from the parameter's current values
     * @param rtol relative tolerance, against the largest gradient entry
     */
    static void check(Parameter parameter, Supplier<NDArray> loss, double rtol) {
        NDArray p = parameter.getArray();
        assertEquals(DataType.FLOAT64, p.getDataType());
        double[] flat = p.toDoubleArray();
        int cols = (int) p.getShape().get(1);
        p.setRequiresGradient(true);
        double[] analytic;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.get();
            assertEquals(DataType.FLOAT64, l.getDataType());
            gc.backward(l);
        }
        try (NDArray g = p.getGradient()) {
            analytic = g.toDoubleArray();
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
            p.set(plus);
            double up = loss.get().getDouble();
            p.set(minus);
            double down = loss.get().getDouble();
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, analytic[k], rtol * Math.max(1e-6, scale), "gradient [" + k / cols + "][" + k % cols + "]");
        }
        p.set(flat);
    }

    private static double[] flat(float[][] values) {
        int cols = values[0].length;
        double[] flat = new double[values.length * cols];
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < cols; j++) {
                flat[i * cols + j] = values[i][j];
            }
        }
        return flat;
    }

    /** The reference batch's embeddings in float64. */
    static NDArray embeddings64(NDManager manager) {
        return io.github.dml4j.Golden.matrix(manager, io.github.dml4j.Golden.get("batch", "embeddings")).toType(DataType.FLOAT64, false);
    }
}
