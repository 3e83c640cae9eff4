package io.github.dml4j.train;

import ai.djl.Device;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.data.TripletDataset;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.loss.MultipleLosses;
import io.github.dml4j.loss.SoftmaxLoss;
import io.github.dml4j.sampler.BalancedPairSampler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the trainer refuses before training, and its messages. */
class TrainerChecksTest {

    private static final LabeledImages IMAGES = SyntheticImages.generate(4, 8, 3);

    private static MetricHead arcFaceHead(EmbeddingNet net) {
        return MetricHead.builder().setEmbeddingNet(net).setLoss(ArcFaceLoss.builder().setNumClasses(4).build()).build();
    }

    @Test
    void batchesNormalizedOtherwiseThanTheNetworkAreRefused() {
        EmbeddingNet net = TrainingFixtures.newNet();
        MetricHead head = TrainingFixtures.tripletHead(net);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optListeners().build();
        ClassBatches fashion = ClassBatches.builder().setImages(IMAGES).setNormalization(PixelNormalization.FASHION_MNIST)
                .optBatchSize(8).optM(2).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(fashion));
        assertEquals("The batches are normalized with PixelNormalization{mean=[0.286], std=[0.353]} but the network expects"
                + " PixelNormalization{mean=[0.2], std=[0.3]}: build the batch source with the network's"
                + " getPixelNormalization().", e.getMessage());
        // pairs built without the network's normalization (scaling only, the dataset's default)
        BalancedPairSampler sampler = BalancedPairSampler.builder().setLabels(IMAGES.labels()).setBatchSize(8).build();
        PairDataset scaledOnly = PairDataset.builder().setImages(IMAGES).setSampling(sampler).build();
        MetricHead pairs = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(io.github.dml4j.loss.ContrastiveLoss.builder().build()).build();
        e = assertThrows(IllegalArgumentException.class, () -> MetricTrainer.builder().setHead(pairs).optListeners().build()
                .fit(new PairBatches(scaledOnly, sampler)));
        assertEquals("The batches are normalized with PixelNormalization{mean=[0.0], std=[1.0]} but the network expects"
                + " PixelNormalization{mean=[0.2], std=[0.3]}: build the batch source with the network's"
                + " getPixelNormalization().", e.getMessage());
        assertFalse(head.isInitialized(), "refused before anything was initialized");
    }

    @Test
    void aClassLossOnExplicitPairsOrTripletsIsRefused() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = arcFaceHead(net);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optListeners().build();
        BalancedPairSampler sampler = BalancedPairSampler.builder().setLabels(IMAGES.labels()).setBatchSize(8).build();
        PairDataset pairs = PairDataset.builder().setImages(IMAGES).optNormalization(net.getPixelNormalization())
                .setSampling(sampler).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(new PairBatches(pairs, sampler)));
        assertEquals("ArcFaceLoss learns from class labels, but the batches hold pairs (two (B, C, H, W) inputs (first and"
                + " second images) with a (B) same/different label): train it on class batches (ClassBatches), or choose a"
                + " pair or triplet loss.", e.getMessage());
        assertFalse(head.isInitialized(), "refused before anything was initialized");

        TripletDataset triplets = TripletDataset.builder().setImages(IMAGES).optNormalization(net.getPixelNormalization())
                .optSize(16).setSampling(8, true).build();
        MetricHead softmaxCenter = MetricHead.builder().setEmbeddingNet(net).setLoss(MultipleLosses.builder()
                .addLoss(SoftmaxLoss.builder().setNumClasses(4).build())
                .addLoss(CenterLoss.builder().setNumClasses(4).build(), 0.01f).build()).build();
        e = assertThrows(IllegalArgumentException.class, () -> MetricTrainer.builder().setHead(softmaxCenter).optListeners()
                .build().fit(new TripletBatches(triplets, 8, 0)));
        assertEquals("MultipleLosses learns from class labels, but the batches hold triplets (three (B, C, H, W) inputs"
                + " (anchors, positives, negatives) with an optional (B, 3) class label): train it on class batches"
                + " (ClassBatches), or choose a pair or triplet loss.", e.getMessage());
    }

    @Test
    void imagesOfTheWrongShapeAreRefusedForEveryInput() {
        LabeledImages small = LabeledImages.of(new byte[8 * 3 * 8 * 8], new int[] {0, 0, 1, 1, 2, 2, 3, 3}, 3, 8, 8);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricTrainer trainer = MetricTrainer.builder().setHead(arcFaceHead(net)).optListeners().build();
        ClassBatches batches = ClassBatches.builder().setImages(small).setNormalization(net.getPixelNormalization())
                .optBatchSize(4).optM(2).build();
        assertEquals("The network expects images of shape (1, 28, 28) but the batches hold inputs of shape (4, 3, 8, 8).",
                assertThrows(IllegalArgumentException.class, () -> trainer.fit(batches)).getMessage());
        // the shape is checked before the normalization
        LabeledImages wrongSize = LabeledImages.of(new byte[8 * 32 * 32], new int[] {0, 0, 1, 1, 2, 2, 3, 3}, 1, 32, 32);
        ClassBatches other = ClassBatches.builder().setImages(wrongSize).setNormalization(PixelNormalization.NONE)
                .optBatchSize(4).optM(2).build();
        assertEquals("The network expects images of shape (1, 28, 28) but the batches hold inputs of shape (4, 1, 32, 32).",
                assertThrows(IllegalArgumentException.class, () -> trainer.fit(other)).getMessage());
    }

    @Test
    void devicesMustBeGivenAndDiffer() {
        MetricHead head = TrainingFixtures.tripletHead(TrainingFixtures.newNet());
        assertEquals("MetricTrainer's devices must differ, got [cpu(), cpu()].",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optDevices(Device.cpu(), Device.cpu()).build()).getMessage());
        assertEquals("MetricTrainer's devices must be at least one, none null, got [].",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optDevices().build()).getMessage());
    }

    @Test
    void weightDecayBelongsToANamedOptimizer() {
        MetricHead head = TrainingFixtures.tripletHead(TrainingFixtures.newNet());
        assertEquals("MetricTrainer's weight decay applies to a named optimizer (optOptimizer(OptimizerType)); an optimizer"
                        + " factory sets its own.",
                assertThrows(IllegalArgumentException.class, () -> MetricTrainer.builder().setHead(head).optWeightDecay(1e-4f)
                        .optOptimizer(lr -> ai.djl.training.optimizer.Optimizer.sgd().setLearningRateTracker(lr).build())
                        .build()).getMessage());
        assertEquals("MetricTrainer's weight decay must be a finite number >= 0, got -1.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optWeightDecay(-1f).build()).getMessage());
    }
}
