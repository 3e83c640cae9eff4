package io.github.dml4j.inference;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.backbone.TorchScriptBackbone;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.provenance.TrainingHistory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static io.github.dml4j.TrainingFixtures.embed;
import static io.github.dml4j.TrainingFixtures.tripletHead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TorchScript module compiled by PyTorch 1.13 ({@code src/test/resources/torchscript/tiny.pt},
 * made by {@code examples/reference/trace_backbones.py tiny --size 32}) as a backbone: checks,
 * fine-tuning with a frozen part, frozen BatchNorm statistics, channel order, and a saved model
 * that loads without the source file.
 */
class TorchScriptBackboneTest {

    static final Path TINY = Path.of("src/test/resources/torchscript/tiny.pt");

    @TempDir
    Path temp;

    /** The synthetic 28x28 classes as 3x32x32 colour images: padded by 2, tinted per channel. */
    static LabeledImages colour(LabeledImages grey) {
        return colour(grey, 32);
    }

    /** The synthetic 28x28 classes as 3 x size x size colour images: centred, tinted per channel. */
    static LabeledImages colour(LabeledImages grey, int size) {
        int n = grey.size();
        int pad = (size - 28) / 2;
        byte[] out = new byte[n * 3 * size * size];
        float[] tint = {1f, 0.7f, 0.4f};
        for (int i = 0; i < n; i++) {
            byte[] g = grey.imageBytes(i);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        int v = Math.round((g[y * 28 + x] & 0xff) * tint[c]);
                        out[((i * 3 + c) * size + y + pad) * size + x + pad] = (byte) v;
                    }
                }
            }
        }
        return LabeledImages.of(out, grey.labels(), 3, size, size);
    }

    static TorchScriptBackbone.Builder tiny() {
        return TorchScriptBackbone.builder().setFile(TINY).setInputShape(3, 32, 32);
    }

    static EmbeddingNet.Builder net(TorchScriptBackbone backbone) {
        return EmbeddingNet.builder().setBackbone(backbone).setInputShape(3, 32, 32)
                .optPixelNormalization(new PixelNormalization(new float[] {0.2f, 0.14f, 0.08f}, new float[] {0.3f, 0.2f, 0.12f}));
    }

    static Map<String, float[]> values(EmbeddingNet net) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    @Test
    void buildsFromTheFileAndRecordsIt() throws Exception {
        TorchScriptBackbone backbone = tiny().optEmbeddingSize(16).build();
        assertEquals(32, backbone.featureSize());
        assertEquals("tiny.pt", backbone.fileName());
        assertEquals(64, backbone.sha256().length());
        EmbeddingNet net = net(backbone).build();
        assertEquals(16, net.getEmbeddingSize());
        assertTrue(net.parts().contains("backbone/01module/01conv1"), net.parts().toString());
        assertTrue(net.parts().contains("backbone/02projection"), net.parts().toString());
        // the card's configuration rebuilds an equal backbone, without the file
        TorchScriptBackbone read = (TorchScriptBackbone) BackboneRegistry.read(TorchScriptBackbone.TYPE,
                BackboneRegistry.write(backbone));
        assertEquals(backbone, read);
        assertEquals(null, read.file());
    }

    /** The card names the ImageNet normalization as a preset, and reads it back. */
    @Test
    void theCardNamesTheNormalizationPreset() throws Exception {
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(tiny().build()).setInputShape(3, 32, 32)
                .optPixelNormalization(PixelNormalization.IMAGENET).build();
        ModelCard card = ModelCard.describe(net);
        assertEquals("imagenet", card.input().normalization());
        Path file = temp.resolve("model-card.json");
        card.write(file);
        assertTrue(Files.readString(file).contains("\"normalization\": \"imagenet\""), Files.readString(file));
        assertEquals("imagenet", ModelCard.read(file).input().normalization());
        assertEquals(PixelNormalization.IMAGENET, ModelCard.read(file).input().pixelNormalization());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelCard.Input(3, 32, 32,
                java.util.List.of(0.5f, 0.5f, 0.5f), java.util.List.of(0.2f, 0.2f, 0.2f), io.github.dml4j.data.ColorMode.RGB,
                null, "imagenet"));
        assertTrue(e.getMessage().contains("'imagenet'"), e.getMessage());
        assertEquals(null, ModelCard.describe(net(tiny().build()).build()).input().normalization());
    }

    /**
     * Fine-tuning with the first convolution frozen: the loss goes down, the frozen weights stay
     * bit-identical, the others move; the saved model loads, with the source file gone, through
     * EmbeddingModel.load and through DJL's Criteria, and embeds as the trained network does.
     */
    @Test
    void fineTunesWithAFrozenPartAndReloadsWithoutTheFile() throws Exception {
        Path copy = temp.resolve("copy-of-tiny.pt");
        Files.copy(TINY, copy);
        LabeledImages train = colour(SyntheticImages.generate(6, 32, 1));
        LabeledImages test = colour(SyntheticImages.generate(6, 4, 2));
        TorchScriptBackbone backbone = TorchScriptBackbone.builder().setFile(copy).setInputShape(3, 32, 32)
                .optEmbeddingSize(16).build();
        EmbeddingNet net = net(backbone).optFreeze("backbone/module/conv1").build();
        MetricHead head = tripletHead(net);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(6).optLearningRate(3e-3f).optSeed(0)
                .optListeners().build();
        trainer.initialize();
        Map<String, float[]> before = values(net);
        TrainingHistory history = trainer.fit(classBatches(train, net, 48, 8, 0));
        double[] losses = history.losses();
        assertTrue(losses[losses.length - 1] < losses[0], "losses " + java.util.Arrays.toString(losses));
        Map<String, float[]> after = values(net);
        int moved = 0;
        for (String key : before.keySet()) {
            if (key.contains("conv1.weight")) {
                assertArrayEquals(before.get(key), after.get(key), key + " is frozen");
            } else if (!java.util.Arrays.equals(before.get(key), after.get(key))) {
                moved++;
            }
        }
        assertEquals(before.size() - 1, moved, "every parameter but the frozen one moved");

        float[] trained = embed(net, test);
        Path dir = temp.resolve("model");
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            model.save(dir);
        }
        Files.delete(copy);
        try (EmbeddingModel loaded = EmbeddingModel.load(dir); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(TorchScriptBackbone.TYPE, loaded.card().architecture().backbone());
            assertEquals(backbone.sha256(), loaded.card().architecture().config().get("sha256").getAsString());
            float[] reloaded = loaded.embed(manager, test).toFloatArray();
            assertArrayEquals(trained, reloaded, 1e-5f);
            try (ZooModel<Image, float[]> zoo = EmbeddingModel.criteria(dir).loadModel();
                 Predictor<Image, float[]> predictor = zoo.newPredictor()) {
                for (int i = 0; i < 3; i++) {
                    Image image = TestModels.rgbImage(test.imageBytes(i), 32, 32);
                    assertArrayEquals(loaded.embed(image), predictor.predict(image), 1e-5f);
                }
            }
        }
    }

    /**
     * At learning rate 0 only BatchNorm's running statistics can change the module's output:
     * with frozen statistics it stays bit-identical through training, without them it moves.
     */
    @Test
    void frozenBatchNormStatisticsStayFixed() {
        LabeledImages train = colour(SyntheticImages.generate(4, 16, 1));
        LabeledImages probe = colour(SyntheticImages.generate(4, 2, 3));
        for (boolean freeze : new boolean[] {true, false}) {
            EmbeddingNet net = net(tiny().optFreezeBatchNorm(freeze).build()).optNormalize(false).build();
            MetricTrainer trainer = MetricTrainer.builder().setHead(tripletHead(net)).optEpochs(1)
                    .optLearningRate(Tracker.fixed(0f)).optSeed(0).optListeners().build();
            trainer.initialize();
            float[] before = embed(net, probe);
            trainer.fit(classBatches(train, net, 32, 8, 0));
            float[] after = embed(net, probe);
            if (freeze) {
                assertArrayEquals(before, after, "frozen running statistics");
            } else {
                assertFalse(java.util.Arrays.equals(before, after), "training mode updates the running statistics");
            }
        }
    }

    @Test
    void bgrModulesSeeTheChannelsReversed() {
        LabeledImages images = colour(SyntheticImages.generate(2, 2, 1));
        EmbeddingNet rgb = net(tiny().build()).optNormalize(false).build();
        EmbeddingNet bgr = net(tiny().optChannelOrder(TorchScriptBackbone.ChannelOrder.BGR).build()).optNormalize(false)
                .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            rgb.initialize(manager);
            bgr.initialize(manager);
            NDArray x = manager.randomUniform(0, 1, new Shape(2, 3, 32, 32));
            NDArray a = rgb.forward(new ParameterStore(manager, false), new NDList(x.flip(1)), false).singletonOrThrow();
            NDArray b = bgr.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 1e-6f);
        }
        assertEquals(4, images.size());
    }

    @Test
    void badFilesAndShapesAreNamed() throws Exception {
        Path missing = temp.resolve("missing.pt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptBackbone.builder().setFile(missing).setInputShape(3, 32, 32).build());
        assertTrue(e.getMessage().contains("missing.pt") && e.getMessage().contains("does not exist"), e.getMessage());

        Path empty = Files.createFile(temp.resolve("empty.pt"));
        e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptBackbone.builder().setFile(empty).setInputShape(3, 32, 32).build());
        assertTrue(e.getMessage().contains("empty.pt") && e.getMessage().contains("empty"), e.getMessage());

        Path text = Files.writeString(temp.resolve("weights.pt"), "not a TorchScript archive\n");
        e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptBackbone.builder().setFile(text).setInputShape(3, 32, 32).build());
        assertTrue(e.getMessage().contains("weights.pt") && e.getMessage().contains("TorchScript"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> tiny().setInputShape(1, 28, 28).build());
        assertTrue(e.getMessage().contains("(2, 1, 28, 28)") && e.getMessage().contains("3 channels"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> net(tiny().build()).optFreeze("backbone/layer9").build());
        assertTrue(e.getMessage().contains("backbone/layer9") && e.getMessage().contains("backbone/01module/01conv1"),
                e.getMessage());

        TorchScriptBackbone backbone = tiny().build();
        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingNet.builder().setBackbone(backbone).setInputShape(3, 64, 64).build());
        assertTrue(e.getMessage().contains("(3, 32, 32)") && e.getMessage().contains("(3, 64, 64)"), e.getMessage());
    }
}
