package io.github.dml4j.head;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CenterLossHeadTest {

    private static CenterLossHead.Builder head(EmbeddingNet net, int classes) {
        return CenterLossHead.builder().setEmbeddingNet(net).setNumClasses(classes);
    }

    @Test
    void wenUpdateMatchesAPlainComputation() {
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(new ConvNet(new int[] {4}, 3)).setInputShape(1, 28, 28).build();
        CenterLossHead head = head(net, 4).optAlpha(0.5f).build();
        float[][] c = {{1, 0, 0}, {0, 2, 0}, {0, 0, 3}, {-1, -1, -1}};
        float[][] x = {{1, 1, 0}, {3, 0, 0}, {0, 0, 1}, {0, 4, 2}, {2, 2, 2}};
        int[] y = {0, 0, 2, 1, 0};
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(2, 1, 28, 28));
            head.getCenters().getArray().set(new float[] {1, 0, 0, 0, 2, 0, 0, 0, 3, -1, -1, -1});
            int before = parameters.getManagedArrays().size();
            head.afterStep(new NDList(batch.create(x)), new NDList(batch.create(y)));
            float[] updated = head.getCenters().getArray().toFloatArray();

            // c_j -= alpha * sum_{i: y_i = j} (c_j - x_i) / (1 + n_j), written out
            for (int j = 0; j < 4; j++) {
                int n = 0;
                double[] sum = new double[3];
                for (int i = 0; i < x.length; i++) {
                    if (y[i] == j) {
                        n++;
                        for (int d = 0; d < 3; d++) {
                            sum[d] += c[j][d] - x[i][d];
                        }
                    }
                }
                for (int d = 0; d < 3; d++) {
                    assertEquals(c[j][d] - 0.5 * sum[d] / (1 + n), updated[j * 3 + d], 1e-6, "centre " + j + "[" + d + "]");
                }
            }
            // class 3 is not in the batch: its centre stays; nothing was left in the parameters' manager
            assertArrayEquals(new float[] {-1, -1, -1}, new float[] {updated[9], updated[10], updated[11]});
            assertEquals(before, parameters.getManagedArrays().size());
        }
    }

    @Test
    void sgdUpdateNormalizesByTheBatchSize() {
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(new ConvNet(new int[] {4}, 3)).setInputShape(1, 28, 28).build();
        CenterLossHead head = head(net, 3).optAlpha(0.5f).optCenterUpdate(CenterLossHead.CenterUpdate.SGD).build();
        float[][] x = {{1, 1, 0}, {3, 0, 0}, {0, 0, 1}, {0, 4, 2}};
        int[] y = {0, 0, 2, 1};
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(2, 1, 28, 28));
            head.getCenters().getArray().set(new float[] {1, 0, 0, 0, 2, 0, 0, 0, 3});
            head.afterStep(new NDList(batch.create(x)), new NDList(batch.create(y)));
            // c_j -= alpha * sum_{i: y_i = j} (c_j - x_i) / B with B = 4:
            // class 0: (1,0,0) - 0.125 * ((0,-1,0) + (-2,0,0)) = (1.25, 0.125, 0)
            // class 1: (0,2,0) - 0.125 * (0,-2,-2) = (0, 2.25, 0.25); class 2: (0,0,3) - 0.125 * (0,0,2) = (0, 0, 2.75)
            assertArrayEquals(new float[] {1.25f, 0.125f, 0, 0, 2.25f, 0.25f, 0, 0, 2.75f},
                    head.getCenters().getArray().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void theOptimizerNeverTouchesTheCentresInWenMode() {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        // alpha 0: Wen's rule moves nothing, so any change would come from the optimizer
        CenterLossHead wen = head(TrainingFixtures.newNet(false), 4).optAlpha(0f).optLambda(1f).build();
        CenterLossHead opt = head(TrainingFixtures.newNet(false), 4).optLambda(1f)
                .optCenterUpdate(CenterLossHead.CenterUpdate.OPTIMIZER).optCenterLearningRate(1e-2f).build();
        assertFalse(wen.getCenters().requiresGradient());
        assertTrue(opt.getCenters().requiresGradient());
        assertEquals(Map.of(), wen.getParameterLearningRates());
        assertEquals(Map.of(opt.getCenters(), 1e-2f), opt.getParameterLearningRates());
        for (CenterLossHead h : new CenterLossHead[] {wen, opt}) {
            MetricTrainer trainer = MetricTrainer.builder().setHead(h).optEpochs(2).optBatchSize(16).optM(4)
                    .optSeed(0).optListeners().build();
            trainer.initialize();
            float[] classifierBefore = h.getClassifier().getParameters().get("weight").getArray().toFloatArray();
            trainer.fit(train);
            float[] centres = h.getCenters().getArray().toFloatArray();
            float[] classifierAfter = h.getClassifier().getParameters().get("weight").getArray().toFloatArray();
            assertFalse(java.util.Arrays.equals(classifierBefore, classifierAfter), "the classifier trains");
            double moved = 0;
            for (float v : centres) {
                moved = Math.max(moved, Math.abs(v));
            }
            if (h == wen) {
                assertEquals(0.0, moved, "centres moved in WEN mode with alpha 0");
            } else {
                assertTrue(moved > 1e-3, "centres did not move in OPTIMIZER mode: " + moved);
            }
        }
    }

    @Test
    void forwardReturnsEmbeddingsLogitsAndOwnCentresAndTheLossIsCrossEntropyPlusLambdaCentreTerm() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        CenterLossHead head = head(net, 3).optLambda(0.5f).build();
        LabeledImages images = SyntheticImages.generate(3, 2, 4);
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(6, 1, 28, 28));
            head.getCenters().getArray().set(new float[3 * 32]);
            head.getCenters().getArray().addi(0.25f);
            int arrays = parameters.getManagedArrays().size();
            NDArray x = images.toNDArray(batch, new long[] {0, 1, 2, 3, 4, 5}, net.getPixelNormalization());
            NDArray labels = batch.create(images.labels()).toType(DataType.INT64, false);
            NDList out = head.forward(new ParameterStore(batch, false), new NDList(x), new NDList(labels), null);
            assertEquals(3, out.size());
            assertEquals(new Shape(6, 32), out.get(0).getShape());
            assertEquals(new Shape(6, 3), out.get(1).getShape());
            assertEquals(new Shape(6, 32), out.get(2).getShape());
            float value = head.getLoss().evaluate(new NDList(labels), out).getFloat();
            NDArray logits = out.get(1);
            float ce = logits.logSoftmax(1).mul(labels.oneHot(3)).sum(new int[] {1}).neg().mean().getFloat();
            float centre = CenterLoss.builder().build().compute(out.get(0), labels, head.getCenters().getArray()).getFloat();
            assertEquals(ce + 0.5f * centre, value, 1e-5f * value);
            // a forward pass without labels gives the same loss (the own centres are gathered in the loss)
            NDList plain = new NDList(out.get(0), out.get(1));
            assertEquals(value, head.getLoss().evaluate(new NDList(labels), plain).getFloat(), 1e-6f * value);
            // nothing of the batch was left in the parameters' manager
            assertEquals(arrays, parameters.getManagedArrays().size());
        }
    }

    @Test
    void aLabelOutsideTheClassesIsNamed() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        CenterLossHead head = head(net, 10).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, new Shape(3, 1, 28, 28));
            NDArray x = manager.zeros(new Shape(3, 1, 28, 28));
            ParameterStore ps = new ParameterStore(manager, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> head.forward(ps, new NDList(x), new NDList(manager.create(new long[] {0, 12, 3})), null));
            assertEquals("Label 12 is outside the 10 classes of CenterLossHead: labels must lie in [0, 10). Build the head "
                    + "with setNumClasses(...) covering every training label, or remap the labels.", e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> head.forward(ps, new NDList(x), new NDList(manager.create(new int[] {0, -1, 3})), null));
            assertTrue(e.getMessage().startsWith("Label -1 is outside the 10 classes of CenterLossHead"), e.getMessage());
        }
        // and in training: 11 classes of images for a 10-class head
        LabeledImages train = SyntheticImages.generate(11, 8, 1);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head(TrainingFixtures.newNet(false), 10).build())
                .optEpochs(1).optBatchSize(88).optM(8).optListeners().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(train));
        assertTrue(e.getMessage().startsWith("Label 10 is outside the 10 classes of CenterLossHead"), e.getMessage());
    }

    @Test
    void shortTrainingRaisesPrecisionAt1AndOnlyTheEmbeddingNetIsExported(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet(false);
        CenterLossHead head = head(net, 10).build();
        try (NDManager parameters = NDManager.newBaseManager(Device.cpu())) {
            // initialized here rather than by the trainer, to watch the parameters' manager
            ai.djl.engine.Engine.getInstance().setRandomSeed(0);
            head.initialize(parameters, DataType.FLOAT32, net.batchInputShape(64));
            TrainingFixtures.ManagerCount counts = new TrainingFixtures.ManagerCount(parameters);
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optBatchSize(64).optM(8)
                    .optLearningRate(1e-2f).optSeed(0).optListeners(counts).build();
            double before = TrainingFixtures.precisionAt1(net, test);
            trainer.fit(train);
            double after = TrainingFixtures.precisionAt1(net, test);
            // softmax features on this small set improve more slowly than the metric losses' (0.38 -> 0.66 here)
            assertTrue(after > before + 0.2 && after > 0.6, "P@1 before " + before + ", after " + after);
            // the parameters' manager holds as many arrays after the last step as after the second
            assertEquals(counts.counts.get(1), counts.counts.get(counts.counts.size() - 1), "arrays in the parameters' manager per step: " + counts.counts);

            try (EmbeddingModel model = EmbeddingModel.of(head.getEmbeddingNet())) {
                model.save(dir);
            }
            try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
                assertEquals(net.getParameters().size(), loaded.net().getParameters().size());
                assertTrue(head.getParameters().size() > net.getParameters().size());
                for (String name : loaded.net().getParameters().keys()) {
                    assertFalse(name.contains("classifier") || name.contains("centers"), name);
                }
                assertArrayEquals(TrainingFixtures.embed(net, test), TrainingFixtures.embed(loaded.net(), test));
            }
        }
    }

    @Test
    void badSettingsAreNamed() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        assertEquals("CenterLossHead needs at least 2 classes: call setNumClasses(...), got 0.",
                assertThrows(IllegalArgumentException.class, () -> CenterLossHead.builder().setEmbeddingNet(net).build()).getMessage());
        assertEquals("The alpha of CenterLossHead must lie in [0, 1], got 1.5.",
                assertThrows(IllegalArgumentException.class, () -> head(net, 3).optAlpha(1.5f).build()).getMessage());
        assertEquals("CenterLossHead's center learning rate applies only with optCenterUpdate(CenterUpdate.OPTIMIZER); "
                        + "Wen et al.'s rule uses alpha instead.",
                assertThrows(IllegalArgumentException.class, () -> head(net, 3).optCenterLearningRate(0.1f).build()).getMessage());
        assertEquals("CenterLossHead needs an EmbeddingNet: call setEmbeddingNet(...).",
                assertThrows(IllegalArgumentException.class, () -> CenterLossHead.builder().setNumClasses(3).build()).getMessage());
    }
}
