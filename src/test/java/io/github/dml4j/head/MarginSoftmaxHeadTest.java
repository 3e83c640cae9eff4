package io.github.dml4j.head;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.CosFaceLoss;
import io.github.dml4j.loss.MarginSoftmaxLoss;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarginSoftmaxHeadTest {

    private static double maxAbsChange(float[] before, float[] after) {
        double max = 0;
        for (int i = 0; i < before.length; i++) {
            max = Math.max(max, Math.abs(after[i] - before[i]));
        }
        return max;
    }

    @Test
    void classWeightsTrainAtTheirOwnLearningRate() {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        double[] classWeightSteps = new double[2];
        float[][] netAfter = new float[2][];
        float[] rates = {1e-2f, 1e-3f};
        for (int run = 0; run < 2; run++) {
            EmbeddingNet net = TrainingFixtures.newNet(true);
            MarginSoftmaxHead head = MarginSoftmaxHead.builder().setEmbeddingNet(net).setNumClasses(4)
                    .optClassWeightLearningRate(rates[run]).build();
            assertEquals(Map.of(head.getClassWeights(), rates[run]), head.getParameterLearningRates());
            // one Adam step at the trainer's 1e-3: its first step moves every parameter by about its learning rate
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(1).optBatchSize(16).optM(4)
                    .optEpochLength(16).optLearningRate(1e-3f).optSeed(0).optListeners().build();
            trainer.initialize();
            float[] before = head.getClassWeights().getArray().toFloatArray();
            trainer.fit(train);
            classWeightSteps[run] = maxAbsChange(before, head.getClassWeights().getArray().toFloatArray());
            netAfter[run] = TrainingFixtures.embed(net, train);
        }
        assertEquals(1e-2, classWeightSteps[0], 2e-3, "class weights at 1e-2");
        assertEquals(1e-3, classWeightSteps[1], 2e-4, "class weights at 1e-3");
        // the network itself took the same step in both runs
        assertArrayEquals(netAfter[0], netAfter[1], 1e-5f);
    }

    @Test
    void forwardGivesEmbeddingsAndCosinesAndTheLossIsTheMarginLossOnTheClassWeights() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        MarginSoftmaxHead head = MarginSoftmaxHead.builder().setEmbeddingNet(net).setNumClasses(3)
                .optLoss(CosFaceLoss.builder().build()).build();
        LabeledImages images = SyntheticImages.generate(3, 2, 4);
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(6, 1, 28, 28));
            int arrays = parameters.getManagedArrays().size();
            NDArray x = images.toNDArray(batch, new long[] {0, 1, 2, 3, 4, 5}, net.getPixelNormalization());
            NDArray labels = batch.create(images.labels());
            NDList out = head.forward(new ParameterStore(batch, false), new NDList(x), new NDList(labels), null);
            assertEquals(2, out.size());
            assertEquals(new Shape(6, 32), out.get(0).getShape());
            assertEquals(new Shape(6, 3), out.get(1).getShape());
            assertTrue(out.get(1).abs().max().getFloat() <= 1f + 1e-6f);
            float value = head.getLoss().evaluate(new NDList(labels), out).getFloat();
            NDArray weights = head.getClassWeights().getArray();
            assertEquals(CosFaceLoss.builder().build().compute(out.get(0), labels, weights).getFloat(), value, 1e-5f * value);
            assertEquals(arrays, parameters.getManagedArrays().size(), "arrays left in the parameters' manager");
            assertEquals(new Shape(32, 3), weights.getShape());
        }
    }

    @Test
    void aLabelOutsideTheClassesIsNamed() {
        MarginSoftmaxHead head = MarginSoftmaxHead.builder().setEmbeddingNet(TrainingFixtures.newNet(true)).setNumClasses(5).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, new Shape(2, 1, 28, 28));
            NDArray x = manager.zeros(new Shape(2, 1, 28, 28));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.forward(
                    new ParameterStore(manager, false), new NDList(x), new NDList(manager.create(new long[] {7, 1})), null));
            assertTrue(e.getMessage().startsWith("Label 7 is outside the 5 classes of MarginSoftmaxHead: labels must lie in [0, 5)."),
                    e.getMessage());
        }
    }

    private static void trainsWell(MarginSoftmaxLoss loss) {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MarginSoftmaxHead head = MarginSoftmaxHead.builder().setEmbeddingNet(net).setNumClasses(10).optLoss(loss).build();
        try (NDManager parameters = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            head.initialize(parameters, DataType.FLOAT32, net.batchInputShape(64));
            TrainingFixtures.ManagerCount counts = new TrainingFixtures.ManagerCount(parameters);
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optBatchSize(64).optM(8)
                    .optLearningRate(3e-3f).optSeed(0).optListeners(counts).build();
            double before = TrainingFixtures.precisionAt1(net, test);
            trainer.fit(train);
            double after = TrainingFixtures.precisionAt1(net, test);
            assertTrue(after > before + 0.25 && after > 0.65, loss + ": P@1 before " + before + ", after " + after);
            assertEquals(counts.counts.get(1), counts.counts.get(counts.counts.size() - 1),
                    "arrays in the parameters' manager per step: " + counts.counts);
        }
    }

    @Test
    void shortArcFaceTrainingRaisesPrecisionAt1() {
        trainsWell(ArcFaceLoss.builder().build());
    }

    @Test
    void shortCosFaceTrainingRaisesPrecisionAt1() {
        trainsWell(CosFaceLoss.builder().build());
    }

    @Test
    void badSettingsAreNamed() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        assertEquals("MarginSoftmaxHead needs at least 2 classes: call setNumClasses(...), got 1.",
                assertThrows(IllegalArgumentException.class,
                        () -> MarginSoftmaxHead.builder().setEmbeddingNet(net).setNumClasses(1).build()).getMessage());
        assertEquals("The class weight learning rate of MarginSoftmaxHead must be a positive number, got 0.0.",
                assertThrows(IllegalArgumentException.class, () -> MarginSoftmaxHead.builder().setEmbeddingNet(net)
                        .setNumClasses(3).optClassWeightLearningRate(0f).build()).getMessage());
        Parameter w = MarginSoftmaxHead.builder().setEmbeddingNet(net).setNumClasses(3).build().getClassWeights();
        assertEquals(new Shape(32, 3), w.getShape());
        assertEquals(Parameter.Type.WEIGHT, w.getType());
    }
}
