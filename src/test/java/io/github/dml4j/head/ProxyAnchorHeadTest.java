package io.github.dml4j.head;

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
import io.github.dml4j.loss.ProxyAnchorLoss;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyAnchorHeadTest {

    @Test
    void proxiesTrainAtTheirOwnLearningRate() {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        float[] rates = {1e-1f, 1e-3f};
        double[] steps = new double[2];
        for (int run = 0; run < 2; run++) {
            ProxyAnchorHead head = ProxyAnchorHead.builder().setEmbeddingNet(TrainingFixtures.newNet(true)).setNumClasses(4)
                    .optProxyLearningRate(rates[run]).build();
            assertEquals(Map.of(head.getProxies(), rates[run]), head.getParameterLearningRates());
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(1).optBatchSize(16).optM(4)
                    .optEpochLength(16).optLearningRate(1e-3f).optSeed(0).optListeners().build();
            trainer.initialize();
            float[] before = head.getProxies().getArray().toFloatArray();
            trainer.fit(train);
            float[] after = head.getProxies().getArray().toFloatArray();
            for (int i = 0; i < before.length; i++) {
                steps[run] = Math.max(steps[run], Math.abs(after[i] - before[i]));
            }
        }
        // Adam's first step moves each entry by about its learning rate
        assertEquals(1e-1, steps[0], 2e-2);
        assertEquals(1e-3, steps[1], 2e-4);
    }

    @Test
    void forwardGivesSimilaritiesAndTheLossIsProxyAnchorOnTheProxies() {
        EmbeddingNet net = TrainingFixtures.newNet(false);
        ProxyAnchorHead head = ProxyAnchorHead.builder().setEmbeddingNet(net).setNumClasses(3).build();
        LabeledImages images = SyntheticImages.generate(3, 2, 4);
        try (NDManager parameters = NDManager.newBaseManager(); NDManager batch = NDManager.newBaseManager()) {
            head.initialize(parameters, DataType.FLOAT32, new Shape(6, 1, 28, 28));
            int arrays = parameters.getManagedArrays().size();
            NDArray x = images.toNDArray(batch, new long[] {0, 1, 2, 3, 4, 5}, net.getPixelNormalization());
            NDArray labels = batch.create(images.labels());
            NDList out = head.forward(new ParameterStore(batch, false), new NDList(x), new NDList(labels), null);
            assertEquals(new Shape(6, 3), out.get(1).getShape());
            float value = head.getLoss().evaluate(new NDList(labels), out).getFloat();
            NDArray proxies = head.getProxies().getArray();
            assertEquals(new Shape(3, 32), proxies.getShape());
            assertEquals(ProxyAnchorLoss.builder().build().compute(out.get(0), labels, proxies).getFloat(), value, 1e-5f * value);
            assertEquals(arrays, parameters.getManagedArrays().size(), "arrays left in the parameters' manager");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.forward(
                    new ParameterStore(batch, false), new NDList(x), new NDList(labels.add(1)), null));
            assertTrue(e.getMessage().startsWith("Label 3 is outside the 3 classes of ProxyAnchorHead"), e.getMessage());
        }
    }

    @Test
    void shortTrainingRaisesPrecisionAt1() {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ProxyAnchorHead head = ProxyAnchorHead.builder().setEmbeddingNet(net).setNumClasses(10).build();
        try (NDManager parameters = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            head.initialize(parameters, DataType.FLOAT32, net.batchInputShape(64));
            TrainingFixtures.ManagerCount counts = new TrainingFixtures.ManagerCount(parameters);
            MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optBatchSize(64).optM(8)
                    .optLearningRate(3e-3f).optSeed(0).optListeners(counts).build();
            double before = TrainingFixtures.precisionAt1(net, test);
            trainer.fit(train);
            double after = TrainingFixtures.precisionAt1(net, test);
            assertTrue(after > before + 0.25 && after > 0.7, "P@1 before " + before + ", after " + after);
            assertEquals(counts.counts.get(1), counts.counts.get(counts.counts.size() - 1),
                    "arrays in the parameters' manager per step: " + counts.counts);
        }
    }

    @Test
    void badSettingsAreNamed() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        assertEquals("ProxyAnchorHead needs an EmbeddingNet: call setEmbeddingNet(...).",
                assertThrows(IllegalArgumentException.class, () -> ProxyAnchorHead.builder().setNumClasses(3).build()).getMessage());
        assertEquals("The proxy learning rate of ProxyAnchorHead must be a positive number, got NaN.",
                assertThrows(IllegalArgumentException.class, () -> ProxyAnchorHead.builder().setEmbeddingNet(net).setNumClasses(3)
                        .optProxyLearningRate(Float.NaN).build()).getMessage());
    }
}
