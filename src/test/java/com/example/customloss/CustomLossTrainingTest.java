package com.example.customloss;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.nn.ParameterGroup;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.train.Checkpoints;
import io.github.dml4j.train.TrainingCheckpoints;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loss with a trainable parameter, written outside the library, trains end to end through the
 * library's head and trainer, and its parameter is checkpointed with the network.
 */
class CustomLossTrainingTest {

    private static MetricHead head(EmbeddingNet net, NormalizedSoftmaxLoss loss) {
        return MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
    }

    @Test
    void aUserLossWithItsOwnParameterTrainsAndIsCheckpointed(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(10, 160, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        NormalizedSoftmaxLoss loss = new NormalizedSoftmaxLoss(10, 0.05f, 10f);
        MetricHead head = head(net, loss);
        List<ParameterGroup> groups = head.parameterGroups();
        assertEquals(List.of("embedding", "NormalizedSoftmaxLoss"), groups.stream().map(ParameterGroup::name).toList());
        assertEquals(10f, groups.get(1).learningRateMultiplier());
        assertEquals(List.of(loss.getClassWeights()), groups.get(1).parameters());

        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(8).optLearningRate(3e-3f).optSeed(0)
                .optCheckpointDirectory(dir).optListeners().build();
        trainer.initialize();
        assertEquals(new ai.djl.ndarray.types.Shape(10, 32), loss.getClassWeights().getArray().getShape());
        float[] weightsBefore = loss.getClassWeights().getArray().toFloatArray();
        double before = TrainingFixtures.precisionAt1(net, test);
        ClassBatches batches = ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                .optM(8).optBatchSize(64).optSeed(0).build();
        TrainingHistory history = trainer.fit(batches);
        double after = TrainingFixtures.precisionAt1(net, test);

        double[] losses = history.losses();
        assertTrue(losses[losses.length - 1] < 0.8 * losses[0], "the loss did not fall: " + Arrays.toString(losses));
        float[] weightsAfter = loss.getClassWeights().getArray().toFloatArray();
        double moved = 0;
        for (int i = 0; i < weightsBefore.length; i++) {
            moved = Math.max(moved, Math.abs(weightsAfter[i] - weightsBefore[i]));
        }
        assertTrue(moved > 1e-2, "the class weights did not move: " + moved);
        // the bar the library's own class losses (ArcFace, CosFace) clear on this set
        assertTrue(after > before + 0.25 && after > 0.65, "P@1 before " + before + ", after " + after);
        assertEquals(3e-2, history.settings().learningRates().get("NormalizedSoftmaxLoss"), 3e-2 * 1e-6);
        assertEquals("NormalizedSoftmaxLoss", history.settings().loss());

        // the checkpoint holds the whole head: a fresh head of the same structure gets the trained parameter back
        Path file = TrainingCheckpoints.latest(dir).orElseThrow().resolve(TrainingCheckpoints.HEAD_PARAMETERS);
        assertTrue(Files.isRegularFile(file));
        EmbeddingNet freshNet = TrainingFixtures.newNet(true);
        NormalizedSoftmaxLoss freshLoss = new NormalizedSoftmaxLoss(10, 0.05f, 10f);
        MetricHead fresh = head(freshNet, freshLoss);
        try (NDManager manager = NDManager.newBaseManager()) {
            fresh.initialize(manager, DataType.FLOAT32, freshNet.batchInputShape(1));
            assertFalse(Arrays.equals(weightsAfter, freshLoss.getClassWeights().getArray().toFloatArray()));
            Checkpoints.load(fresh, manager, file);
            assertArrayEquals(weightsAfter, freshLoss.getClassWeights().getArray().toFloatArray(), "bit for bit");
            assertArrayEquals(TrainingFixtures.embed(net, test), TrainingFixtures.embed(freshNet, test));
        }
    }
}
