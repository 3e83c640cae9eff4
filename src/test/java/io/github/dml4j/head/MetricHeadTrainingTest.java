package io.github.dml4j.head;

import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.TripletDataset;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.PairMarginMiner;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.sampler.BalancedPairSampler;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.PairBatches;
import io.github.dml4j.train.TripletBatches;
import org.junit.jupiter.api.Test;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static io.github.dml4j.TrainingFixtures.newNet;
import static io.github.dml4j.TrainingFixtures.precisionAt1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Short training runs of the classic set-ups, each a {@link MetricHead} with a loss, maybe a
 * miner, and a batch source: a contrastive loss on every pair of class batches or on mined pairs,
 * a Siamese network on explicit pairs, a triplet network on explicit triplets. (Triplets mined from
 * class batches: {@code MetricTrainerTest}.)
 */
class MetricHeadTrainingTest {

    private static final LabeledImages TRAIN = SyntheticImages.generate(10, 96, 1);
    private static final LabeledImages TEST = SyntheticImages.generate(10, 30, 2);

    @Test
    void contrastiveLossOnAllPairsOfEachClassBatchTrains() {
        EmbeddingNet net = newNet();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(ContrastiveLoss.builder().build()).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(5).optLearningRate(3e-3f).optSeed(0)
                .optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, TEST);
        trainer.fit(classBatches(TRAIN, net, 64, 8, 0));
        double after = precisionAt1(net, TEST);
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void contrastiveLossOnPairsMinedFromClassBatchesTrains() {
        EmbeddingNet net = newNet();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build())
                .optMiner(PairMarginMiner.builder().optPosMargin(0f).optNegMargin(1f).build()).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(5).optLearningRate(3e-3f).optSeed(0)
                .optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, TEST);
        trainer.fit(classBatches(TRAIN, net, 64, 8, 0));
        double after = precisionAt1(net, TEST);
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void contrastiveLossOnExplicitBalancedPairsTrainsTheSharedNetwork() {
        EmbeddingNet net = newNet();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build()).build();
        BalancedPairSampler sampler = BalancedPairSampler.builder().setLabels(TRAIN.labels()).setBatchSize(64)
                .optPositiveShare(0.5).optLength(1920).optSeed(0).build();
        PairDataset pairs = PairDataset.builder().setImages(TRAIN).optNormalization(net.getPixelNormalization())
                .setSampling(sampler).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(6).optLearningRate(3e-3f)
                .optSeed(0).optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, TEST);
        TrainingHistory history = trainer.fit(new PairBatches(pairs, sampler));
        double after = precisionAt1(net, TEST);
        assertEquals(30 * 128, history.epochs().get(0).images(), "a batch of 64 pairs counts 128 images");
        assertEquals("PAIRS", history.settings().layout());
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void explicitTripletsTrainTheSharedNetwork() {
        EmbeddingNet net = TrainingFixtures.newNet();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(TripletMarginLoss.builder().optMargin(0.5f).build()).build();
        TripletDataset triplets = TripletDataset.builder().setImages(TRAIN).optNormalization(net.getPixelNormalization())
                .optSize(1920).optSeed(0).setSampling(64, true).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(3).optLearningRate(3e-3f)
                .optSeed(0).optListeners().build();
        trainer.initialize();
        double before = TrainingFixtures.precisionAt1(net, TEST);
        TrainingHistory history = trainer.fit(new TripletBatches(triplets, 32, 0));
        double after = TrainingFixtures.precisionAt1(net, TEST);
        assertEquals(60 * 32 * 3, history.epochs().get(0).images(), "a batch of 32 triplets counts 96 images");
        assertEquals("TRIPLETS", history.settings().layout());
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }
}
