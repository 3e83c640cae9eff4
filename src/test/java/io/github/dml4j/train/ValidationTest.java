package io.github.dml4j.train;

import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.provenance.ModelSelection;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.provenance.ValidationResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Early stopping and best-model selection on known validation curves. */
class ValidationTest {

    private static final LabeledImages TRAIN = SyntheticImages.generate(4, 8, 3);
    private static final LabeledImages PROBE = SyntheticImages.generate(3, 2, 9);

    /** Trains with a validation that reports {@code curve[i]} at its i-th evaluation, recording the embeddings then. */
    private static TrainingHistory train(EmbeddingNet net, double[] curve, int every, int patience, double minDelta,
            int epochs, List<float[]> seen) {
        MetricHead head = TrainingFixtures.tripletHead(net);
        int[] calls = {0};
        Validation validation = Validation.builder().optMetric("score").optEvery(every).optPatience(patience)
                .optMinDelta(minDelta).setEvaluation(n -> {
                    seen.add(TrainingFixtures.embed(n, PROBE));
                    return Map.of("score", curve[calls[0]++]);
                }).build();
        return MetricTrainer.builder().setHead(head).optEpochs(epochs).optValidation(validation).optListeners().build()
                .fit(TrainingFixtures.classBatches(TRAIN, net, 8, 2, 0));
    }

    @Test
    void stopsAfterPatienceEvaluationsWithoutImprovementAndKeepsTheBestEpoch() {
        EmbeddingNet net = TrainingFixtures.newNet();
        List<float[]> seen = new ArrayList<>();
        TrainingHistory history = train(net, new double[] {0.10, 0.30, 0.25, 0.28, 0.90, 0.95}, 1, 2, 0, 6, seen);
        assertEquals(4, history.epochs().size(), "stopped after epoch 4: epochs 3 and 4 did not beat epoch 2");
        assertEquals(4, history.validations().size());
        assertEquals(List.of(1, 2, 3, 4), history.validations().stream().map(ValidationResult::epoch).toList());
        ModelSelection selection = history.selection();
        assertEquals("score", selection.metric());
        assertEquals(0.30, selection.value());
        assertEquals(2, selection.epoch());
        assertEquals(8, selection.step(), "4 batches an epoch");
        assertTrue(history.stoppedEarly());
        assertEquals(16, history.stepLosses().size());
        // the network ends with epoch 2's parameters, not epoch 4's
        assertArrayEquals(seen.get(1), TrainingFixtures.embed(net, PROBE));
        assertFalse(java.util.Arrays.equals(seen.get(3), seen.get(1)));
    }

    @Test
    void anIncreaseBelowMinDeltaIsNoImprovementAndEveryNEpochsPlusTheLastAreEvaluated() {
        EmbeddingNet net = TrainingFixtures.newNet();
        List<float[]> seen = new ArrayList<>();
        TrainingHistory history = train(net, new double[] {0.50, 0.505, 0.60}, 2, 0, 0.01, 5, seen);
        assertEquals(5, history.epochs().size(), "patience 0 never stops early");
        assertEquals(List.of(2, 4, 5), history.validations().stream().map(ValidationResult::epoch).toList());
        assertEquals(5, history.selection().epoch(), "0.505 is no improvement of more than 0.01 over 0.50; 0.60 is");
        assertFalse(history.stoppedEarly());
        assertArrayEquals(seen.get(2), TrainingFixtures.embed(net, PROBE));
    }

    @Test
    void retrievalValidationPicksByMapAtRAndTheModelCardRecordsIt() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = TrainingFixtures.tripletHead(net);
        LabeledImages validationImages = SyntheticImages.generate(3, 4, 11);
        TrainingHistory history = MetricTrainer.builder().setHead(head).optEpochs(2)
                .optValidation(Validation.builder().setImages(validationImages).build()).optListeners().build()
                .fit(TrainingFixtures.classBatches(TRAIN, net, 8, 2, 0));
        ModelSelection selection = history.selection();
        assertEquals(RetrievalReport.MAP_AT_R, selection.metric());
        assertEquals(12, selection.validationImages());
        assertEquals(validationImages.fingerprint(), selection.validationFingerprint());
        double best = history.validations().stream().mapToDouble(v -> v.metrics().get(RetrievalReport.MAP_AT_R)).max()
                .orElseThrow();
        assertEquals(best, selection.value());

        TrainingProvenance provenance = TrainingProvenance.builder().setDatasetName("synthetic").optHistory(history).build();
        assertEquals(selection, provenance.selection());
        assertEquals(best, provenance.metrics().get("validation_" + RetrievalReport.MAP_AT_R));
        ModelCard card = ModelCard.describe(net).withTraining(provenance);
        String json = card.toJson();
        assertTrue(json.contains("\"selection\"") && json.contains("\"metric\": \"mean_average_precision_at_r\""), json);
        assertEquals(selection, ModelCard.fromJson(json).training().selection());
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("Validation needs either the validation images (setImages) or an evaluation of one's own"
                + " (setEvaluation), not neither.",
                assertThrows(IllegalArgumentException.class, () -> Validation.builder().build()).getMessage());
        assertEquals("Validation's patience must be 0 (never stop early) or more, got -1.",
                assertThrows(IllegalArgumentException.class,
                        () -> Validation.builder().setImages(TRAIN).optPatience(-1).build()).getMessage());
        assertEquals("Validation's every (epochs between evaluations) must be at least 1, got 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> Validation.builder().setImages(TRAIN).optEvery(0).build()).getMessage());
    }

    @Test
    void aHeadInitializedElsewhereKeepsItsBestEpochAndResumesWithMoreEpochs(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) {
        EmbeddingNet net = TrainingFixtures.newNet();
        MetricHead head = TrainingFixtures.tripletHead(net);
        MetricTrainer.builder().setHead(head).optListeners().build().initialize();
        List<float[]> seen = new ArrayList<>();
        double[][] curves = {{0.5, 0.1}, {0.6}};
        int[] run = {0};
        int[] calls = {0};
        java.util.function.IntFunction<MetricTrainer> trainer = epochs -> MetricTrainer.builder().setHead(head)
                .optEpochs(epochs).optCheckpointDirectory(dir).optResume(true).optListeners()
                .optValidation(Validation.builder().optMetric("score").setEvaluation(n -> {
                    seen.add(TrainingFixtures.embed(n, PROBE));
                    return Map.of("score", curves[run[0]][calls[0]++]);
                }).build()).build();
        TrainingHistory first = trainer.apply(2).fit(TrainingFixtures.classBatches(TRAIN, net, 8, 2, 0));
        assertEquals(1, first.selection().epoch());
        assertArrayEquals(seen.get(0), TrainingFixtures.embed(net, PROBE), "epoch 1's network is kept");
        run[0] = 1;
        calls[0] = 0;
        TrainingHistory resumed = trainer.apply(3).fit(TrainingFixtures.classBatches(TRAIN, net, 8, 2, 0));
        assertEquals(3, resumed.epochs().size());
        assertEquals(3, resumed.validations().size(), "the run's first two evaluations and the new one");
        assertEquals(12, resumed.stepLosses().size());
        assertEquals(3, resumed.selection().epoch());
        assertEquals(0.6, resumed.selection().value());
    }
}
