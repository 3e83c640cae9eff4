package io.github.dml4j.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.Backbone;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.BatchHardMiner;
import io.github.dml4j.provenance.TrainingHistory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training on explicit devices, and a batch split over several devices and gathered on the first. */
class DevicesTest {

    private static final LabeledImages IMAGES = SyntheticImages.generate(4, 4, 5);

    /** A backbone without batch normalization or dropout: each image's embedding depends on it alone. */
    record Flat(int embeddingSize) implements Backbone {
        @Override
        public String type() {
            return "test-flat";
        }

        @Override
        public Block newBlock(Shape inputShape) {
            return new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(embeddingSize).build());
        }
    }

    @Test
    void trainingOnAnExplicitCpuDeviceWorksAndIsRecorded() {
        LabeledImages train = SyntheticImages.generate(8, 32, 5);
        EmbeddingNet net = TrainingFixtures.newNet();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(TripletMarginLoss.builder().build())
                .optMiner(BatchHardMiner.builder().build()).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optDevices(Device.cpu()).optEpochs(4).optSeed(1)
                .optListeners().build();
        assertEquals(List.of(Device.cpu()), trainer.getDevices());
        TrainingHistory history = trainer.fit(TrainingFixtures.classBatches(train, net, 32, 4, 1));
        double[] losses = history.losses();
        assertTrue(losses[3] < losses[0], "the loss did not fall: " + java.util.Arrays.toString(losses));
        assertEquals(List.of(Device.cpu().toString()), history.settings().devices());
        assertEquals(Device.cpu(), net.getParameters().valueAt(0).getArray().getDevice());
    }

    /** The head's output on one device and on the list {@code [cpu, cpu]}: two slices, gathered. */
    private static void sameOnTwoSlices(EmbeddingNet net, boolean training) {
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(TripletMarginLoss.builder().build())
                .optMiner(BatchHardMiner.builder().build()).build();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(3);
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(16));
            long[] all = LongStream.range(0, IMAGES.size()).toArray();
            NDArray x = IMAGES.toNDArray(manager, all, net.getPixelNormalization());
            NDList labels = new NDList(IMAGES.labelsNDArray(manager, all));
            ParameterStore ps = new ParameterStore(manager, false);
            MetricHead.HeadOutput one = head.forward(ps, new NDList(x), labels, BatchLayout.CLASSES, List.of(Device.cpu()),
                    training);
            MetricHead.HeadOutput two = head.forward(ps, new NDList(x), labels, BatchLayout.CLASSES,
                    List.of(Device.cpu(), Device.cpu()), training);
            assertEquals(one.embeddings().getShape(), two.embeddings().getShape());
            assertArrayEquals(one.embeddings().toFloatArray(), two.embeddings().toFloatArray(), 1e-6f, "training " + training);
            assertEquals(Device.cpu(), two.embeddings().getDevice());
            // the gathered batch is mined and scored as a whole
            assertArrayEquals(one.tuples().toTriplets().toMatrix().toLongArray(), two.tuples().toTriplets().toMatrix().toLongArray());
            assertEquals(one.loss().getFloat(), two.loss().getFloat(), 1e-6f);
        }
    }

    @Test
    void twoSlicesGatheredGiveTheEmbeddingsOfOnePassWithoutBatchNormalization() {
        EmbeddingNet flat = EmbeddingNet.builder().setBackbone(new Flat(8)).setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST).build();
        sameOnTwoSlices(flat, true);
        sameOnTwoSlices(EmbeddingNet.builder().setBackbone(new Flat(8)).setInputShape(1, 28, 28).build(), false);
    }

    @Test
    void twoSlicesGatheredGiveTheEmbeddingsOfOnePassOutsideTraining() {
        // batch normalization uses its running statistics outside training, so each image stands alone
        sameOnTwoSlices(TrainingFixtures.newNet(), false);
        sameOnTwoSlices(TrainingFixtures.newNet(true), false);
    }
}
