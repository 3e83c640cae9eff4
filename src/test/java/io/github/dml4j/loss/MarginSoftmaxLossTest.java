package io.github.dml4j.loss;

import ai.djl.Device;
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
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.nn.ParameterGroup;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ArcFace and CosFace with their own class weights, in a head and in training. */
class MarginSoftmaxLossTest {

    private static final List<Device> CPU = List.of(Device.cpu());

    private static double maxAbsChange(float[] before, float[] after) {
        double max = 0;
        for (int i = 0; i < before.length; i++) {
            max = Math.max(max, Math.abs(after[i] - before[i]));
        }
        return max;
    }

    @Test
    void classWeightsTrainAtTheirOwnMultipleOfTheLearningRate() {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        double[] classWeightSteps = new double[2];
        float[][] netAfter = new float[2][];
        float[] multipliers = {10f, 1f};
        for (int run = 0; run < 2; run++) {
            EmbeddingNet net = TrainingFixtures.newNet(true);
            ArcFaceLoss loss = ArcFaceLoss.builder().setNumClasses(4).optLearningRateMultiplier(multipliers[run]).build();
            MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
            List<ParameterGroup> groups = loss.parameterGroups();
            assertEquals(1, groups.size());
            assertEquals("ArcFaceLoss", groups.get(0).name());
            assertEquals(multipliers[run], groups.get(0).learningRateMultiplier());
            assertEquals(List.of(loss.getClassWeights()), groups.get(0).parameters());
            // one Adam step at the trainer's 1e-3: its first step moves every parameter by about its learning rate
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(1).optLearningRate(1e-3f).optSeed(0)
                    .optListeners().build();
            trainer.initialize();
            float[] before = loss.getClassWeights().getArray().toFloatArray();
            trainer.fit(io.github.dml4j.train.ClassBatches.builder().setImages(train)
                    .setNormalization(net.getPixelNormalization()).optBatchSize(16).optM(4).optEpochLength(16).optSeed(0)
                    .build());
            classWeightSteps[run] = maxAbsChange(before, loss.getClassWeights().getArray().toFloatArray());
            netAfter[run] = TrainingFixtures.embed(net, train);
        }
        assertEquals(1e-2, classWeightSteps[0], 2e-3, "class weights at 10 x 1e-3");
        assertEquals(1e-3, classWeightSteps[1], 2e-4, "class weights at 1 x 1e-3");
        // the network itself took the same step in both runs
        assertArrayEquals(netAfter[0], netAfter[1], 1e-5f);
    }

    @Test
    void throughTheHeadTheLossIsTheMarginLossOnItsOwnClassWeights() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        CosFaceLoss cosFace = CosFaceLoss.builder().setNumClasses(3).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(cosFace).build();
        LabeledImages images = SyntheticImages.generate(3, 2, 4);
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(6, 1, 28, 28));
            int arrays = parameters.getManagedArrays().size();
            NDArray x = images.toNDArray(batch, new long[] {0, 1, 2, 3, 4, 5}, net.getPixelNormalization());
            NDArray labels = batch.create(images.labels());
            MetricHead.HeadOutput out = head.forward(new ParameterStore(batch, false), new NDList(x), new NDList(labels),
                    BatchLayout.CLASSES, CPU, false);
            assertEquals(new Shape(6, 32), out.embeddings().getShape());
            assertNull(out.tuples());
            NDArray weights = cosFace.getClassWeights().getArray();
            assertEquals(new Shape(32, 3), weights.getShape());
            NDArray cosine = MarginSoftmaxLoss.cosine(out.embeddings(), weights);
            assertEquals(new Shape(6, 3), cosine.getShape());
            assertTrue(cosine.abs().max().getFloat() <= 1f + 1e-6f);
            float value = out.loss().getFloat();
            assertEquals(cosFace.computeFromCosine(cosine, labels).getFloat(), value, 1e-5f * value);
            assertEquals(cosFace.compute(out.embeddings(), labels).getFloat(), value, 1e-5f * value);
            assertEquals(arrays, parameters.getManagedArrays().size(), "arrays left in the parameters' manager");
        }
    }

    @Test
    void aLabelOutsideTheClassesIsNamed() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(ArcFaceLoss.builder().setNumClasses(5).build())
                .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, new Shape(2, 1, 28, 28));
            NDArray x = manager.zeros(new Shape(2, 1, 28, 28));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.forward(
                    new ParameterStore(manager, false), new NDList(x), new NDList(manager.create(new long[] {7, 1})),
                    BatchLayout.CLASSES, CPU, false));
            assertTrue(e.getMessage().startsWith("Label 7 is outside the 5 classes of ArcFaceLoss: labels must lie in [0, 5)."),
                    e.getMessage());
        }
    }

    private static void trainsWell(MarginSoftmaxLoss loss, Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
        try (NDManager parameters = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            head.initialize(parameters, DataType.FLOAT32, net.batchInputShape(64));
            TrainingFixtures.ManagerCount counts = new TrainingFixtures.ManagerCount(parameters);
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optLearningRate(3e-3f).optSeed(0)
                    .optListeners(counts).build();
            double before = TrainingFixtures.precisionAt1(net, test);
            trainer.fit(classBatches(train, net, 64, 8, 0));
            double after = TrainingFixtures.precisionAt1(net, test);
            assertTrue(after > before + 0.25 && after > 0.65, loss + ": P@1 before " + before + ", after " + after);
            assertEquals(counts.counts.get(1), counts.counts.get(counts.counts.size() - 1),
                    "arrays in the parameters' manager per step: " + counts.counts);
            CenterLossTest.ExportCheck.onlyTheEmbeddingNetIsExported(head, dir, test, "classWeights");
        }
    }

    @Test
    void shortArcFaceTrainingRaisesPrecisionAt1(@TempDir Path dir) throws Exception {
        trainsWell(ArcFaceLoss.builder().setNumClasses(10).build(), dir);
    }

    @Test
    void shortCosFaceTrainingRaisesPrecisionAt1(@TempDir Path dir) throws Exception {
        trainsWell(CosFaceLoss.builder().setNumClasses(10).build(), dir);
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("ArcFaceLoss needs at least 2 classes: call setNumClasses(...), got 1.",
                assertThrows(IllegalArgumentException.class, () -> ArcFaceLoss.builder().setNumClasses(1).build()).getMessage());
        assertEquals("The learning-rate multiplier of ArcFaceLoss must be a finite number > 0, got 0.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> ArcFaceLoss.builder().setNumClasses(3).optLearningRateMultiplier(0f).build()).getMessage());
        assertEquals("The learning-rate multiplier of CosFaceLoss must be a finite number > 0, got NaN.",
                assertThrows(IllegalArgumentException.class,
                        () -> CosFaceLoss.builder().setNumClasses(3).optLearningRateMultiplier(Float.NaN).build()).getMessage());
        ArcFaceLoss loss = ArcFaceLoss.builder().setNumClasses(3).build();
        Parameter w = loss.getClassWeights();
        assertEquals(Parameter.Type.WEIGHT, w.getType());
        assertTrue(w.requiresGradient());
        try (NDManager manager = NDManager.newBaseManager()) {
            loss.initialize(manager, 32);
            assertEquals(new Shape(32, 3), w.getShape());
            assertEquals(new Shape(32, 3), w.getArray().getShape());
        }
    }
}
