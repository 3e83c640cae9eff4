package io.github.dml4j.inference;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.provenance.TrainingProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A model exported by DML4J 0.1 (card format 1) and committed under
 * {@code src/test/resources/models/v1-convnet} must load in every later version and give the
 * embedding recorded next to it. Never regenerate the fixture to make this test pass: add a new
 * fixture for a new format instead.
 */
class CommittedModelTest {

    static final String FIXTURE = "models/v1-convnet";
    static final String EXPECTED = "expected-embedding.json";

    /** What {@value #EXPECTED} holds: input pixels (C, H, W) in base64 and the embedding. */
    record Expected(String description, String pixelsBase64, int channels, int height, int width, float[] embedding) {}

    private static Path fixture() throws Exception {
        return Path.of(CommittedModelTest.class.getClassLoader().getResource(FIXTURE).toURI());
    }

    private static byte[] fixedInput() {
        byte[] pixels = new byte[28 * 28];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) ((i * 37 + 11) % 256);
        }
        return pixels;
    }

    @Test
    void committedModelLoadsAndGivesItsRecordedEmbedding() throws Exception {
        Path dir = fixture();
        Map<String, String> before = TestModels.snapshot(dir);
        Expected expected = new Gson().fromJson(Files.readString(dir.resolve(EXPECTED), StandardCharsets.UTF_8),
                Expected.class);
        byte[] pixels = Base64.getDecoder().decode(expected.pixelsBase64());
        assertArrayEquals(fixedInput(), pixels);
        try (EmbeddingModel model = EmbeddingModel.load(dir)) {
            ModelCard card = model.card();
            assertEquals(1, card.formatVersion());
            assertEquals(null, card.parameterFile()); // written before cards recorded it: loads unverified
            assertEquals(new ConvNet(new int[] {4, 8}, 8), model.net().getBackbone());
            assertEquals(ColorMode.GRAYSCALE, card.input().colour());
            assertEquals(PixelNormalization.FASHION_MNIST, card.input().pixelNormalization());
            assertEquals("cosine", card.distance());
            assertEquals(0.5, card.threshold());
            assertEquals("fixture/random", card.training().datasetName());
            assertEquals(Instant.parse("2025-01-01T00:00:00Z"), card.training().createdInstant());
            assertEquals(List.of(1.5, 0.75), card.training().epochLosses());
            assertEquals(0.9, card.training().metrics().get("precision_at_1"));

            assertArrayEquals(expected.embedding(), model.embedPixels(pixels), 1e-6f);
            Image image = TestModels.grayImage(pixels, 28, 28);
            assertArrayEquals(expected.embedding(), model.embed(image), 1e-6f);
            try (NDManager manager = NDManager.newBaseManager()) {
                LabeledImages one = LabeledImages.of(pixels, new int[] {0}, 1, 28, 28);
                assertArrayEquals(expected.embedding(), model.embed(manager, one).toFloatArray(), 1e-6f);
            }
            try (ZooModel<Image, float[]> zoo = EmbeddingModel.criteria(dir).loadModel();
                 Predictor<Image, float[]> predictor = zoo.newPredictor()) {
                assertArrayEquals(expected.embedding(), predictor.predict(image), 1e-6f);
            }
        }
        assertEquals(before, TestModels.snapshot(dir));
    }

    /**
     * Writes the fixture into the source tree. Run by hand, once per new card format:
     * {@code mvn test -Dtest=CommittedModelTest -Ddml4j.writeFixture=true}.
     */
    @Test
    @EnabledIfSystemProperty(named = "dml4j.writeFixture", matches = "true")
    void writeFixture() throws Exception {
        Path dir = Path.of(System.getProperty("basedir", ".")).resolve("src/test/resources").resolve(FIXTURE);
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingNet net = TestModels.net(manager, new int[] {4, 8}, 8, 1, true);
            TrainingProvenance provenance = TrainingProvenance.builder()
                    .setDataset("fixture/random", "0".repeat(64), 100, 10)
                    .optHead("TripletMarginLoss{margin=0.2} with TripletMarginMiner{semihard}")
                    .optLoss("TripletMarginLoss")
                    .optOptimizer("ADAM lr=0.001")
                    .optLearningRate(0.001)
                    .optEpochs(2)
                    .optBatchSize(32)
                    .optSeed(0)
                    .optEpochLosses(1.5, 0.75)
                    .optCreatedAt(Instant.parse("2025-01-01T00:00:00Z"))
                    .addMetric("precision_at_1", 0.9)
                    .addMetric("mean_average_precision_at_r", 0.6)
                    .build();
            ModelCard card = ModelCard.describe(net).withTraining(provenance).withThreshold(0.5);
            byte[] pixels = fixedInput();
            try (EmbeddingModel model = EmbeddingModel.of(net, card)) {
                model.save(dir);
                Expected expected = new Expected("pixel i = (i * 37 + 11) % 256, 1x28x28, embedded by EmbeddingModel.embedPixels",
                        Base64.getEncoder().encodeToString(pixels), 1, 28, 28, model.embedPixels(pixels));
                Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
                Files.writeString(dir.resolve(EXPECTED), gson.toJson(expected) + System.lineSeparator(),
                        StandardCharsets.UTF_8);
            }
        }
    }
}
