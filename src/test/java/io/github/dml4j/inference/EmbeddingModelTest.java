package io.github.dml4j.inference;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.LabeledImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddingModelTest {

    @TempDir
    Path temp;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static float[][] rows(NDArray a) {
        int n = (int) a.getShape().get(0);
        int d = (int) a.getShape().get(1);
        float[] flat = a.toFloatArray();
        float[][] r = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, r[i], 0, d);
        }
        return r;
    }

    @Test
    void saveAndLoadGiveIdenticalEmbeddings() throws Exception {
        EmbeddingNet net = TestModels.smallNet(manager);
        LabeledImages images = TestModels.randomImages(300, 1, 1); // two batches
        Path dir = temp.resolve("nested/model");
        try (EmbeddingModel trained = EmbeddingModel.of(net, TestModels.provenance(images))) {
            NDArray before = trained.embed(manager, images);
            assertEquals(new ai.djl.ndarray.types.Shape(300, 16), before.getShape());
            trained.save(dir);
            assertEquals(List.of(EmbeddingModel.PARAMETER_FILE, ModelCard.FILE_NAME), list(dir));
            try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
                // the card on disk also records the parameter file it was written with
                ModelCard.FileDigest written = ModelCard.FileDigest.of(dir.resolve(EmbeddingModel.PARAMETER_FILE));
                assertEquals(trained.card().withParameterFile(written), loaded.card());
                assertNull(trained.card().parameterFile());
                assertEquals(16, loaded.embeddingSize());
                NDArray after = loaded.embed(manager, images);
                assertArrayEquals(before.toFloatArray(), after.toFloatArray()); // bit for bit
                assertArrayEquals(trained.embedPixels(images.imageBytes(7)), loaded.embedPixels(images.imageBytes(7)));
            }
        }
    }

    @Test
    void batchedEmbeddingEqualsSingleImageEmbedding() {
        EmbeddingNet net = TestModels.smallNet(manager);
        LabeledImages images = TestModels.randomImages(3, 1, 2);
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            float[][] batch = rows(model.embed(manager, images));
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(batch[i], model.embedPixels(images.imageBytes(i)), 1e-5f);
            }
            assertEquals(0, model.embed(manager, TestModels.randomImages(0, 1, 0)).getShape().get(0));
        }
    }

    @Test
    void imagesOfTheRightSizeEmbedExactlyAsTheirBytes() {
        EmbeddingNet net = TestModels.smallNet(manager);
        LabeledImages images = TestModels.randomImages(300, 1, 3);
        List<Image> list = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            list.add(TestModels.grayImage(images.imageBytes(i), 28, 28));
        }
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            float[][] fromImages = model.embed(list);
            float[][] fromBytes = rows(model.embed(manager, images));
            assertEquals(300, fromImages.length);
            for (int i = 0; i < 300; i++) {
                assertArrayEquals(fromBytes[i], fromImages[i], "image " + i); // same batches: bit for bit
            }
            assertArrayEquals(model.embedPixels(images.imageBytes(0)), model.embed(list.get(0)));
        }
    }

    @Test
    void colourImagesAreConvertedToGrey() {
        EmbeddingNet net = TestModels.smallNet(manager);
        byte[] rgb = TestModels.randomImages(1, 3, 4).imageBytes(0);
        byte[] grey = new byte[28 * 28];
        for (int i = 0; i < grey.length; i++) {
            float r = rgb[i] & 0xff;
            float g = rgb[784 + i] & 0xff;
            float b = rgb[2 * 784 + i] & 0xff;
            grey[i] = (byte) Math.round(0.299f * r + 0.587f * g + 0.114f * b);
        }
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            assertArrayEquals(model.embedPixels(grey), model.embed(TestModels.rgbImage(rgb, 28, 28)));
        }
    }

    @Test
    void rgbModelsTakeColourImages() throws Exception {
        EmbeddingNet net = TestModels.net(manager, new int[] {4, 8}, 8, 3, true);
        LabeledImages images = TestModels.randomImages(2, 3, 5);
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            assertEquals(ColorMode.RGB, model.card().input().colour());
            assertEquals("cosine", model.card().distance());
            float[] e = model.embed(TestModels.rgbImage(images.imageBytes(0), 28, 28));
            assertArrayEquals(model.embedPixels(images.imageBytes(0)), e);
            double norm = 0;
            for (float v : e) {
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-5);
            model.save(temp.resolve("rgb"));
            try (EmbeddingModel loaded = EmbeddingModel.load(temp.resolve("rgb"))) {
                assertArrayEquals(e, loaded.embed(TestModels.rgbImage(images.imageBytes(0), 28, 28)));
            }
        }
    }

    @Test
    void imagesOfAnotherSizeAreResized() {
        EmbeddingNet net = TestModels.smallNet(manager);
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            // a constant image stays constant whatever its size
            byte[] grey = new byte[28 * 28];
            java.util.Arrays.fill(grey, (byte) 100);
            byte[] big = new byte[56 * 45];
            java.util.Arrays.fill(big, (byte) 100);
            assertArrayEquals(model.embedPixels(grey), model.embed(TestModels.grayImage(big, 56, 45)), 1e-5f);

            // any other image: bilinear (antialiased) resize of the H x W x 1 pixels, then CHW, then normalization
            int h = 40;
            int w = 33;
            byte[] pixels = new byte[h * w];
            new java.util.Random(6).nextBytes(pixels);
            float[] hwc = new float[h * w];
            for (int i = 0; i < hwc.length; i++) {
                hwc[i] = pixels[i] & 0xff;
            }
            NDArray resized = ai.djl.modality.cv.util.NDImageUtils.resize(
                    manager.create(hwc, new ai.djl.ndarray.types.Shape(h, w, 1)), 28, 28);
            NDArray input = io.github.dml4j.data.PixelNormalization.FASHION_MNIST.apply(resized.transpose(2, 0, 1))
                    .expandDims(0);
            float[] expected = net.forward(new ai.djl.training.ParameterStore(manager, false),
                    new ai.djl.ndarray.NDList(input), false).singletonOrThrow().toFloatArray();
            assertArrayEquals(expected, model.embed(TestModels.grayImage(pixels, h, w)), 1e-6f);
        }
    }

    @Test
    void criteriaLoadTheSameModel() throws Exception {
        EmbeddingNet net = TestModels.smallNet(manager);
        LabeledImages images = TestModels.randomImages(4, 1, 7);
        Path dir = temp.resolve("model");
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            model.save(dir);
        }
        Map<String, String> before = TestModels.snapshot(dir);
        try (EmbeddingModel model = EmbeddingModel.load(dir);
             ZooModel<Image, float[]> zoo = EmbeddingModel.criteria(dir).loadModel();
             Predictor<Image, float[]> predictor = zoo.newPredictor()) {
            assertTrue(zoo.getBlock() instanceof EmbeddingNet);
            for (int i = 0; i < images.size(); i++) {
                Image image = TestModels.grayImage(images.imageBytes(i), 28, 28);
                assertArrayEquals(model.embed(image), predictor.predict(image));
            }
            List<Image> list = List.of(TestModels.grayImage(images.imageBytes(0), 28, 28),
                    TestModels.grayImage(images.imageBytes(1), 28, 28));
            List<float[]> djl = predictor.batchPredict(list);
            float[][] ours = model.embed(list);
            assertArrayEquals(ours[0], djl.get(0));
            assertArrayEquals(ours[1], djl.get(1));
        }
        // by hand, as a DJL user would, with the factories named by class
        Criteria<Image, float[]> criteria = Criteria.builder()
                .setTypes(Image.class, float[].class)
                .optModelPath(dir)
                .optModelName(EmbeddingModel.MODEL_NAME)
                .optArgument("blockFactory", EmbeddingNetBlockFactory.class.getName())
                .optTranslatorFactory(new EmbeddingTranslatorFactory())
                .build();
        try (EmbeddingModel model = EmbeddingModel.load(dir);
             ZooModel<Image, float[]> zoo = criteria.loadModel();
             Predictor<Image, float[]> predictor = zoo.newPredictor()) {
            Image image = TestModels.grayImage(images.imageBytes(3), 28, 28);
            assertArrayEquals(model.embed(image), predictor.predict(image));
        }
        assertEquals(before, TestModels.snapshot(dir));
    }

    @Test
    void savingReplacesAModelDirectoryButNothingElse() throws Exception {
        Path dir = temp.resolve("model");
        LabeledImages images = TestModels.randomImages(2, 1, 8);
        try (EmbeddingModel first = EmbeddingModel.of(TestModels.smallNet(manager))) {
            first.save(dir);
        }
        Files.writeString(dir.resolve("README.txt"), "mine");
        Files.write(dir.resolve("embedding-0003.params"), new byte[] {1, 2, 3});
        EmbeddingNet other = TestModels.net(manager, new int[] {4}, 8, 1, true);
        float[] expected;
        try (EmbeddingModel second = EmbeddingModel.of(other)) {
            expected = second.embedPixels(images.imageBytes(0));
            second.save(dir);
        }
        assertEquals(List.of("README.txt", EmbeddingModel.PARAMETER_FILE, ModelCard.FILE_NAME), list(dir));
        assertEquals("mine", Files.readString(dir.resolve("README.txt")));
        try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
            assertEquals(8, loaded.embeddingSize());
            assertArrayEquals(expected, loaded.embedPixels(images.imageBytes(0)));
            // a loaded model saves again, elsewhere, to the same bytes
            loaded.save(temp.resolve("copy"));
            assertArrayEquals(Files.readAllBytes(dir.resolve(EmbeddingModel.PARAMETER_FILE)),
                    Files.readAllBytes(temp.resolve("copy").resolve(EmbeddingModel.PARAMETER_FILE)));
            assertEquals(dir.toAbsolutePath(), loaded.model().getModelPath());
        }
    }

    @Test
    void savingRefusesAForeignDirectory() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("photos"));
        Files.writeString(dir.resolve("holiday.jpg"), "not a model");
        Path file = Files.writeString(temp.resolve("file.txt"), "x");
        try (EmbeddingModel model = EmbeddingModel.of(TestModels.smallNet(manager))) {
            Exception e = assertThrows(java.io.IOException.class, () -> model.save(dir));
            assertEquals("Refusing to save the model to " + dir + ": the directory is not empty (holiday.jpg) and "
                    + "holds no model-card.json, so it is not a DML4J model directory. Choose a new or empty directory.",
                    e.getMessage());
            assertEquals(List.of("holiday.jpg"), list(dir));
            e = assertThrows(java.io.IOException.class, () -> model.save(file));
            assertEquals("Cannot save the model to " + file + ": it exists and is not a directory.", e.getMessage());
            Path empty = Files.createDirectories(temp.resolve("empty"));
            model.save(empty);
            assertEquals(List.of(EmbeddingModel.PARAMETER_FILE, ModelCard.FILE_NAME), list(empty));
        }
    }

    @Test
    void wrappingChecksTheNetAndTheCard() {
        EmbeddingNet uninitialized = EmbeddingNet.builder()
                .setBackbone(new io.github.dml4j.backbone.ConvNet(new int[] {4}, 8)).setInputShape(1, 28, 28).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmbeddingModel.of(uninitialized));
        assertEquals("The network is not initialized: train it, or call net.initialize(manager), before wrapping it.",
                e.getMessage());
        EmbeddingNet net = TestModels.smallNet(manager);
        ModelCard otherCard = ModelCard.describe(TestModels.net(manager, new int[] {8, 16}, 16, 1, true));
        e = assertThrows(IllegalArgumentException.class, () -> EmbeddingModel.of(net, otherCard));
        assertEquals("The model card's normalize flag true is not the network's, false.", e.getMessage());
    }

    @Test
    void closedModelsRefuseToEmbed() {
        EmbeddingModel model = EmbeddingModel.of(TestModels.smallNet(manager));
        model.close();
        model.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> model.embedPixels(new byte[784]));
        assertEquals("This EmbeddingModel is closed.", e.getMessage());
    }

    @Test
    void embeddingIsThreadSafe() throws Exception {
        Path dir = temp.resolve("model");
        LabeledImages images = TestModels.randomImages(40, 1, 9);
        try (EmbeddingModel m = EmbeddingModel.of(TestModels.smallNet(manager))) {
            m.save(dir);
        }
        try (EmbeddingModel model = EmbeddingModel.load(dir)) {
            float[][] expected = new float[images.size()][];
            for (int i = 0; i < images.size(); i++) {
                expected[i] = model.embed(TestModels.grayImage(images.imageBytes(i), 28, 28));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    results.add(pool.submit(() -> {
                        for (int i = 0; i < images.size(); i++) {
                            float[] e = model.embed(TestModels.grayImage(images.imageBytes(i), 28, 28));
                            if (!java.util.Arrays.equals(expected[i], e)) {
                                return false;
                            }
                            try (NDManager m = NDManager.newBaseManager()) {
                                NDArray row = model.embed(m, images.subset(new int[] {i}));
                                if (!java.util.Arrays.equals(expected[i], row.toFloatArray())) {
                                    return false;
                                }
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : results) {
                    assertTrue(f.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void defaultCardDescribesTheNet() {
        EmbeddingNet net = TestModels.smallNet(manager);
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            ModelCard card = model.card();
            assertEquals(ModelCard.FORMAT_VERSION, card.formatVersion());
            assertEquals("dml4j", card.library().name());
            assertEquals("PyTorch", card.engine().name());
            assertFalse(card.engine().version().isBlank());
            assertEquals("convnet", card.architecture().backbone());
            assertEquals("{\"channels\":[8,16],\"embeddingSize\":16}", card.architecture().config().toString());
            assertEquals(ColorMode.GRAYSCALE, card.input().colour());
            assertEquals(List.of(0.2860f), card.input().mean());
            assertEquals("l2", card.distance());
            assertNull(card.threshold());
            assertNull(card.training());
            assertEquals(net, model.net());
            assertEquals(net, model.model().getBlock());
        }
    }

    private static List<String> list(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
