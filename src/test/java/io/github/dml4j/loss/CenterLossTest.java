package io.github.dml4j.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.nn.ParameterGroup;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Center loss as a loss that owns its centres: Wen et al.'s and the SGD centre updates inside a
 * training computation, the optimizer mode, softmax plus center loss in a head, and training.
 */
class CenterLossTest {

    private static final List<Device> CPU = List.of(Device.cpu());

    /** Softmax plus {@code lambda} times center loss, as the former CenterLossHead computed it. */
    private static MultipleLosses softmaxCenter(SoftmaxLoss softmax, CenterLoss centers, float lambda) {
        return MultipleLosses.builder().addLoss(softmax).addLoss(centers, lambda).build();
    }

    private static MetricHead head(EmbeddingNet net, EmbeddingLoss loss) {
        return MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
    }

    /** 1/2 mean_i |x_i - c_{y_i}|^2, written out. */
    private static double plainLoss(float[][] x, int[] y, float[][] c) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            for (int d = 0; d < x[i].length; d++) {
                sum += Math.pow(x[i][d] - c[y[i]][d], 2);
            }
        }
        return 0.5 * sum / x.length;
    }

    @Test
    void wenUpdateMatchesAPlainComputation() {
        CenterLoss loss = CenterLoss.builder().setNumClasses(4).optAlpha(0.5f).build();
        float[][] c = {{1, 0, 0}, {0, 2, 0}, {0, 0, 3}, {-1, -1, -1}};
        float[][] x = {{1, 1, 0}, {3, 0, 0}, {0, 0, 1}, {0, 4, 2}, {2, 2, 2}};
        int[] y = {0, 0, 2, 1, 0};
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            loss.initialize(parameters, 3);
            loss.getCenters().getArray().set(new float[] {1, 0, 0, 0, 2, 0, 0, 0, 3, -1, -1, -1});
            int before = parameters.getManagedArrays().size();
            float value = loss.compute(new ParameterStore(batch, false), batch.create(x), batch.create(y), null, true)
                    .getFloat();
            float[] updated = loss.getCenters().getArray().toFloatArray();
            // the loss is computed from the centres before the update
            assertEquals(plainLoss(x, y, c), value, 1e-6);

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
        CenterLoss loss = CenterLoss.builder().setNumClasses(3).optAlpha(0.5f)
                .optCenterUpdate(CenterLoss.CenterUpdate.SGD).build();
        float[][] x = {{1, 1, 0}, {3, 0, 0}, {0, 0, 1}, {0, 4, 2}};
        int[] y = {0, 0, 2, 1};
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            loss.initialize(parameters, 3);
            loss.getCenters().getArray().set(new float[] {1, 0, 0, 0, 2, 0, 0, 0, 3});
            int before = parameters.getManagedArrays().size();
            loss.compute(new ParameterStore(batch, false), batch.create(x), batch.create(y), null, true);
            // c_j -= alpha * sum_{i: y_i = j} (c_j - x_i) / B with B = 4:
            // class 0: (1,0,0) - 0.125 * ((0,-1,0) + (-2,0,0)) = (1.25, 0.125, 0)
            // class 1: (0,2,0) - 0.125 * (0,-2,-2) = (0, 2.25, 0.25); class 2: (0,0,3) - 0.125 * (0,0,2) = (0, 0, 2.75)
            assertArrayEquals(new float[] {1.25f, 0.125f, 0, 0, 2.25f, 0.25f, 0, 0, 2.75f},
                    loss.getCenters().getArray().toFloatArray(), 1e-6f);
            assertEquals(before, parameters.getManagedArrays().size());
        }
    }

    @Test
    void theCentresMoveOnlyInATrainingComputationOfWenOrSgd() {
        float[] start = {1, 0, 0, 0, 2, 0, 0, 0, 3};
        float[][] x = {{1, 1, 0}, {3, 0, 0}, {0, 0, 1}, {0, 4, 2}};
        int[] y = {0, 0, 2, 1};
        for (CenterLoss.CenterUpdate update : CenterLoss.CenterUpdate.values()) {
            CenterLoss loss = CenterLoss.builder().setNumClasses(3).optCenterUpdate(update).build();
            try (NDManager manager = NDManager.newBaseManager()) {
                loss.initialize(manager, 3);
                loss.getCenters().getArray().set(start);
                NDArray xx = manager.create(x);
                NDArray yy = manager.create(y);
                float evaluated = loss.compute(xx, yy).getFloat();
                loss.compute(new ParameterStore(manager, false), xx, yy, null, false);
                assertArrayEquals(start, loss.getCenters().getArray().toFloatArray(), update + ": moved outside training");
                float trained = loss.compute(new ParameterStore(manager, false), xx, yy, null, true).getFloat();
                assertEquals(evaluated, trained, 0f, update + ": the training loss is the old centres'");
                boolean moved = !Arrays.equals(start, loss.getCenters().getArray().toFloatArray());
                // with OPTIMIZER the centres are the optimizer's to move, never the loss's
                assertEquals(update != CenterLoss.CenterUpdate.OPTIMIZER, moved, update + " moved: " + moved);
            }
        }
    }

    @Test
    void theOptimizerNeverTouchesTheCentresInWenModeAndMovesThemInOptimizerMode() {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        // alpha 0: Wen's rule moves nothing, so any change would come from the optimizer
        SoftmaxLoss wenSoftmax = SoftmaxLoss.builder().setNumClasses(4).build();
        CenterLoss wenCentres = CenterLoss.builder().setNumClasses(4).optAlpha(0f).build();
        SoftmaxLoss optSoftmax = SoftmaxLoss.builder().setNumClasses(4).build();
        // the former optCenterLearningRate(1e-2) at the trainer's default 1e-3
        CenterLoss optCentres = CenterLoss.builder().setNumClasses(4).optCenterUpdate(CenterLoss.CenterUpdate.OPTIMIZER)
                .optLearningRateMultiplier(10f).build();
        MetricHead wen = head(TrainingFixtures.newNet(false), softmaxCenter(wenSoftmax, wenCentres, 1f));
        MetricHead opt = head(TrainingFixtures.newNet(false), softmaxCenter(optSoftmax, optCentres, 1f));
        assertFalse(wenCentres.getCenters().requiresGradient());
        assertTrue(optCentres.getCenters().requiresGradient());
        assertEquals(List.of("embedding", "SoftmaxLoss"), names(wen.parameterGroups()));
        assertEquals(List.of("embedding", "SoftmaxLoss", "CenterLoss"), names(opt.parameterGroups()));
        ParameterGroup centreGroup = opt.parameterGroups().get(2);
        assertEquals(10f, centreGroup.learningRateMultiplier());
        assertEquals(List.of(optCentres.getCenters()), centreGroup.parameters());
        for (MetricHead h : new MetricHead[] {wen, opt}) {
            SoftmaxLoss softmax = h == wen ? wenSoftmax : optSoftmax;
            CenterLoss centres = h == wen ? wenCentres : optCentres;
            MetricTrainer trainer = MetricTrainer.builder().setHead(h).optEpochs(2).optSeed(0).optListeners().build();
            trainer.initialize();
            float[] classifierBefore = softmax.getClassifier().getParameters().get("weight").getArray().toFloatArray();
            trainer.fit(classBatches(train, h.getEmbeddingNet(), 16, 4, 0));
            float[] after = centres.getCenters().getArray().toFloatArray();
            float[] classifierAfter = softmax.getClassifier().getParameters().get("weight").getArray().toFloatArray();
            assertFalse(Arrays.equals(classifierBefore, classifierAfter), "the classifier trains");
            double moved = 0;
            for (float v : after) {
                moved = Math.max(moved, Math.abs(v));
            }
            if (h == wen) {
                assertEquals(0.0, moved, "centres moved in WEN mode with alpha 0");
            } else {
                assertTrue(moved > 1e-3, "centres did not move in OPTIMIZER mode: " + moved);
            }
        }
    }

    private static List<String> names(List<ParameterGroup> groups) {
        return groups.stream().map(ParameterGroup::name).toList();
    }

    @Test
    void throughTheHeadTheLossIsCrossEntropyPlusLambdaCentreTerm() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        SoftmaxLoss softmax = SoftmaxLoss.builder().setNumClasses(3).build();
        CenterLoss centres = CenterLoss.builder().setNumClasses(3).build();
        MetricHead head = head(net, softmaxCenter(softmax, centres, 0.5f));
        LabeledImages images = SyntheticImages.generate(3, 2, 4);
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(6, 1, 28, 28));
            assertEquals(new Shape(3, 32), centres.getCenters().getArray().getShape());
            centres.getCenters().getArray().set(new float[3 * 32]);
            centres.getCenters().getArray().addi(0.25f);
            int arrays = parameters.getManagedArrays().size();
            NDArray x = images.toNDArray(batch, new long[] {0, 1, 2, 3, 4, 5}, net.getPixelNormalization());
            NDArray labels = batch.create(images.labels()).toType(DataType.INT64, false);
            ParameterStore ps = new ParameterStore(batch, false);
            MetricHead.HeadOutput out = head.forward(ps, new NDList(x), new NDList(labels), BatchLayout.CLASSES, CPU, false);
            assertEquals(new Shape(6, 32), out.embeddings().getShape());
            float value = out.loss().getFloat();
            NDArray logits = softmax.getClassifier().forward(ps, new NDList(out.embeddings()), false).head();
            assertEquals(new Shape(6, 3), logits.getShape());
            float ce = logits.logSoftmax(1).mul(labels.oneHot(3)).sum(new int[] {1}).neg().mean().getFloat();
            assertEquals(ce, softmax.compute(out.embeddings(), labels).getFloat(), 1e-6f * ce);
            NDArray own = CenterLoss.ownCenters(labels, centres.getCenters().getArray());
            float centre = centres.computeFromOwnCenters(out.embeddings(), own).getFloat();
            assertEquals(centre, centres.compute(out.embeddings(), labels).getFloat(), 1e-6f * centre);
            assertEquals(ce + 0.5f * centre, value, 1e-5f * value);
            // nothing of the batch was left in the parameters' manager
            assertEquals(arrays, parameters.getManagedArrays().size());
        }
    }

    @Test
    void aLabelOutsideTheClassesIsNamed() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        MetricHead head = head(net, CenterLoss.builder().setNumClasses(10).build());
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, new Shape(3, 1, 28, 28));
            NDArray x = manager.zeros(new Shape(3, 1, 28, 28));
            ParameterStore ps = new ParameterStore(manager, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x),
                    new NDList(manager.create(new long[] {0, 12, 3})), BatchLayout.CLASSES, CPU, false));
            assertEquals("Label 12 is outside the 10 classes of CenterLoss: labels must lie in [0, 10). Build the loss "
                    + "with setNumClasses(...) covering every training label, or remap the labels.", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x),
                    new NDList(manager.create(new int[] {0, -1, 3})), BatchLayout.CLASSES, CPU, false));
            assertTrue(e.getMessage().startsWith("Label -1 is outside the 10 classes of CenterLoss"), e.getMessage());
        }
        // and in training: 11 classes of images for 10 centres (the softmax part covers them; the centres do not)
        LabeledImages train = SyntheticImages.generate(11, 8, 1);
        EmbeddingNet trained = TrainingFixtures.newNet(false);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head(trained, softmaxCenter(
                        SoftmaxLoss.builder().setNumClasses(11).build(), CenterLoss.builder().setNumClasses(10).build(), 0.01f)))
                .optEpochs(1).optListeners().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(classBatches(train, trained, 88, 8, 0)));
        assertTrue(e.getMessage().startsWith("Label 10 is outside the 10 classes of CenterLoss"), e.getMessage());
    }

    @Test
    void shortSoftmaxCenterTrainingRaisesPrecisionAt1AndOnlyTheEmbeddingNetIsExported(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet(false);
        // the former CenterLossHead's defaults: lambda 0.01, Wen et al.'s update at alpha 0.5
        CenterLoss centres = CenterLoss.builder().setNumClasses(10).build();
        MetricHead head = head(net, softmaxCenter(SoftmaxLoss.builder().setNumClasses(10).build(), centres, 0.01f));
        try (NDManager parameters = NDManager.newBaseManager(Device.cpu())) {
            // initialized here rather than by the trainer, to watch the parameters' manager
            ai.djl.engine.Engine.getInstance().setRandomSeed(0);
            head.initialize(parameters, DataType.FLOAT32, net.batchInputShape(64));
            TrainingFixtures.ManagerCount counts = new TrainingFixtures.ManagerCount(parameters);
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optLearningRate(1e-2f).optSeed(0)
                    .optListeners(counts).build();
            double before = TrainingFixtures.precisionAt1(net, test);
            trainer.fit(classBatches(train, net, 64, 8, 0));
            double after = TrainingFixtures.precisionAt1(net, test);
            // softmax features on this small set improve more slowly than the metric losses'
            assertTrue(after > before + 0.2 && after > 0.6, "P@1 before " + before + ", after " + after);
            // the parameters' manager holds as many arrays after the last step as after the second
            assertEquals(counts.counts.get(1), counts.counts.get(counts.counts.size() - 1),
                    "arrays in the parameters' manager per step: " + counts.counts);
            // Wen et al.'s rule moved the centres away from zero
            assertTrue(centres.getCenters().getArray().abs().max().getFloat() > 1e-3f);

            ExportCheck.onlyTheEmbeddingNetIsExported(head, dir, test, "classifier", "centers");
        }
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("CenterLoss needs at least 2 classes: call setNumClasses(...), got 0.",
                assertThrows(IllegalArgumentException.class, () -> CenterLoss.builder().build()).getMessage());
        assertEquals("The alpha of CenterLoss must lie in [0, 1], got 1.5.",
                assertThrows(IllegalArgumentException.class,
                        () -> CenterLoss.builder().setNumClasses(3).optAlpha(1.5f).build()).getMessage());
        assertEquals("CenterLoss's learning-rate multiplier applies only with optCenterUpdate(CenterUpdate.OPTIMIZER); "
                        + "Wen et al.'s rule and SGD use alpha instead.",
                assertThrows(IllegalArgumentException.class,
                        () -> CenterLoss.builder().setNumClasses(3).optLearningRateMultiplier(10f).build()).getMessage());
        assertEquals("The learning-rate multiplier of CenterLoss must be a finite number > 0, got 0.0.",
                assertThrows(IllegalArgumentException.class, () -> CenterLoss.builder().setNumClasses(3)
                        .optCenterUpdate(CenterLoss.CenterUpdate.OPTIMIZER).optLearningRateMultiplier(0f).build()).getMessage());
        assertEquals("SoftmaxLoss needs at least 2 classes: call setNumClasses(...), got 1.",
                assertThrows(IllegalArgumentException.class, () -> SoftmaxLoss.builder().setNumClasses(1).build()).getMessage());
        assertEquals("The weight of CenterLoss in MultipleLosses must be a finite number >= 0, got -0.01.",
                assertThrows(IllegalArgumentException.class, () -> MultipleLosses.builder()
                        .addLoss(CenterLoss.builder().setNumClasses(3).build(), -0.01f).build()).getMessage());
        assertEquals("MultipleLosses needs at least one loss: call addLoss(...).",
                assertThrows(IllegalArgumentException.class, () -> MultipleLosses.builder().build()).getMessage());
    }

    /** The saved model of a trained head: the embedding network alone. */
    static final class ExportCheck {
        private ExportCheck() {}

        /**
         * Saves the head's network as an {@link EmbeddingModel}, loads it back and checks that it
         * holds exactly the network's parameters, none whose name contains one of {@code lossNames},
         * and embeds as the network does.
         */
        static void onlyTheEmbeddingNetIsExported(MetricHead head, Path dir, LabeledImages images, String... lossNames)
                throws Exception {
            EmbeddingNet net = head.getEmbeddingNet();
            try (EmbeddingModel model = EmbeddingModel.of(net)) {
                model.save(dir);
            }
            try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
                assertEquals(net.getParameters().size(), loaded.net().getParameters().size());
                assertTrue(head.getParameters().size() > net.getParameters().size(), "the loss owns parameters");
                for (String name : loaded.net().getParameters().keys()) {
                    for (String lossName : lossNames) {
                        assertFalse(name.contains(lossName), name);
                    }
                }
                assertArrayEquals(TrainingFixtures.embed(net, images), TrainingFixtures.embed(loaded.net(), images));
            }
            // and the saved parameter file holds none of the loss's parameter names either
            byte[] params = java.nio.file.Files.readAllBytes(dir.resolve(EmbeddingModel.PARAMETER_FILE));
            String text = new String(params, java.nio.charset.StandardCharsets.ISO_8859_1);
            for (String lossName : lossNames) {
                assertFalse(text.contains(lossName), lossName + " in " + EmbeddingModel.PARAMETER_FILE);
            }
        }
    }
}
