package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.BatchHardMiner;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.sampler.MPerClassSampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Iterator;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static io.github.dml4j.TrainingFixtures.embed;
import static io.github.dml4j.TrainingFixtures.newNet;
import static io.github.dml4j.TrainingFixtures.precisionAt1;
import static io.github.dml4j.TrainingFixtures.tripletHead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricTrainerTest {

    private static MetricHead batchHardHead(EmbeddingNet net) {
        return MetricHead.builder().setEmbeddingNet(net).setLoss(TripletMarginLoss.builder().build())
                .optMiner(BatchHardMiner.builder().build()).build();
    }

    @Test
    void shortTrainingRaisesPrecisionAt1WellAboveTheUntrainedNetwork() {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = newNet();
        MetricHead head = tripletHead(net);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optLearningRate(3e-3f).optSeed(0)
                .optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, test);

        TrainingHistory history = trainer.fit(classBatches(train, net, 64, 8, 0));
        double after = precisionAt1(net, test);

        assertEquals(8, history.epochs().size());
        assertTrue(after > before + 0.3, "P@1 before " + before + ", after " + after);
        assertEquals(new SamplingSettings("MPerClassSampler", 64, 25, 8, "PER_BATCH", null, 0), history.settings().sampling());
    }

    @Test
    void sameSeedGivesTheSameLossCurveWithOneThread() {
        LabeledImages train = SyntheticImages.generate(8, 32, 5);
        double[][] curves = new double[2][];
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        try {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
            for (int run = 0; run < 2; run++) {
                EmbeddingNet net = newNet();
                curves[run] = MetricTrainer.builder().setHead(batchHardHead(net)).optEpochs(2)
                        .optOptimizer(OptimizerType.RMSPROP).optSeed(42).optListeners().build()
                        .fit(classBatches(train, net, 32, 4, 42)).losses();
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
            EmbeddingNet net = newNet();
            TrainingHistory history = MetricTrainer.builder().setHead(batchHardHead(net)).optEpochs(4)
                    .optOptimizer(type).optLearningRate(type == OptimizerType.SGD ? 0.05f : 1e-3f)
                    .optSeed(1).optListeners().build().fit(classBatches(train, net, 32, 4, 1));
            double[] losses = history.losses();
            assertTrue(losses[3] < losses[0], type + " did not lower the loss: " + java.util.Arrays.toString(losses));
            assertEquals(type.name(), history.settings().optimizer());
        }
    }

    @Test
    void classPassesSamplingTrainsWithABatchThatIsNoMultipleOfM() {
        LabeledImages train = SyntheticImages.generate(8, 32, 5);
        EmbeddingNet net = newNet();
        ClassBatches batches = ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                .optBatchSize(30).optM(4).optSamplerMode(MPerClassSampler.Mode.CLASS_PASSES).optSeed(1).build();
        TrainingHistory history = MetricTrainer.builder().setHead(batchHardHead(net)).optEpochs(4).optSeed(1)
                .optListeners().build().fit(batches);
        double[] losses = history.losses();
        assertEquals(256 / 30, history.epochs().get(0).batches());
        assertTrue(losses[3] < losses[0], "the loss did not fall: " + java.util.Arrays.toString(losses));
        assertEquals("CLASS_PASSES", history.settings().sampling().mode());
    }

    @Test
    void imagesOfTheWrongShapeAreRejected() {
        LabeledImages wrong = LabeledImages.of(new byte[4 * 3 * 8 * 8], new int[] {0, 0, 1, 1}, 3, 8, 8);
        EmbeddingNet net = newNet();
        MetricTrainer trainer = MetricTrainer.builder().setHead(tripletHead(net)).optListeners().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(ClassBatches.builder().setImages(wrong).setNormalization(PixelNormalization.NONE)
                        .optBatchSize(4).optM(2).build()));
        assertEquals("The network expects images of shape (1, 28, 28) but the batches hold inputs of shape (4, 3, 8, 8).",
                e.getMessage());
    }

    @Test
    void badSettingsAreNamed() {
        MetricHead head = tripletHead(newNet());
        assertEquals("MetricTrainer's learning rate must be a positive number, got -1.0.",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optLearningRate(-1f).build()).getMessage());
        assertEquals("MetricTrainer needs a head: call setHead(...).",
                assertThrows(IllegalArgumentException.class, () -> MetricTrainer.builder().build()).getMessage());
        assertEquals("MetricTrainer's epochs must be at least 1, got 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optEpochs(0).build()).getMessage());
        assertEquals("MetricTrainer's weight decay must be a finite number >= 0, got -0.1.",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optWeightDecay(-0.1f).build()).getMessage());
        assertEquals("MetricTrainer's optimizer type must not be null.",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricTrainer.builder().setHead(head).optOptimizer((OptimizerType) null).build()).getMessage());
        // the batch size and m moved to the batch source: ClassBatchesTest names them
    }

    @Test
    void nonFiniteLossStopsTrainingNamingTheStepAndKeepsTheLastGoodWeights(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        EmbeddingNet net = newNet();
        ClassBatches good = classBatches(train, net, 16, 4, 0);
        BatchSource poisoned = new BatchSource() {
            private int loaded;

            @Override
            public BatchLayout layout() {
                return good.layout();
            }

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

            @Override
            public PixelNormalization normalization() {
                return good.normalization();
            }

            @Override
            public ImageSource images() {
                return good.images();
            }

            @Override
            public SamplingSettings sampling() {
                return good.sampling();
            }
        };
        MetricTrainer trainer = MetricTrainer.builder().setHead(tripletHead(net))
                .optEpochs(3).optCheckpointDirectory(dir).optListeners().build();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> trainer.fit(poisoned));
        assertEquals(2, e.getEpoch());
        assertEquals(3, e.getBatch());
        assertEquals(7, e.getStep());
        assertTrue(e.getMessage().startsWith("Training diverged: the loss is NaN at epoch 2, batch 3 (step 7). The last good weights are in "),
                e.getMessage());
        // the NaN forward pass poisoned batch norm's running statistics, so the last intact checkpoint (epoch 1's) is named
        assertEquals(dir.resolve("step-000000000004").resolve(TrainingCheckpoints.HEAD_PARAMETERS), e.getCheckpoint());

        // the NaN batch already poisoned batch norm's running statistics in the forward pass, so the
        // network itself is no longer usable; the checkpoint still holds finite weights (epoch 1's)
        LabeledImages probe = SyntheticImages.generate(4, 2, 9);
        assertTrue(Float.isNaN(embed(net, probe)[0]));
        // the checkpoint is the whole head's: it loads into a fresh head of the same structure
        EmbeddingNet restoredNet = newNet();
        MetricHead restored = tripletHead(restoredNet);
        try (NDManager manager = NDManager.newBaseManager()) {
            restored.initialize(manager, DataType.FLOAT32, restoredNet.batchInputShape(1));
            Checkpoints.load(restored, manager, e.getCheckpoint());
            for (float v : embed(restoredNet, probe)) {
                assertTrue(Float.isFinite(v));
            }
        }
    }
}
