package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.TripletHead;
import io.github.dml4j.miner.BatchHardMiner;
import io.github.dml4j.sampler.MPerClassSampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Iterator;

import static io.github.dml4j.TrainingFixtures.embed;
import static io.github.dml4j.TrainingFixtures.newNet;
import static io.github.dml4j.TrainingFixtures.precisionAt1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricTrainerTest {

    @Test
    void shortTrainingRaisesPrecisionAt1WellAboveTheUntrainedNetwork() {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = newNet();
        TripletHead head = TripletHead.builder().setEmbeddingNet(net).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optBatchSize(64).optM(8)
                .optLearningRate(3e-3f).optSeed(0).optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, test);

        TrainingHistory history = trainer.fit(train);
        double after = precisionAt1(net, test);

        assertEquals(8, history.epochs().size());
        assertTrue(after > before + 0.3, "P@1 before " + before + ", after " + after);
    }

    @Test
    void sameSeedGivesTheSameLossCurveWithOneThread() {
        LabeledImages train = SyntheticImages.generate(8, 32, 5);
        double[][] curves = new double[2][];
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        try {
            for (int run = 0; run < 2; run++) {
                TripletHead head = TripletHead.builder().setEmbeddingNet(newNet()).optMiner(BatchHardMiner.create()).build();
                curves[run] = MetricTrainer.builder().setHead(head).optEpochs(2).optBatchSize(32).optM(4)
                        .optOptimizer(OptimizerType.RMSPROP).optSeed(42).optThreads(1).optListeners().build().fit(train).losses();
            }
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
        assertArrayEquals(curves[0], curves[1], 0.0);
    }

    @Test
    void everyOptimizerTrains() {
        LabeledImages train = SyntheticImages.generate(8, 32, 5);
        for (OptimizerType type : OptimizerType.values()) {
            TripletHead head = TripletHead.builder().setEmbeddingNet(newNet()).optMiner(BatchHardMiner.create()).build();
            double[] losses = MetricTrainer.builder().setHead(head).optEpochs(4).optBatchSize(32).optM(4)
                    .optOptimizer(type).optLearningRate(type == OptimizerType.SGD ? 0.05f : 1e-3f)
                    .optSeed(1).optListeners().build().fit(train).losses();
            assertTrue(losses[3] < losses[0], type + " did not lower the loss: " + java.util.Arrays.toString(losses));
        }
    }

    @Test
    void classPassesSamplingTrainsWithABatchThatIsNoMultipleOfM() {
        LabeledImages train = SyntheticImages.generate(8, 32, 5);
        TripletHead head = TripletHead.builder().setEmbeddingNet(newNet()).optMiner(BatchHardMiner.create()).build();
        TrainingHistory history = MetricTrainer.builder().setHead(head).optEpochs(4).optBatchSize(30).optM(4)
                .optSamplerMode(MPerClassSampler.Mode.CLASS_PASSES).optSeed(1).optListeners().build().fit(train);
        double[] losses = history.losses();
        assertEquals(256 / 30, history.epochs().get(0).batches());
        assertTrue(losses[3] < losses[0], "the loss did not fall: " + java.util.Arrays.toString(losses));
    }

    @Test
    void imagesOfTheWrongShapeAreRejected() {
        LabeledImages wrong = LabeledImages.of(new byte[4 * 3 * 8 * 8], new int[] {0, 0, 1, 1}, 3, 8, 8);
        MetricTrainer trainer = MetricTrainer.builder().setHead(TripletHead.builder().setEmbeddingNet(newNet()).build())
                .optBatchSize(4).optM(2).optListeners().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(wrong));
        assertEquals("The network expects images of shape (1, 28, 28) but the training images have shape (3, 8, 8).",
                e.getMessage());
    }

    @Test
    void badSettingsAreNamed() {
        TripletHead head = TripletHead.builder().setEmbeddingNet(newNet()).build();
        assertEquals("MetricTrainer's batch size 100 must be a multiple of m = 16.",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optBatchSize(100).build()).getMessage());
        assertEquals("MetricTrainer's learning rate must be a positive number, got -1.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optLearningRate(-1f).build()).getMessage());
        assertEquals("MetricTrainer needs a head: call setHead(...).",
                assertThrows(IllegalArgumentException.class, () -> MetricTrainer.builder().build()).getMessage());
    }

    @Test
    void nonFiniteLossStopsTrainingNamingTheStepAndKeepsTheLastGoodWeights(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        EmbeddingNet net = newNet();
        MPerClassSampler sampler = MPerClassSampler.builder().setLabels(train.labels()).setM(4).setBatchSize(16).build();
        ClassBatches good = new ClassBatches(train, sampler, net.getPixelNormalization());
        BatchSource poisoned = new BatchSource() {
            private int loaded;

            @Override
            public int batchSize() {
                return good.batchSize();
            }

            @Override
            public int batchesPerEpoch() {
                return good.batchesPerEpoch();
            }

            @Override
            public Iterator<long[]> batches(int epoch) {
                return good.batches(epoch);
            }

            @Override
            public TrainingBatch load(NDManager manager, long[] indices) {
                TrainingBatch b = good.load(manager, indices);
                if (++loaded == 7) {
                    NDArray x = b.data().head();
                    x.set(new ai.djl.ndarray.index.NDIndex("0, 0, 0, 0"), Float.NaN);
                }
                return b;
            }

            @Override
            public ai.djl.ndarray.types.Shape[] inputShapes() {
                return good.inputShapes();
            }
        };
        MetricTrainer trainer = MetricTrainer.builder().setHead(TripletHead.builder().setEmbeddingNet(net).build())
                .optEpochs(3).optBatchSize(16).optM(4).optCheckpointDirectory(dir).optListeners().build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.fit(poisoned));
        assertEquals(2, e.getEpoch());
        assertEquals(3, e.getBatch());
        assertEquals(7, e.getStep());
        assertTrue(e.getMessage().startsWith("Training diverged: the loss is NaN at epoch 2, batch 3 (step 7). The last good weights are in "),
                e.getMessage());
        assertEquals(dir.resolve(Checkpoints.FILE_NAME), e.getCheckpoint());

        // the NaN batch already poisoned batch norm's running statistics in the forward pass, so the
        // network itself is no longer usable; the checkpoint still holds finite weights (epoch 1's)
        LabeledImages probe = SyntheticImages.generate(4, 2, 9);
        assertTrue(Float.isNaN(embed(net, probe)[0]));
        EmbeddingNet restored = newNet();
        try (NDManager manager = NDManager.newBaseManager()) {
            restored.initialize(manager);
            Checkpoints.load(restored, manager, e.getCheckpoint());
            for (float v : embed(restored, probe)) {
                assertTrue(Float.isFinite(v));
            }
        }
    }
}
