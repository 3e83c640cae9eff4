package io.github.dml4j.head;

import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;

import static io.github.dml4j.TrainingFixtures.newNet;
import static io.github.dml4j.TrainingFixtures.precisionAt1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MiningHeadTest {

    @Test
    void contrastiveLossOnAllPairsOfEachBatchTrains() {
        LabeledImages train = SyntheticImages.generate(10, 96, 1);
        LabeledImages test = SyntheticImages.generate(10, 30, 2);
        EmbeddingNet net = newNet();
        MiningHead head = MiningHead.builder().setEmbeddingNet(net).setLoss(ContrastiveLoss.builder().build()).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(6).optBatchSize(64).optM(8)
                .optLearningRate(3e-3f).optSeed(0).optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, test);
        trainer.fit(train);
        double after = precisionAt1(net, test);
        assertTrue(after > before + 0.25, "P@1 before " + before + ", after " + after);
    }

    @Test
    void lossIsRequired() {
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(ConvNet.small(8)).setInputShape(1, 28, 28).build();
        assertEquals("MiningHead needs a loss: call setLoss(...).",
                assertThrows(IllegalArgumentException.class, () -> MiningHead.builder().setEmbeddingNet(net).build()).getMessage());
    }
}
