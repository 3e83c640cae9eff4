package io.github.dml4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.ImageFactory;
import io.github.dml4j.attributes.AttributeClassifier;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.datasets.SyntheticIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FaceAttributes: its option checks, a tiny run on generated faces (train, probe, chart, saved
 * probes), and the saved model probed again on a folder with its attribute CSV.
 */
class FaceAttributesTest {

    @TempDir
    static Path dir;

    static Path folder;

    @BeforeAll
    static void writeFolder() throws Exception {
        folder = dir.resolve("faces");
        SyntheticIdentities.builder().setIdentities(8).optImagesPerIdentity(4).optImageSize(32).optSeed(3).build()
                .writeFolder(folder, "png");
    }

    private static void assertRefused(String expected, String... args) {
        ExampleRun r = ExampleRun.of(new FaceAttributes(), args);
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains(expected), r::toString);
    }

    @Test
    void mistakesAreRefusedBeforeAnyImageIsRead() {
        assertRefused("--attributes labels the images of --data; give --data as well", "--attributes", "a.csv");
        assertRefused("--folds must be at least 2", "--folds", "1");
        assertRefused("--probe-share must be between 0 and 1", "--probe-share", "1");
        assertRefused("--identities must be at least 10", "--identities", "6");
        assertRefused("--c must be positive", "--c", "0");
        assertRefused("--dim must be positive, got 0", "--dim", "0");
        assertRefused("--schedule must be constant or cosine, got step", "--schedule", "step");
        assertRefused("--model /no/such/model: no such directory", "--model", "/no/such/model");
        assertRefused("--task-weight must be a finite number >= 0", "--multitask", "--task-weight", "-1");
        assertRefused("--attribute-lr must be positive, got 0.0", "--multitask", "--attribute-lr", "0");
        assertRefused("--multitask trains both models; it cannot be combined with --model", "--multitask", "--model",
                dir.toString());
    }

    @Test
    void tinyMultitaskRunComparesBothModelsAndSavesTheAttributeLayer() throws Exception {
        Path out = dir.resolve("mt-identity");
        Path multitaskOut = dir.resolve("mt-model");
        ExampleRun r = ExampleRun.of(new FaceAttributes(), "--multitask", "--identities", "12",
                "--images-per-identity", "4", "--size", "32", "--epochs", "1", "--m", "2", "--batch-size", "8",
                "--folds", "2", "--probe-share", "0.5", "--out", out.toString(), "--multitask-out",
                multitaskOut.toString(), "--plots", dir.resolve("mt-plots").toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("+ attributes [eyeglasses x0.1, beard x0.1,"), r::toString); // the default task weight
        assertTrue(r.out().contains("verification 3-fold accuracy: identity "), r::toString);
        assertTrue(r.out().contains("\"multitask_smiling_balanced_accuracy\""), r::toString);
        assertTrue(r.out().contains("\"identity_verification_3fold_accuracy\""), r::toString);
        assertTrue(Files.readString(multitaskOut.resolve(AttributeClassifier.FILE_NAME))
                .contains("\"source\":\"multitask\""));
        ModelCard card = ModelCard.read(multitaskOut.resolve(ModelCard.FILE_NAME));
        assertEquals(10, card.attributes().size());
        assertTrue(card.attributes().stream().allMatch(a -> a.source().equals("multitask")), card::toString);
        assertEquals("probe", ModelCard.read(out.resolve(ModelCard.FILE_NAME)).attributes().get(0).source());
        try (EmbeddingModel model = EmbeddingModel.load(multitaskOut)) {
            Path image = Files.list(folder.resolve("id_0000")).sorted().findFirst().orElseThrow();
            Map<String, Map<String, Float>> p = model.attributes(ImageFactory.getInstance().fromFile(image));
            assertEquals(card.attributes().stream().map(ModelCard.Attribute::name).toList(), List.copyOf(p.keySet()));
            assertEquals(1.0, p.get("smiling").values().stream().mapToDouble(Float::doubleValue).sum(), 1e-5);
        }
    }

    @Test
    void tinyRunTrainsProbesAndReloads() throws Exception {
        Path out = dir.resolve("model");
        Path plots = dir.resolve("plots");
        ExampleRun r = ExampleRun.of(new FaceAttributes(), "--identities", "12", "--images-per-identity", "4",
                "--size", "32", "--epochs", "1", "--m", "2", "--batch-size", "8", "--folds", "2",
                "--probe-share", "0.5", "--out", out.toString(), "--plots", plots.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("Identity model trained on 6 identities; probes on 6 others"), r::toString);
        assertTrue(r.out().contains("attribute        kind        labelled accuracy"), r::toString);
        assertTrue(r.out().contains("\"mean_balanced_accuracy\""), r::toString);
        assertTrue(Files.isRegularFile(plots.resolve("attributes-balanced-accuracy.png")), r::toString);
        assertTrue(Files.isRegularFile(out.resolve(AttributeClassifier.FILE_NAME)), r::toString);
        assertTrue(Files.isRegularFile(out.resolve("model-card.json")), r::toString);

        // the saved model, probed on a folder whose attributes sit beside it; one row names a missing image
        Path csv = SyntheticIdentities.attributesFile(folder);
        Files.writeString(csv, Files.readString(csv) + "id_0099/id_0099_0001.png,1,0,0,0,oval,dark,0,0,frontal,even\n");
        ExampleRun again = ExampleRun.of(new FaceAttributes(), "--data", folder.toString(), "--model", out.toString(),
                "--folds", "2", "--plots", plots.toString());
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.out().contains("1 attribute rows name no loaded image: id_0099/id_0099_0001.png"),
                again::toString);
        assertTrue(again.out().contains("Probing " + out + " on all 8 identities"), again::toString);
    }
}
