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
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void batchesThatHoldNoPositivePairAreRefusedBeforeTrainingSayingWhy() {
        EmbeddingNet net = TrainingFixtures.newNet();
        MetricHead head = TrainingFixtures.tripletHead(net);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optListeners().build();
        // one class
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(TrainingFixtures.classBatches(SyntheticImages.generate(1, 8, 3), net, 4, 4, 0)));
        assertEquals("The training images hold a single class (label 0): TripletMarginLoss learns to tell classes apart"
                + " and needs images of at least 2 classes.", e.getMessage());
        // singletons only
        LabeledImages singletons = SyntheticImages.generate(8, 1, 3);
        e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(TrainingFixtures.classBatches(singletons, net, 8, 2, 0)));
        assertEquals("Every one of the 8 training classes has a single image, so no batch holds a positive pair and"
                + " TripletMarginLoss would train at loss 0: give classes two or more images, or train a classification"
                + " loss such as ArcFaceLoss.", e.getMessage());
        // m = 1
        e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(TrainingFixtures.classBatches(IMAGES, net, 4, 1, 0)));
        assertEquals("The batches draw m = 1 image per class, so no batch holds a positive pair and TripletMarginLoss"
                + " would train at loss 0: set m to 2 or more (ClassBatches.optM).", e.getMessage());
        assertFalse(head.isInitialized(), "refused before anything was initialized");
        // a classification loss learns from single images
        MetricTrainer.builder().setHead(arcFaceHead(TrainingFixtures.newNet(true))).optEpochs(1).optListeners().build()
                .fit(TrainingFixtures.classBatches(IMAGES, net, 4, 1, 0));
    }

    @Test
    void anMThatNoBatchCanHoldHasItsOwnMessage() {
        for (int m : new int[] {0, -3}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TrainingFixtures.classBatches(IMAGES, TrainingFixtures.newNet(), 8, m, 0));
            assertEquals("MPerClassSampler's m (images per class) must be at least 1, got " + m + ".", e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingFixtures.classBatches(IMAGES, TrainingFixtures.newNet(), 8, 16, 0));
        assertEquals("MPerClassSampler's m = 16 images per class is more than the batch size 8: a batch holds batch size"
                + " / m classes of m images each, so m must be at most the batch size (and at least 2 for pair and"
                + " triplet losses).", e.getMessage());
    }

    @Test
    void aDirectoryHoldingARunIsNotOverwrittenWithoutResume(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        EmbeddingNet net = TrainingFixtures.newNet();
        MetricTrainer.builder().setHead(TrainingFixtures.tripletHead(net)).optEpochs(1).optCheckpointDirectory(dir)
                .optListeners().build().fit(TrainingFixtures.classBatches(IMAGES, net, 8, 2, 0));
        EmbeddingNet other = TrainingFixtures.newNet();
        MetricTrainer again = MetricTrainer.builder().setHead(TrainingFixtures.tripletHead(other)).optEpochs(1)
                .optCheckpointDirectory(dir).optListeners().build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> again.fit(TrainingFixtures.classBatches(IMAGES, other, 8, 2, 0)));
        assertEquals("The checkpoint directory " + dir + " holds a run (its newest checkpoint is step-000000000004):"
                + " resume it with optResume(true), or give another directory, so that its checkpoints are not"
                + " overwritten.", e.getMessage());
        // resuming with other batches is refused naming the difference
        MetricTrainer resumed = MetricTrainer.builder().setHead(TrainingFixtures.tripletHead(other)).optEpochs(2)
                .optCheckpointDirectory(dir).optResume(true).optListeners().build();
        e = assertThrows(IllegalStateException.class,
                () -> resumed.fit(TrainingFixtures.classBatches(IMAGES, other, 8, 2, 1)));
        assertTrue(e.getMessage().startsWith("The checkpoint " + dir.resolve("step-000000000004")
                + " is of another run than this trainer's: batches SamplingSettings["), e.getMessage());
    }
}
