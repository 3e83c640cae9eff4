package io.github.dml4j.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.BackboneRegistry;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static io.github.dml4j.TrainingFixtures.precisionAt1;
import static io.github.dml4j.TrainingFixtures.tripletHead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ResNet family: torchvision's shapes and initialization, small-input stem, training and reload. */
class ResNetTest {

    @TempDir
    Path temp;

    private static List<Pair<String, Parameter>> initialized(NDManager manager, ResNet resnet, Shape input) {
        Block block = resnet.newBlock(input);
        Engine.getInstance().setRandomSeed(0);
        block.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(input));
        return block.getParameters().stream().toList();
    }

    private static boolean trainable(Parameter p) {
        return p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR;
    }

    /**
     * torchvision's resnet18/34/50 without their classifier hold 11,176,512 / 21,284,672 /
     * 23,508,032 parameters in 60 / 108 / 159 tensors (counted with Debian's torchvision 0.14);
     * the projection adds features x D + D in two tensors.
     */
    @Test
    void parameterCountsAreTorchvisions() {
        long[][] expected = {{18, 11_176_512L, 60, 512}, {34, 21_284_672L, 108, 512}, {50, 23_508_032L, 159, 2048}};
        try (NDManager manager = NDManager.newBaseManager()) {
            for (long[] e : expected) {
                ResNet resnet = ResNet.builder().setDepth((int) e[0]).setEmbeddingSize(128).build();
                List<Parameter> params = new ArrayList<>();
                for (Pair<String, Parameter> p : initialized(manager, resnet, new Shape(3, 64, 64))) {
                    if (trainable(p.getValue())) {
                        params.add(p.getValue());
                    }
                }
                long count = params.stream().mapToLong(p -> p.getArray().size()).sum();
                assertEquals(e[1] + e[3] * 128 + 128, count, "ResNet-" + e[0]);
                assertEquals(e[2] + 2, params.size(), "tensors of ResNet-" + e[0]);
                assertEquals(e[3], resnet.featureSize());
            }
        }
    }

    @Test
    void outputIsTheEmbeddingForEitherStem() {
        ResNet imagenet = ResNet.resnet18(64);
        assertEquals(new Shape(4, 64), imagenet.newBlock(new Shape(3, 224, 224))
                .getOutputShapes(new Shape[] {new Shape(4, 3, 224, 224)})[0]);
        ResNet small = ResNet.builder().setDepth(50).setEmbeddingSize(32).optWidth(8).optSmallInput(true).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = small.newBlock(new Shape(1, 28, 28));
            block.initialize(manager, DataType.FLOAT32, new Shape(2, 1, 28, 28));
            NDArray out = block.forward(new ParameterStore(manager, false),
                    new NDList(manager.randomNormal(new Shape(2, 1, 28, 28))), false).singletonOrThrow();
            assertEquals(new Shape(2, 32), out.getShape());
        }
    }

    /** Convolutions Kaiming-normal on the fan-out, batch norm at one and zero, optionally zero at each block's end. */
    @Test
    void initializesAsTorchvision() {
        ResNet resnet = ResNet.builder().setDepth(18).setEmbeddingSize(64).optZeroInitResidual(true).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Pair<String, Parameter>> params = initialized(manager, resnet, new Shape(3, 32, 32));
            int zeroGammas = 0;
            int convs = 0;
            for (Pair<String, Parameter> pair : params) {
                Parameter p = pair.getValue();
                NDArray a = p.getArray();
                if (p.getType() == Parameter.Type.WEIGHT && a.getShape().dimension() == 4) {
                    Shape s = a.getShape();
                    double expected = Math.sqrt(2.0 / (s.get(0) * s.get(2) * s.get(3)));
                    double std = Math.sqrt(a.square().mean().getFloat());
                    assertEquals(expected, std, expected * 0.1, pair.getKey());
                    assertEquals(0, a.mean().getFloat(), expected * 0.1, pair.getKey());
                    convs++;
                } else if (p.getType() == Parameter.Type.GAMMA) {
                    float min = a.min().getFloat();
                    float max = a.max().getFloat();
                    assertEquals(min, max, pair.getKey() + " is constant");
                    assertTrue(min == 1f || min == 0f, pair.getKey());
                    zeroGammas += min == 0f ? 1 : 0;
                } else if (p.getType() == Parameter.Type.BETA) {
                    assertEquals(0f, a.abs().max().getFloat(), pair.getKey());
                }
            }
            assertEquals(20, convs, "17 in the main paths and 3 in the shortcuts");
            assertEquals(8, zeroGammas, "one for each of the 8 basic blocks");
        }
    }

    @Test
    void refusesWhatItCannotBuild() {
        IllegalArgumentException depth = assertThrows(IllegalArgumentException.class,
                () -> ResNet.builder().setDepth(20).setEmbeddingSize(64).build());
        assertTrue(depth.getMessage().contains("[18, 34, 50]"), depth.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResNet.builder().setDepth(18).build());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> ResNet.resnet18(64).newBlock(new Shape(1, 28, 28)));
        assertTrue(small.getMessage().contains("optSmallInput(true)"), small.getMessage());
    }

    /** A narrow ResNet-18 (width 16) with the small stem learns the synthetic classes, and reloads from its model card. */
    @Test
    void trainsAndReloadsFromTheModelCard() throws Exception {
        LabeledImages train = SyntheticImages.generate(8, 48, 1);
        LabeledImages test = SyntheticImages.generate(8, 20, 2);
        // 16 channels, not 8: libtorch 2.7.1's AVX-512 convolutions of fewer than 16 channels can
        // give NaN gradients (see the README's troubleshooting)
        ResNet resnet = ResNet.builder().setDepth(18).setEmbeddingSize(32).optWidth(16).optSmallInput(true).build();
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(resnet).setInputShape(1, 28, 28)
                .optPixelNormalization(new PixelNormalization(new float[] {0.2f}, new float[] {0.3f})).build();
        MetricHead head = tripletHead(net);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(10).optLearningRate(3e-3f).optSeed(0)
                .optListeners().build();
        trainer.initialize();
        double before = precisionAt1(net, test);
        trainer.fit(classBatches(train, net, 64, 8, 0));
        double after = precisionAt1(net, test);
        assertTrue(after > before + 0.25 && after > 0.65, "P@1 before " + before + ", after " + after);

        Path dir = temp.resolve("resnet-model");
        try (NDManager manager = NDManager.newBaseManager();
             EmbeddingModel model = EmbeddingModel.of(net)) {
            float[] embedded = model.embed(manager, test).toFloatArray();
            model.save(dir);
            try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
                ModelCard.Architecture architecture = loaded.card().architecture();
                assertEquals(ResNet.TYPE, architecture.backbone());
                assertEquals(resnet, BackboneRegistry.read(architecture.backbone(), architecture.config()));
                assertArrayEquals(embedded, loaded.embed(manager, test).toFloatArray());
            }
        }
    }
}
