package io.github.dml4j.backbone;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.util.Pair;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.nn.ParameterGroup;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.OptimizerType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Named parts of an EmbeddingNet: listing, freezing and learning-rate multipliers. */
class EmbeddingNetPartsTest {

    private static final List<String> CONVNET_S_PARTS = List.of("backbone", "backbone/01Conv2d", "backbone/02BatchNorm",
            "backbone/05Conv2d", "backbone/06BatchNorm", "backbone/09Conv2d", "backbone/10BatchNorm", "backbone/13Linear");

    /** The training fixtures' network, ConvNet {16, 32} with a 32-d embedding, as a builder. */
    private static EmbeddingNet.Builder small() {
        return EmbeddingNet.builder().setBackbone(new ConvNet(new int[] {16, 32}, 32)).setInputShape(1, 28, 28)
                .optPixelNormalization(new PixelNormalization(new float[] {0.2f}, new float[] {0.3f}));
    }

    private static EmbeddingNet.Builder convNetS() {
        return EmbeddingNet.builder().setBackbone(ConvNet.small(64)).setInputShape(1, 28, 28);
    }

    private static String message(Runnable build) {
        return assertThrows(IllegalArgumentException.class, build::run).getMessage();
    }

    @Test
    void partsAreTheBlocksWithParametersByReadablePath() {
        EmbeddingNet net = convNetS().build();
        assertEquals(CONVNET_S_PARTS, net.parts());
        assertEquals(List.of("backbone", "backbone/01Conv2d", "backbone/02BatchNorm", "backbone/05Conv2d",
                "backbone/06BatchNorm", "backbone/09Linear"), small().build().parts());
        assertEquals(List.of(), net.getFrozenParts());
        assertEquals(Map.of(), net.getLearningRateMultipliers());
        assertEquals(List.of("embedding"), net.parameterGroups().stream().map(ParameterGroup::name).toList());
    }

    @Test
    void aPartIsNamedWithOrWithoutItsNumber() {
        EmbeddingNet net = convNetS()
                .optFreeze("01backbone/01Conv2d", "backbone/02BatchNorm")
                .optLearningRateMultiplier("backbone/Linear", 2f)
                .optLearningRateMultiplier("01backbone/05Conv2d", 0.5f)
                .build();
        assertEquals(List.of("backbone/01Conv2d", "backbone/02BatchNorm"), net.getFrozenParts());
        // in the network's order, not the order given
        Map<String, Float> expected = new LinkedHashMap<>();
        expected.put("backbone/05Conv2d", 0.5f);
        expected.put("backbone/13Linear", 2f);
        assertEquals(expected, net.getLearningRateMultipliers());
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(net.getLearningRateMultipliers().keySet()));
        // two names of one part: the later multiplier replaces the earlier one
        assertEquals(Map.of("backbone/13Linear", 3f), convNetS().optLearningRateMultiplier("backbone/13Linear", 2f)
                .optLearningRateMultiplier("backbone/Linear", 3f).build().getLearningRateMultipliers());
        assertEquals("EmbeddingNet{backbone=ConvNet{channels=[32, 64, 128], embeddingSize=64}, normalize=false,"
                + " input=(1, 28, 28), frozen=[backbone/01Conv2d, backbone/02BatchNorm], learningRateMultipliers="
                + "{backbone/05Conv2d=0.5, backbone/13Linear=2.0}}", net.toString());
    }

    @Test
    void frozenPartsRequireNoGradientAndLeaveTheirGroup() {
        EmbeddingNet net = convNetS().optFreeze("backbone/01Conv2d").build();
        for (Pair<String, Parameter> p : net.getParameters()) {
            boolean frozen = p.getKey().startsWith("01backbone_01Conv2d_");
            boolean statistic = p.getValue().getType() == Parameter.Type.RUNNING_MEAN
                    || p.getValue().getType() == Parameter.Type.RUNNING_VAR;
            assertEquals(!frozen && !statistic, p.getValue().requiresGradient(), p.getKey());
        }
        List<ParameterGroup> groups = net.parameterGroups();
        assertEquals(List.of("embedding"), groups.stream().map(ParameterGroup::name).toList());
        List<Parameter> frozen = List.copyOf(net.getChildren().valueAt(0).getChildren().valueAt(0).getParameters().values());
        assertEquals(2, frozen.size());
        assertTrue(groups.get(0).parameters().stream().noneMatch(frozen::contains));
        assertEquals(net.getParameters().values().stream().filter(Parameter::requiresGradient).toList(),
                groups.get(0).parameters());
        // everything frozen: no group at all
        assertEquals(List.of(), convNetS().optFreeze("backbone").build().parameterGroups());
    }

    @Test
    void unknownAndAmbiguousPartNamesListWhatExists() {
        assertEquals("The network has no part 'backbone/99Conv2d' (optFreeze); its parts are " + CONVNET_S_PARTS + ".",
                message(() -> convNetS().optFreeze("backbone/99Conv2d").build()));
        assertEquals("The network has no part 'head' (optLearningRateMultiplier); its parts are " + CONVNET_S_PARTS + ".",
                message(() -> convNetS().optLearningRateMultiplier("head", 0.1f).build()));
        // a block without parameters is no part
        assertEquals("The network has no part 'backbone/03LambdaBlock' (optFreeze); its parts are " + CONVNET_S_PARTS
                + ".", message(() -> convNetS().optFreeze("backbone/03LambdaBlock").build()));
        assertEquals("The part name 'backbone/Conv2d' (optFreeze) could be any of [backbone/01Conv2d, backbone/05Conv2d,"
                + " backbone/09Conv2d]: name one with its number.", message(() -> convNetS().optFreeze("backbone/Conv2d").build()));
        assertEquals("A part of EmbeddingNet is named by its path, e.g. \"backbone\", not ' '.",
                message(() -> convNetS().optFreeze(" ")));
        assertEquals("A part of EmbeddingNet is named by its path, e.g. \"backbone\", not null.",
                message(() -> convNetS().optLearningRateMultiplier(null, 1f)));
        assertEquals("The learning-rate multiplier of part 'backbone' must be a finite number > 0, got 0.0.",
                message(() -> convNetS().optLearningRateMultiplier("backbone", 0f)));
        assertEquals("The learning-rate multiplier of part 'backbone' must be a finite number > 0, got NaN.",
                message(() -> convNetS().optLearningRateMultiplier("backbone", Float.NaN)));
    }

    @Test
    void aPartCannotBeFrozenAndGivenAMultiplier() {
        assertEquals("Part 'backbone/01Conv2d' is frozen, so it cannot also train at a learning-rate multiplier (0.1):"
                        + " leave it out of optFreeze or drop its optLearningRateMultiplier.",
                message(() -> convNetS().optFreeze("backbone/01Conv2d")
                        .optLearningRateMultiplier("01backbone/01Conv2d", 0.1f).build()));
        assertEquals("Part 'backbone/13Linear' is in frozen part 'backbone', so it cannot also train at a learning-rate"
                        + " multiplier (2.0): leave it out of optFreeze or drop its optLearningRateMultiplier.",
                message(() -> convNetS().optFreeze("backbone").optLearningRateMultiplier("backbone/Linear", 2f).build()));
        // a frozen part inside a part with a multiplier is fine: the rest of that part trains at it
        EmbeddingNet net = convNetS().optFreeze("backbone/01Conv2d").optLearningRateMultiplier("backbone", 0.1f).build();
        List<ParameterGroup> groups = net.parameterGroups();
        assertEquals(List.of("embedding/backbone"), groups.stream().map(ParameterGroup::name).toList());
        assertEquals(0.1f, groups.get(0).learningRateMultiplier());
        assertTrue(groups.get(0).parameters().stream().allMatch(Parameter::requiresGradient));
    }

    @Test
    void innerPartsTakeTheirOwnMultiplier() {
        EmbeddingNet net = convNetS().optLearningRateMultiplier("backbone", 0.1f)
                .optLearningRateMultiplier("backbone/13Linear", 1f).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(ArcFaceLoss.builder().setNumClasses(4).build())
                .build();
        List<ParameterGroup> groups = head.parameterGroups();
        assertEquals(List.of("embedding/backbone", "embedding/backbone/13Linear", "ArcFaceLoss"),
                groups.stream().map(ParameterGroup::name).toList());
        assertEquals(List.of(0.1f, 1f, 10f), groups.stream().map(ParameterGroup::learningRateMultiplier).toList());
        assertEquals(List.of("weight", "bias"), groups.get(1).parameters().stream().map(Parameter::getName).toList());
        long trainable = net.getParameters().values().stream().filter(Parameter::requiresGradient).count();
        assertEquals(trainable, groups.get(0).parameters().size() + groups.get(1).parameters().size());
    }

    /** Each parameter's values, by name. */
    private static Map<String, float[]> values(EmbeddingNet net) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    @Test
    void aFrozenPartStaysBitIdenticalThroughTrainingWhileTheRestMovesAtItsRates() {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        EmbeddingNet net = small().optFreeze("backbone/01Conv2d", "backbone/02BatchNorm")
                .optLearningRateMultiplier("backbone/Linear", 2f).build();
        MetricHead head = TrainingFixtures.tripletHead(net);
        assertEquals(List.of("embedding", "embedding/backbone/09Linear"),
                head.parameterGroups().stream().map(ParameterGroup::name).toList());
        // SGD with weight decay: even decay leaves a frozen part alone
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optOptimizer(OptimizerType.SGD)
                .optLearningRate(0.05f).optWeightDecay(1e-2f).optEpochs(2).optSeed(3).optListeners().build();
        trainer.initialize();
        Map<String, float[]> before = values(net);
        TrainingHistory history = trainer.fit(TrainingFixtures.classBatches(train, net, 16, 4, 3));
        Map<String, float[]> after = values(net);

        for (String name : List.of("01backbone_01Conv2d_weight", "01backbone_01Conv2d_bias",
                "01backbone_02BatchNorm_gamma", "01backbone_02BatchNorm_beta")) {
            assertArrayEquals(before.get(name), after.get(name), 0f, name + " is frozen");
        }
        for (String name : List.of("01backbone_05Conv2d_weight", "01backbone_06BatchNorm_gamma",
                "01backbone_09Linear_weight", "01backbone_09Linear_bias")) {
            assertFalse(Arrays.equals(before.get(name), after.get(name)), name + " trains");
        }
        // batch normalization's running statistics are no parameters an optimizer steps: they follow the batches
        assertFalse(Arrays.equals(before.get("01backbone_02BatchNorm_runningMean"),
                after.get("01backbone_02BatchNorm_runningMean")));

        Map<String, Double> rates = history.settings().learningRates();
        assertEquals(List.of("embedding", "embedding/backbone/09Linear"), List.copyOf(rates.keySet()));
        assertEquals(0.05, rates.get("embedding"), 1e-9);
        assertEquals(0.1, rates.get("embedding/backbone/09Linear"), 1e-9);
    }

    @Test
    void theTrainerGivesAPartItsMultipleOfTheRate() {
        LabeledImages train = SyntheticImages.generate(4, 4, 3);
        EmbeddingNet net = small().optLearningRateMultiplier("backbone/05Conv2d", 0.25f).build();
        AtomicReference<ParameterTracker> rates = new AtomicReference<>();
        MetricTrainer.builder().setHead(TrainingFixtures.tripletHead(net))
                .optOptimizer(lr -> {
                    rates.set(lr);
                    return Optimizer.sgd().setLearningRateTracker(lr).build();
                })
                .optLearningRate(1e-2f).optEpochs(1).optSeed(0).optListeners().build()
                .fit(TrainingFixtures.classBatches(train, net, 16, 4, 0));
        Block conv = net.getChildren().valueAt(0).getChildren().get("05Conv2d");
        for (Parameter p : conv.getParameters().values()) {
            assertEquals(2.5e-3f, rates.get().getNewValue(p.getId(), 0), 1e-9f, p.getName());
        }
        Block linear = net.getChildren().valueAt(0).getChildren().get("09Linear");
        assertEquals(1e-2f, rates.get().getNewValue(linear.getParameters().get("weight").getId(), 0), 1e-9f);
    }
}
