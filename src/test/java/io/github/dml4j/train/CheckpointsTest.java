package io.github.dml4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ArcFaceLoss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpoints hold a whole head, the network's and the loss's parameters, and load only into its like. */
class CheckpointsTest {

    private static MetricHead arcFaceHead(int classes, NDManager manager) {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(ArcFaceLoss.builder().setNumClasses(classes).build()).build();
        head.initialize(manager, DataType.FLOAT32, net.batchInputShape(1));
        return head;
    }

    private static MetricHead tripletHead(NDManager manager) {
        MetricHead head = TrainingFixtures.tripletHead(TrainingFixtures.newNet(true));
        head.initialize(manager, DataType.FLOAT32, head.getEmbeddingNet().batchInputShape(1));
        return head;
    }

    @Test
    void theTrainersCheckpointIsTheWholeHead(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build();
        MetricTrainer.builder().setHead(head).optEpochs(1).optCheckpointDirectory(dir).optListeners().build()
                .fit(TrainingFixtures.classBatches(train, net, 16, 4, 0));
        Path file = TrainingCheckpoints.latest(dir).orElseThrow().resolve(TrainingCheckpoints.HEAD_PARAMETERS);
        assertTrue(Files.isRegularFile(file));
        try (NDManager manager = NDManager.newBaseManager()) {
            MetricHead fresh = arcFaceHead(4, manager);
            Checkpoints.load(fresh, manager, file);
            assertArrayEquals(arcFace.getClassWeights().getArray().toFloatArray(),
                    ((ArcFaceLoss) fresh.getLoss()).getClassWeights().getArray().toFloatArray());
            assertArrayEquals(TrainingFixtures.embed(net, train), TrainingFixtures.embed(fresh.getEmbeddingNet(), train));
        }
    }

    @Test
    void aCheckpointOfAnotherHeadIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Path triplet = Checkpoints.save(tripletHead(manager), dir.resolve("triplet"));
            Path arcFace10 = Checkpoints.save(arcFaceHead(10, manager), dir.resolve("arcface10"));
            assertEquals(dir.resolve("triplet").resolve(Checkpoints.FILE_NAME), triplet);

            // a head whose loss owns parameters the checkpoint lacks
            IOException e = assertThrows(IOException.class, () -> Checkpoints.load(arcFaceHead(4, manager), manager, triplet));
            assertEquals("The checkpoint " + triplet + " does not match the block: it ends before the block's last"
                    + " parameter.", e.getMessage());
            // a head whose loss owns none of the checkpoint's class weights
            e = assertThrows(IOException.class, () -> Checkpoints.load(tripletHead(manager), manager, arcFace10));
            assertEquals("The checkpoint " + arcFace10 + " does not match the block: it holds more parameters than the"
                    + " block.", e.getMessage());
            // a loss built for another number of classes
            MetricHead arcFace4 = arcFaceHead(4, manager);
            String weights = arcFace4.getParameters().keys().stream().filter(k -> k.endsWith("classWeights")).findFirst()
                    .orElseThrow();
            e = assertThrows(IOException.class, () -> Checkpoints.load(arcFace4, manager, arcFace10));
            assertEquals("The checkpoint " + arcFace10 + " does not match the block: its parameter " + weights
                    + " has shape (32, 10), the block's (32, 4).", e.getMessage());
            // a missing file is named
            Path missing = dir.resolve("none").resolve(Checkpoints.FILE_NAME);
            e = assertThrows(IOException.class, () -> Checkpoints.load(tripletHead(manager), manager, missing));
            assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        }
    }
}
