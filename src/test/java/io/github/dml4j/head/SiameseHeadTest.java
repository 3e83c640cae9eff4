package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.miner.PairMarginMiner;
import io.github.dml4j.sampler.BalancedPairSampler;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.PairBatches;
import io.github.dml4j.train.TrainingBatch;
import io.github.dml4j.train.TrainingHistory;
import org.junit.jupiter.api.Test;

import static io.github.dml4j.TrainingFixtures.newNet;
import static io.github.dml4j.TrainingFixtures.precisionAt1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SiameseHeadTest {

    @Test
    void explicitBalancedPairsTrainTheSharedNetwork() {
        LabeledImages train = SyntheticImages.generate(10, 96, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = newNet();
        SiameseHead head = SiameseHead.builder().setEmbeddingNet(net)
                .optLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build()).build();
        BalancedPairSampler sampler = BalancedPairSampler.builder().setLabels(train.labels()).setBatchSize(64)
                .optPositiveShare(0.5).optLength(1920).optSeed(0).build();
        PairDataset pairs = PairDataset.builder().setImages(train).optNormalization(net.getPixelNormalization())
                .setSampling(sampler).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(6).optLearningRate(3e-3f)
                .optSeed(0).optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, test);
        TrainingHistory history = trainer.fit(new PairBatches(pairs, sampler));
        double after = precisionAt1(net, test);
        assertEquals(30 * 128, history.epochs().get(0).images(), "a batch of 64 pairs counts 128 images");
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void batchMiningOnAllPairsTrains() {
        LabeledImages train = SyntheticImages.generate(10, 96, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = newNet();
        SiameseHead head = SiameseHead.builder().setEmbeddingNet(net).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(5).optBatchSize(64).optM(8)
                .optLearningRate(3e-3f).optSeed(0).optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, test);
        trainer.fit(train);
        double after = precisionAt1(net, test);
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void batchMiningWithPairMarginMinerTrains() {
        LabeledImages train = SyntheticImages.generate(10, 96, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = newNet();
        SiameseHead head = SiameseHead.builder().setEmbeddingNet(net)
                .optLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build())
                .optMiner(PairMarginMiner.builder().optPosMargin(0f).optNegMargin(1f).build()).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(5).optBatchSize(64).optM(8)
                .optLearningRate(3e-3f).optSeed(0).optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, test);
        trainer.fit(train);
        double after = precisionAt1(net, test);
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void bothBranchesAreTheOneNetworkAndTheLossIsTheContrastiveLossOfThePairs() {
        LabeledImages images = SyntheticImages.generate(3, 4, 7);
        EmbeddingNet net = newNet();
        ContrastiveLoss contrastive = ContrastiveLoss.builder().optNegMargin(1.5f).build();
        SiameseHead head = SiameseHead.builder().setEmbeddingNet(net).optLoss(contrastive).build();
        assertEquals(net.getParameters().size(), head.getParameters().size(), "the head owns no parameters");
        BalancedPairSampler sampler = BalancedPairSampler.builder().setLabels(images.labels()).setBatchSize(6).build();
        PairDataset pairs = PairDataset.builder().setImages(images).optNormalization(net.getPixelNormalization())
                .setSampling(sampler).build();
        PairBatches source = new PairBatches(pairs, sampler);
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, source.inputShapes());
            TrainingBatch batch = source.load(manager, source.batches(0).next());
            ParameterStore ps = new ParameterStore(manager, false);
            NDList out = head.forward(ps, batch.data(), false);
            assertEquals(2, out.size());
            assertEquals(new Shape(6, 32), out.get(0).getShape());
            NDArray first = net.forward(ps, new NDList(batch.data().get(0)), false).head();
            NDArray second = net.forward(ps, new NDList(batch.data().get(1)), false).head();
            assertArrayEquals(first.toFloatArray(), out.get(0).toFloatArray(), 1e-5f);
            assertArrayEquals(second.toFloatArray(), out.get(1).toFloatArray(), 1e-5f);
            float expected = contrastive.computeForPairs(first, second, batch.labels().head()).getFloat();
            assertEquals(expected, head.getLoss().evaluate(batch.labels(), out).getFloat(), 1e-5f);
            assertArrayEquals(new Shape[] {new Shape(6, 32), new Shape(6, 32)}, head.getOutputShapes(source.inputShapes()));

            // batch mining: one input, all pairs of the batch without a miner
            NDArray x = batch.data().get(0);
            NDArray labels = manager.create(new long[] {0, 1, 0, 1, 2, 2});
            NDList one = head.forward(ps, new NDList(x), false);
            assertEquals(1, one.size());
            assertEquals(contrastive.compute(one.head(), labels, null).getFloat(),
                    head.getLoss().evaluate(new NDList(labels), one).getFloat(), 1e-6f);
        }
    }

    @Test
    void wrongInputsAreNamed() {
        EmbeddingNet net = newNet();
        SiameseHead head = SiameseHead.builder().setEmbeddingNet(net).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, net.batchInputShape(2));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.zeros(new Shape(2, 1, 28, 28));
            assertEquals("SiameseHead takes one input (a batch to mine pairs from) or two (first and second images of"
                            + " explicit pairs), got 3.",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, x, x), false)).getMessage());
            NDArray y = manager.zeros(new Shape(3, 1, 28, 28));
            assertEquals("SiameseHead's inputs must all have one shape, got [(2, 1, 28, 28), (3, 1, 28, 28)].",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, y), false)).getMessage());
        }
        assertEquals("SiameseHead needs an EmbeddingNet: call setEmbeddingNet(...).",
                assertThrows(IllegalArgumentException.class, () -> SiameseHead.builder().build()).getMessage());
    }
}
