package io.github.dml4j.train;

import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.provenance.TrainingSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each parameter group trains at its multiple of the trainer's rate, whatever optimizer the user makes. */
class LearningRateGroupsTest {

    private static final LabeledImages TRAIN = SyntheticImages.generate(4, 16, 3);

    /** One batch of 16 (4 classes x 4), one step. */
    private static ClassBatches oneBatch(EmbeddingNet net) {
        return ClassBatches.builder().setImages(TRAIN).setNormalization(net.getPixelNormalization())
                .optBatchSize(16).optM(4).optEpochLength(16).optSeed(0).build();
    }

    private static Parameter firstNetworkParameter(EmbeddingNet net) {
        return net.getParameters().values().stream().filter(Parameter::requiresGradient).findFirst().orElseThrow();
    }

    @Test
    void aUserOptimizerGetsTheRateOfEveryGroup() {
        AtomicReference<ParameterTracker> captured = new AtomicReference<>();
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).build();
        assertEquals(10f, arcFace.getLearningRateMultiplier(), "ArcFace's class weights train at 10x by default");
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build();
        TrainingHistory history = MetricTrainer.builder().setHead(head)
                .optOptimizer(lr -> {
                    captured.set(lr);
                    return Optimizer.sgd().setLearningRateTracker(lr).build();
                })
                .optLearningRate(1e-3f).optEpochs(1).optSeed(0).optListeners().build()
                .fit(oneBatch(net));
        ParameterTracker lr = captured.get();
        assertNotNull(lr, "the factory was called");
        assertEquals(1e-2f, lr.getNewValue(arcFace.getClassWeights().getId(), 0), 1e-2f * 1e-6f);
        assertEquals(1e-3f, lr.getNewValue(firstNetworkParameter(net).getId(), 0), 1e-3f * 1e-6f);
        for (Parameter p : net.getParameters().values()) {
            if (p.requiresGradient()) {
                assertEquals(1e-3f, lr.getNewValue(p.getId(), 7), 1e-3f * 1e-6f, p.getName());
            }
        }

        TrainingSettings settings = history.settings();
        Map<String, Double> rates = settings.learningRates();
        assertEquals(List.of("embedding", "ArcFaceLoss"), List.copyOf(rates.keySet()));
        // the rates are recorded as the trainer computed them, in float32
        assertEquals(1e-3, rates.get("embedding"), 1e-3 * 1e-6);
        assertEquals(1e-2, rates.get("ArcFaceLoss"), 1e-2 * 1e-6);
        assertEquals(1e-3, settings.learningRate(), 1e-3 * 1e-6);
        assertEquals("Sgd", settings.optimizer());
        assertNull(settings.weightDecay(), "a user-made optimizer sets its own weight decay");
    }

    @Test
    void theMultiplierReallyScalesTheUserOptimizersSteps() {
        // plain SGD, one step, the same gradients: the class weights move 10 times as far, the network alike
        float[][] classWeightSteps = new float[2][];
        float[][] netAfter = new float[2][];
        float[] multipliers = {10f, 1f};
        for (int run = 0; run < 2; run++) {
            EmbeddingNet net = TrainingFixtures.newNet(true);
            ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).optLearningRateMultiplier(multipliers[run]).build();
            MetricTrainer trainer = MetricTrainer.builder()
                    .setHead(MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build())
                    .optOptimizer(lr -> Optimizer.sgd().setLearningRateTracker(lr).build())
                    .optLearningRate(1e-3f).optEpochs(1).optSeed(0).optListeners().build();
            trainer.initialize();
            float[] before = arcFace.getClassWeights().getArray().toFloatArray();
            trainer.fit(oneBatch(net));
            float[] after = arcFace.getClassWeights().getArray().toFloatArray();
            classWeightSteps[run] = new float[before.length];
            for (int i = 0; i < before.length; i++) {
                classWeightSteps[run][i] = after[i] - before[i];
            }
            netAfter[run] = TrainingFixtures.embed(net, TRAIN);
        }
        double largest = 0;
        for (int i = 0; i < classWeightSteps[0].length; i++) {
            largest = Math.max(largest, Math.abs(classWeightSteps[1][i]));
        }
        assertTrue(largest > 1e-6, "the class weights moved: " + largest);
        for (int i = 0; i < classWeightSteps[0].length; i++) {
            // float32 weights near 1 hold a step to about 1e-7: allow that rounding on top of 1 %
            assertEquals(10.0 * classWeightSteps[1][i], classWeightSteps[0][i], 1e-2 * largest * 10 + 2e-6, "class weight " + i);
        }
        assertArrayEquals(netAfter[0], netAfter[1], 1e-6f);
    }

    @Test
    void aScheduleIsScaledForEveryGroup() {
        AtomicReference<ParameterTracker> captured = new AtomicReference<>();
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).optLearningRateMultiplier(4f).build();
        Tracker schedule = update -> 1e-3f / (1 + update);
        TrainingHistory history = MetricTrainer.builder().setHead(MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build())
                .optOptimizer(lr -> {
                    captured.set(lr);
                    return Optimizer.adam().optLearningRateTracker(lr).build();
                })
                .optLearningRate(schedule).optEpochs(1).optSeed(0).optListeners().build().fit(oneBatch(net));
        for (int update : new int[] {0, 1, 9}) {
            assertEquals(4f * schedule.getNewValue(update), captured.get().getNewValue(arcFace.getClassWeights().getId(), update),
                    1e-9f);
            assertEquals(schedule.getNewValue(update), captured.get().getNewValue(firstNetworkParameter(net).getId(), update),
                    1e-10f);
        }
        assertEquals(Map.of("embedding", 0.001, "ArcFaceLoss", 0.004),
                history.settings().learningRates(), "the schedule's first value times each multiplier");
    }

    @Test
    void aNamedOptimizerKeepsTheGroupsAndRecordsItsWeightDecay() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).build();
        TrainingHistory history = MetricTrainer.builder().setHead(MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build())
                .optOptimizer(OptimizerType.SGD).optLearningRate(1e-2f).optWeightDecay(5e-4f).optEpochs(1).optSeed(0)
                .optListeners().build().fit(oneBatch(net));
        TrainingSettings settings = history.settings();
        assertEquals("SGD", settings.optimizer());
        assertEquals(5e-4, settings.weightDecay(), 5e-4 * 1e-6);
        assertEquals(1e-2, settings.learningRates().get("embedding"), 1e-2 * 1e-6);
        assertEquals(1e-1, settings.learningRates().get("ArcFaceLoss"), 1e-1 * 1e-6);
    }

    @Test
    void aWarmUpScheduleThatStartsAtZeroTrains() {
        // Tracker.warmUp() starts at 0 by default: the run is recorded with its first rate, 0
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).build();
        Tracker warmUp = Tracker.warmUp().optWarmUpSteps(4).setMainTracker(Tracker.fixed(1e-3f)).build();
        assertEquals(0f, warmUp.getNewValue(0));
        TrainingHistory history = MetricTrainer.builder().setHead(MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build())
                .optLearningRate(warmUp).optEpochs(1).optSeed(0).optListeners().build().fit(oneBatch(net));
        assertEquals(1, history.epochs().size());
        assertEquals(0.0, history.settings().learningRate());
        assertEquals(Map.of("embedding", 0.0, "ArcFaceLoss", 0.0), history.settings().learningRates());
    }
}
