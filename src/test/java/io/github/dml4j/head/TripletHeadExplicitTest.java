package io.github.dml4j.head;

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
import io.github.dml4j.data.TripletDataset;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.TrainingBatch;
import io.github.dml4j.train.TrainingHistory;
import io.github.dml4j.train.TripletBatches;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TripletHeadExplicitTest {

    @Test
    void explicitTripletsTrainTheSharedNetwork() {
        LabeledImages train = SyntheticImages.generate(10, 96, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet();
        TripletHead head = TripletHead.builder().setEmbeddingNet(net)
                .optLoss(TripletMarginLoss.builder().optMargin(0.5f).build()).build();
        TripletDataset triplets = TripletDataset.builder().setImages(train).optNormalization(net.getPixelNormalization())
                .optSize(1920).optSeed(0).setSampling(64, true).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(3).optLearningRate(3e-3f)
                .optSeed(0).optListeners().build();
        trainer.initialize();
        double before = TrainingFixtures.precisionAt1(net, test);
        TrainingHistory history = trainer.fit(new TripletBatches(triplets, 32, 0));
        double after = TrainingFixtures.precisionAt1(net, test);
        assertEquals(60 * 32 * 3, history.epochs().get(0).images(), "a batch of 32 triplets counts 96 images");
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void theLossScoresRowIOfTheThreeEmbeddingsAsTripletI() {
        LabeledImages images = SyntheticImages.generate(3, 4, 7);
        EmbeddingNet net = TrainingFixtures.newNet();
        TripletMarginLoss loss = TripletMarginLoss.builder().optMargin(0.5f).build();
        TripletHead head = TripletHead.builder().setEmbeddingNet(net).optLoss(loss).build();
        TripletDataset triplets = TripletDataset.builder().setImages(images).optNormalization(net.getPixelNormalization())
                .optSize(6).setSampling(6, false).build();
        TripletBatches source = new TripletBatches(triplets, 6, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, source.inputShapes());
            TrainingBatch batch = source.load(manager, source.batches(0).next());
            ParameterStore ps = new ParameterStore(manager, false);
            NDList out = head.forward(ps, batch.data(), false);
            assertEquals(3, out.size());
            assertEquals(new Shape(6, 32), out.get(2).getShape());
            float[][] e = new float[3][];
            for (int k = 0; k < 3; k++) {
                NDArray alone = net.forward(ps, new NDList(batch.data().get(k)), false).head();
                assertArrayEquals(alone.toFloatArray(), out.get(k).toFloatArray(), 1e-5f);
                e[k] = alone.normalize(2, 1).toFloatArray();
            }
            // relu(|a - p| - |a - n| + margin), averaged over the non-zero terms
            double sum = 0;
            int nonZero = 0;
            for (int i = 0; i < 6; i++) {
                double ap = 0;
                double an = 0;
                for (int d = 0; d < 32; d++) {
                    ap += Math.pow(e[0][i * 32 + d] - e[1][i * 32 + d], 2);
                    an += Math.pow(e[0][i * 32 + d] - e[2][i * 32 + d], 2);
                }
                double v = Math.max(0, Math.sqrt(ap) - Math.sqrt(an) + 0.5);
                if (v > 0) {
                    sum += v;
                    nonZero++;
                }
            }
            assertTrue(nonZero > 0);
            assertEquals(sum / nonZero, head.getLoss().evaluate(batch.labels(), out).getFloat(), 1e-4);
            assertEquals(new Shape(6, 3), batch.labels().head().getShape());
        }
    }

    @Test
    void twoInputsAreRejected() {
        EmbeddingNet net = TrainingFixtures.newNet();
        TripletHead head = TripletHead.builder().setEmbeddingNet(net).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(2));
            NDArray x = manager.zeros(new Shape(2, 1, 28, 28));
            assertEquals("TripletHead takes one input (a batch to mine triplets from) or three (anchors, positives and"
                            + " negatives of explicit triplets), got 2.",
                    assertThrows(IllegalArgumentException.class,
                            () -> head.forward(new ParameterStore(manager, false), new NDList(x, x), false)).getMessage());
        }
    }
}
