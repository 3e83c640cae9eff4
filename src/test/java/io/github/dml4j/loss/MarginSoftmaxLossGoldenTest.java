package io.github.dml4j.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
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

    /** The loss with the reference's (8, 8) class weights as its own, in {@code dataType}. */
    private <L extends MarginSoftmaxLoss> L withReferenceWeights(L loss, DataType dataType) {
        return ParameterGradientCheck.withValues(manager, loss, loss.getClassWeights(), 8, dataType,
                Golden.floats(Golden.get("class_weights_D_by_C")));
    }

    @Test
    void arcFaceMatchesTheReference() {
        ArcFaceLoss loss = withReferenceWeights(ArcFaceLoss.builder().setNumClasses(8).build(), DataType.FLOAT32);
        assertEquals(28.6f, loss.getMargin());
        assertEquals(64f, loss.getScale());
        assertEquals(10f, loss.getLearningRateMultiplier());
        LossGoldenCheck.check(manager, "arcface_m28.6_s64", e -> loss.compute(e, LossGoldenCheck.labels(manager)), 1e-4);
    }

    @Test
    void cosFaceMatchesTheReference() {
        CosFaceLoss loss = withReferenceWeights(CosFaceLoss.builder().setNumClasses(8).build(), DataType.FLOAT32);
        assertEquals(10f, loss.getLearningRateMultiplier());
        LossGoldenCheck.check(manager, "cosface_m0.35_s64", e -> loss.compute(e, LossGoldenCheck.labels(manager)), 1e-4);
    }

    @Test
    void theGradientReachesTheLossOwnClassWeights() {
        // what the trainer's optimizer steps on: the gradient of the loss at the class weights themselves
        ArcFaceLoss loss = withReferenceWeights(ArcFaceLoss.builder().setNumClasses(8).build(), DataType.FLOAT32);
        NDArray weights = loss.getClassWeights().getArray();
        weights.setRequiresGradient(true);
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        float value;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.compute(e, LossGoldenCheck.labels(manager));
            value = l.getFloat();
            gc.backward(l);
        }
        assertEquals(Golden.get("losses", "arcface_m28.6_s64", "value").getAsFloat(), value, 1e-4f * value);
        float[] grad = weights.getGradient().toFloatArray();
        double norm = 0;
        for (float g : grad) {
            norm += g * g;
        }
        assertEquals(64, grad.length);
        org.junit.jupiter.api.Assertions.assertTrue(norm > 0 && Double.isFinite(norm), "gradient norm " + norm);
    }

    @Test
    void aLossWithParametersIsNoDjlLoss() {
        // a DJL trainer would not update the class weights: the former evaluate(labels, (embeddings, weights)) is gone
        assertEquals("ArcFaceLoss owns parameters, which DJL's trainer would not update: train it in a MetricHead with"
                        + " MetricTrainer.",
                assertThrows(IllegalStateException.class,
                        () -> ArcFaceLoss.builder().setNumClasses(8).build().asDjlLoss()).getMessage());
    }

    @Test
    void matchPlainLoopsOnOtherSettings() {
        double[][] e = PlainLosses.toDouble(Golden.floats(Golden.get("batch", "embeddings")));
        double[][] w = PlainLosses.toDouble(Golden.floats(Golden.get("class_weights_D_by_C")));
        int[] labels = Golden.ints(Golden.get("batch", "labels"));
        NDArray ee = Golden.matrix(manager, Golden.get("batch", "embeddings")).toType(DataType.FLOAT64, false);
        NDArray l = manager.create(labels);
        ArcFaceLoss arcFace = withReferenceWeights(ArcFaceLoss.builder().setNumClasses(8).optMargin(10f).optScale(8f).build(),
                DataType.FLOAT64);
        double arc = arcFace.compute(ee, l).getDouble();
        assertEquals(PlainLosses.marginSoftmax(e, labels, w, Math.toRadians(10f), Double.NaN, 8), arc, 1e-7 * arc); // the margin is held in float32
        CosFaceLoss cosFace = withReferenceWeights(CosFaceLoss.builder().setNumClasses(8).optMargin(0.2f).optScale(16f).build(),
                DataType.FLOAT64);
        double cos = cosFace.compute(ee, l).getDouble();
        assertEquals(PlainLosses.marginSoftmax(e, labels, w, Double.NaN, 0.2f, 16), cos, 1e-9);
    }

    @Test
    void classWeightGradientsMatchFiniteDifferences() {
        NDArray e = ParameterGradientCheck.embeddings64(manager);
        NDArray labels = LossGoldenCheck.labels(manager);
        // scale 8 keeps the softmax away from saturation, so that every entry's gradient is informative
        ArcFaceLoss arc = withReferenceWeights(ArcFaceLoss.builder().setNumClasses(8).optScale(8f).build(), DataType.FLOAT64);
        ParameterGradientCheck.check(arc.getClassWeights(), () -> arc.compute(e, labels), 1e-5);
        CosFaceLoss cos = withReferenceWeights(CosFaceLoss.builder().setNumClasses(8).build(), DataType.FLOAT64);
        ParameterGradientCheck.check(cos.getClassWeights(), () -> cos.compute(e, labels), 1e-5);
    }

    @Test
    void sumReductionIsBatchTimesMean() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        NDArray l = LossGoldenCheck.labels(manager);
        float mean = withReferenceWeights(CosFaceLoss.builder().setNumClasses(8).build(), DataType.FLOAT32)
                .compute(e, l).getFloat();
        float sum = withReferenceWeights(CosFaceLoss.builder().setNumClasses(8).optReduction(Reduction.SUM).build(),
                DataType.FLOAT32).compute(e, l).getFloat();
        assertEquals(32 * mean, sum, 1e-4f * sum);
    }

    @Test
    void badInputIsNamed() {
        NDArray e = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        ArcFaceLoss loss = withReferenceWeights(ArcFaceLoss.builder().setNumClasses(8).build(), DataType.FLOAT32);
        NDArray labels = LossGoldenCheck.labels(manager).add(4);
        assertEquals("Label 11 is outside the 8 classes of ArcFaceLoss: labels must lie in [0, 8). Build the loss with"
                        + " setNumClasses(...) covering every training label, or remap the labels.",
                assertThrows(IllegalArgumentException.class, () -> loss.compute(e, labels)).getMessage());
        assertEquals("Label -1 is outside the 8 classes of ArcFaceLoss: labels must lie in [0, 8). Build the loss with"
                        + " setNumClasses(...) covering every training label, or remap the labels.",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e, LossGoldenCheck.labels(manager).sub(1))).getMessage());
        assertEquals("ArcFaceLoss was initialized for embeddings of size 8 but got embeddings of size 7.",
                assertThrows(IllegalArgumentException.class,
                        () -> loss.compute(e.get(":, :7"), LossGoldenCheck.labels(manager))).getMessage());
        assertEquals("The margin of ArcFaceLoss must be an angle in degrees in [0, 180), got 200.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> ArcFaceLoss.builder().setNumClasses(8).optMargin(200f).build()).getMessage());
        assertEquals("The scale of CosFaceLoss must be a finite number > 0, got 0.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> CosFaceLoss.builder().setNumClasses(8).optScale(0f).build()).getMessage());
    }
}
