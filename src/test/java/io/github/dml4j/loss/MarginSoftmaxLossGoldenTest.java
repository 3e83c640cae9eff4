package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.Golden;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MarginSoftmaxLossGoldenTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray weights() {
        return Golden.matrix(manager, Golden.get("class_weights_D_by_C"));
    }

    @Test
    void arcFaceMatchesTheReference() {
        ArcFaceLoss loss = ArcFaceLoss.builder().build();
        assertEquals(28.6f, loss.getMargin());
        assertEquals(64f, loss.getScale());
        NDArray w = weights();
        LossGoldenCheck.check(manager, "arcface_m28.6_s64", e -> loss.compute(e, LossGoldenCheck.labels(manager), w), 1e-4);
    }

    @Test
    void cosFaceMatchesTheReference() {
        CosFaceLoss loss = CosFaceLoss.builder().build();
        NDArray w = weights();
        LossGoldenCheck.check(manager, "cosface_m0.35_s64", e -> loss.compute(e, LossGoldenCheck.labels(manager), w), 1e-4);
    }

    @Test
    void asADjlLossTheSecondPredictionIsTheClassWeights() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        float value = ArcFaceLoss.builder().build().evaluate(new NDList(LossGoldenCheck.labels(manager)), new NDList(e, weights())).getFloat();
        assertEquals(Golden.get("losses", "arcface_m28.6_s64", "value").getAsFloat(), value, 1e-4f * value);
    }

    @Test
    void matchPlainLoopsOnOtherSettings() {
        double[][] e = PlainLosses.toDouble(Golden.floats(Golden.get("batch", "embeddings")));
        double[][] w = PlainLosses.toDouble(Golden.floats(Golden.get("class_weights_D_by_C")));
        int[] labels = Golden.ints(Golden.get("batch", "labels"));
        NDArray ee = Golden.matrix(manager, Golden.get("batch", "embeddings")).toType(DataType.FLOAT64, false);
        NDArray ww = weights().toType(DataType.FLOAT64, false);
        NDArray l = manager.create(labels);
        double arc = ArcFaceLoss.builder().optMargin(10f).optScale(8f).build().compute(ee, l, ww).getDouble();
        assertEquals(PlainLosses.marginSoftmax(e, labels, w, Math.toRadians(10f), Double.NaN, 8), arc, 1e-7 * arc); // the margin is held in float32
        double cos = CosFaceLoss.builder().optMargin(0.2f).optScale(16f).build().compute(ee, l, ww).getDouble();
        assertEquals(PlainLosses.marginSoftmax(e, labels, w, Double.NaN, 0.2f, 16), cos, 1e-9);
    }

    @Test
    void classWeightGradientsMatchFiniteDifferences() {
        NDArray e = ParameterGradientCheck.embeddings64(manager);
        NDArray labels = LossGoldenCheck.labels(manager);
        float[][] w = Golden.floats(Golden.get("class_weights_D_by_C"));
        // scale 8 keeps the softmax away from saturation, so that every entry's gradient is informative
        ArcFaceLoss arc = ArcFaceLoss.builder().optScale(8f).build();
        ParameterGradientCheck.check(manager, w, p -> arc.compute(e, labels, p), 1e-5);
        CosFaceLoss cos = CosFaceLoss.builder().build();
        ParameterGradientCheck.check(manager, w, p -> cos.compute(e, labels, p), 1e-5);
    }

    @Test
    void sumReductionIsBatchTimesMean() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray l = LossGoldenCheck.labels(manager);
        float mean = CosFaceLoss.builder().build().compute(e, l, weights()).getFloat();
        float sum = CosFaceLoss.builder().optReduction(Reduction.SUM).build().compute(e, l, weights()).getFloat();
        assertEquals(32 * mean, sum, 1e-4f * sum);
    }

    @Test
    void badInputIsNamed() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray w = weights();
        ArcFaceLoss loss = ArcFaceLoss.builder().build();
        NDArray labels = LossGoldenCheck.labels(manager).add(4);
        assertEquals("Label 11 is outside the 8 classes of ArcFaceLoss's class weights: labels must lie in [0, 8).",
                assertThrows(IllegalArgumentException.class, () -> loss.compute(e, labels, w)).getMessage());
        assertEquals("Label -1 is outside the 8 classes of ArcFaceLoss's class weights: labels must lie in [0, 8).",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e, LossGoldenCheck.labels(manager).sub(1), w)).getMessage());
        assertEquals("ArcFaceLoss expects class weights of shape (8, classes) for embeddings of size 8, got (7, 8).",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e, LossGoldenCheck.labels(manager), w.get(":7, :"))).getMessage());
        assertEquals("The margin of ArcFaceLoss must be an angle in degrees in [0, 180), got 200.0.",
                assertThrows(IllegalArgumentException.class, () -> ArcFaceLoss.builder().optMargin(200f).build()).getMessage());
        assertEquals("The scale of CosFaceLoss must be a finite number > 0, got 0.0.",
                assertThrows(IllegalArgumentException.class, () -> CosFaceLoss.builder().optScale(0f).build()).getMessage());
    }
}
