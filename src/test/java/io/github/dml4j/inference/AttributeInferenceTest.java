package io.github.dml4j.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import io.github.dml4j.attributes.AttributeClassifier;
import io.github.dml4j.attributes.AttributeProbe;
import io.github.dml4j.attributes.AttributeProbes;
import io.github.dml4j.attributes.Probe;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.LabeledImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named attribute probabilities of an image, through the Java API and through DJL Criteria, after a save and load. */
class AttributeInferenceTest {

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

    /** A classifier fitted on the model's embeddings of 12 images: one binary and one categorical attribute. */
    private static AttributeClassifier classifier(EmbeddingModel model, LabeledImages images) {
        float[][] rows;
        try (NDManager m = NDManager.newBaseManager()) {
            float[] flat = model.embed(m, images).toFloatArray();
            int d = model.embeddingSize();
            rows = new float[images.size()][d];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(flat, i * d, rows[i], 0, d);
            }
        }
        int[][] labels = new int[2][images.size()];
        for (int i = 0; i < images.size(); i++) {
            labels[0][i] = i % 2;
            labels[1][i] = i % 3;
        }
        return AttributeProbes.builder().build().fit(rows, AttributeLabels.of(List.of(
                AttributeTable.Attribute.binary("glasses"),
                AttributeTable.Attribute.categorical("age", List.of("young", "adult", "senior"))), labels));
    }

    @Test
    void attributesThroughTheJavaApiAndCriteriaAgreeAfterReload() throws Exception {
        EmbeddingNet net = TestModels.smallNet(manager);
        LabeledImages images = TestModels.randomImages(12, 1, 3);
        Path dir = temp.resolve("model");
        AttributeClassifier classifier;
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            assertFalse(model.attributeClassifier().isPresent());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> model.attributes(TestModels.grayImage(images.imageBytes(0), 28, 28)));
            assertTrue(e.getMessage().startsWith("This model has no attribute classifier"), e.getMessage());
            classifier = classifier(model, images);
            try (EmbeddingModel withAttributes = model.withAttributes(classifier)) {
                withAttributes.save(dir);
            }
        }
        assertTrue(Files.isRegularFile(dir.resolve(AttributeClassifier.FILE_NAME)));
        try (EmbeddingModel loaded = EmbeddingModel.load(dir);
             ZooModel<Image, Map<String, Map<String, Float>>> zoo = EmbeddingModel.attributeCriteria(dir).loadModel();
             Predictor<Image, Map<String, Map<String, Float>>> predictor = zoo.newPredictor()) {
            assertEquals(List.of("glasses", "age"), loaded.attributeClassifier().orElseThrow().attributes().stream()
                    .map(AttributeTable.Attribute::name).toList());
            for (int i = 0; i < 3; i++) {
                Image image = TestModels.grayImage(images.imageBytes(i), 28, 28);
                Map<String, Map<String, Float>> ours = loaded.attributes(image);
                assertEquals(List.of("0", "1"), List.copyOf(ours.get("glasses").keySet()));
                assertEquals(List.of("young", "adult", "senior"), List.copyOf(ours.get("age").keySet()));
                assertEquals(classifier.probabilities(loaded.embed(image)), ours);
                Map<String, Map<String, Float>> djl = predictor.predict(image);
                for (String attribute : ours.keySet()) {
                    for (String category : ours.get(attribute).keySet()) {
                        assertEquals(ours.get(attribute).get(category), djl.get(attribute).get(category), 1e-6f);
                    }
                }
            }
            // the calibrated copy keeps the attributes
            try (EmbeddingModel copy = loaded.withCard(loaded.card())) {
                assertTrue(copy.attributeClassifier().isPresent());
            }
        }
    }

    @Test
    void mismatchesAreNamed() throws Exception {
        EmbeddingNet net = TestModels.smallNet(manager);
        Path dir = temp.resolve("plain");
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            model.save(dir);
            Probe wrongSize = new Probe(2, 5, 0, new float[][] {new float[5], new float[1]});
            AttributeClassifier wrong = new AttributeClassifier(List.of(AttributeTable.Attribute.binary("glasses")),
                    List.of(wrongSize), new double[] {0.5});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.withAttributes(wrong));
            assertEquals("The attribute classifier takes embeddings of 5 values, but this model's are 16 long.",
                    e.getMessage());
            ModelLoadException missing = assertThrows(ModelLoadException.class,
                    () -> EmbeddingModel.attributeCriteria(dir));
            assertTrue(missing.getMessage().contains("holds no attributes.json"), missing.getMessage());
            wrong.save(dir.resolve(AttributeClassifier.FILE_NAME));
            ModelLoadException load = assertThrows(ModelLoadException.class, () -> EmbeddingModel.load(dir));
            assertTrue(load.getMessage().contains("takes embeddings of 5 values, but the model's are 16 long."),
                    load.getMessage());
        }
        assertTrue(AttributeProbe.builder().build().toString().contains("linear"));
    }
}
