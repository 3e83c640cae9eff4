package io.github.dml4j.loss;

import ai.djl.Device;
import ai.djl.engine.Engine;
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
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proxy-anchor loss with its own proxies, in a head and in training. */
class ProxyAnchorLossTest {

    private static final List<Device> CPU = List.of(Device.cpu());

    @Test
    void proxiesTrainAtTheirOwnMultipleOfTheLearningRate() {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        // the former proxy learning rates 1e-1 and 1e-3 at the trainer's 1e-3
        float[] multipliers = {100f, 1f};
        double[] steps = new double[2];
        for (int run = 0; run < 2; run++) {
            EmbeddingNet net = TrainingFixtures.newNet(true);
            ProxyAnchorLoss loss = ProxyAnchorLoss.builder().setNumClasses(4).optLearningRateMultiplier(multipliers[run]).build();
            MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
            assertEquals(multipliers[run], loss.parameterGroups().get(0).learningRateMultiplier());
            assertEquals(List.of(loss.getProxies()), loss.parameterGroups().get(0).parameters());
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(1).optLearningRate(1e-3f).optSeed(0)
                    .optListeners().build();
            trainer.initialize();
            float[] before = loss.getProxies().getArray().toFloatArray();
            trainer.fit(ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                    .optBatchSize(16).optM(4).optEpochLength(16).optSeed(0).build());
            float[] after = loss.getProxies().getArray().toFloatArray();
            for (int i = 0; i < before.length; i++) {
                steps[run] = Math.max(steps[run], Math.abs(after[i] - before[i]));
            }
        }
        // Adam's first step moves each entry by about its learning rate
        assertEquals(1e-1, steps[0], 2e-2);
        assertEquals(1e-3, steps[1], 2e-4);
        assertEquals(10f, ProxyAnchorLoss.builder().setNumClasses(4).build().getLearningRateMultiplier(), "the default");
    }

    @Test
    void throughTheHeadTheLossIsProxyAnchorOnItsOwnProxies() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        ProxyAnchorLoss loss = ProxyAnchorLoss.builder().setNumClasses(3).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
        LabeledImages images = SyntheticImages.generate(3, 2, 4);
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(6, 1, 28, 28));
            int arrays = parameters.getManagedArrays().size();
            NDArray x = images.toNDArray(batch, new long[] {0, 1, 2, 3, 4, 5}, net.getPixelNormalization());
            NDArray labels = batch.create(images.labels());
            ParameterStore ps = new ParameterStore(batch, false);
            MetricHead.HeadOutput out = head.forward(ps, new NDList(x), new NDList(labels), BatchLayout.CLASSES, CPU, false);
            NDArray proxies = loss.getProxies().getArray();
            assertEquals(new Shape(3, 32), proxies.getShape());
            NDArray similarity = ProxyAnchorLoss.similarity(out.embeddings(), proxies);
            assertEquals(new Shape(6, 3), similarity.getShape());
            float value = out.loss().getFloat();
            assertEquals(loss.computeFromSimilarity(similarity, labels).getFloat(), value, 1e-5f * value);
            assertEquals(loss.compute(out.embeddings(), labels).getFloat(), value, 1e-5f * value);
            assertEquals(arrays, parameters.getManagedArrays().size(), "arrays left in the parameters' manager");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x),
                    new NDList(labels.add(1)), BatchLayout.CLASSES, CPU, false));
            assertTrue(e.getMessage().startsWith("Label 3 is outside the 3 classes of ProxyAnchorLoss"), e.getMessage());
        }
    }

    @Test
    void shortTrainingRaisesPrecisionAt1(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(ProxyAnchorLoss.builder().setNumClasses(10).build()).build();
        try (NDManager parameters = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            head.initialize(parameters, DataType.FLOAT32, net.batchInputShape(64));
            TrainingFixtures.ManagerCount counts = new TrainingFixtures.ManagerCount(parameters);
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optLearningRate(3e-3f).optSeed(0)
                    .optListeners(counts).build();
            double before = TrainingFixtures.precisionAt1(net, test);
            trainer.fit(classBatches(train, net, 64, 8, 0));
            double after = TrainingFixtures.precisionAt1(net, test);
            assertTrue(after > before + 0.25 && after > 0.7, "P@1 before " + before + ", after " + after);
            assertEquals(counts.counts.get(1), counts.counts.get(counts.counts.size() - 1),
                    "arrays in the parameters' manager per step: " + counts.counts);
            CenterLossTest.ExportCheck.onlyTheEmbeddingNetIsExported(head, dir, test, "proxies");
        }
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("ProxyAnchorLoss needs at least 2 classes: call setNumClasses(...), got 0.",
                assertThrows(IllegalArgumentException.class, () -> ProxyAnchorLoss.builder().build()).getMessage());
        assertEquals("The learning-rate multiplier of ProxyAnchorLoss must be a finite number > 0, got NaN.",
                assertThrows(IllegalArgumentException.class, () -> ProxyAnchorLoss.builder().setNumClasses(3)
                        .optLearningRateMultiplier(Float.NaN).build()).getMessage());
    }
}
