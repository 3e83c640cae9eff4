package io.github.dml4j.inference;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.dml4j.data.FileDigests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each way a model directory can be broken gives a message naming the path and the problem, and changes nothing. */
class ModelLoadErrorsTest {

    private static NDManager manager;
    private static Path saved;

    @TempDir
    static Path shared;

    @TempDir
    Path temp;

    private Path dir;
    private Path card;
    private Path params;

    @BeforeAll
    static void saveOnce() throws IOException {
        manager = NDManager.newBaseManager();
        saved = shared.resolve("saved");
        try (EmbeddingModel model = EmbeddingModel.of(TestModels.smallNet(manager))) {
            model.save(saved);
        }
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    @BeforeEach
    void copy() throws IOException {
        dir = Files.createDirectories(temp.resolve("model")).toAbsolutePath();
        card = dir.resolve(ModelCard.FILE_NAME);
        params = dir.resolve(EmbeddingModel.PARAMETER_FILE);
        Files.copy(saved.resolve(ModelCard.FILE_NAME), card);
        Files.copy(saved.resolve(EmbeddingModel.PARAMETER_FILE), params);
    }

    /** Loading (and building criteria) fails with exactly {@code message}, leaving {@code dir} as it was. */
    private ModelLoadException fails(Path path, String message) {
        Map<String, String> before = TestModels.snapshot(temp);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> EmbeddingModel.load(path));
        assertEquals(message, e.getMessage());
        assertEquals(before, TestModels.snapshot(temp));
        return e;
    }

    private void criteriaFail(String message) {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> EmbeddingModel.criteria(dir));
        assertEquals(message, e.getMessage());
    }

    /**
     * Loading through DJL's {@code Criteria}, both as {@link EmbeddingModel#criteria} builds them and by
     * hand with the factories named, fails with exactly {@code message} about {@code path}, leaving the
     * directory as it was.
     */
    private void criteriaLoadFails(Path path, String message) {
        Map<String, String> before = TestModels.snapshot(temp);
        Criteria<Image, float[]> byHand = Criteria.builder()
                .setTypes(Image.class, float[].class)
                .optModelPath(dir)
                .optModelName(EmbeddingModel.MODEL_NAME)
                .optArgument("blockFactory", EmbeddingNetBlockFactory.class.getName())
                .optTranslatorFactory(new EmbeddingTranslatorFactory())
                .build();
        ModelLoadException e = assertThrows(ModelLoadException.class, byHand::loadModel);
        assertEquals(message, e.getMessage());
        assertEquals(path, e.getPath());
        e = assertThrows(ModelLoadException.class, () -> EmbeddingModel.criteria(dir).loadModel());
        assertEquals(message, e.getMessage());
        assertEquals(path, e.getPath());
        assertEquals(before, TestModels.snapshot(temp));
    }

    /** Rewrites the card as cards were before they recorded the parameter file. */
    private void writeOldCard() throws IOException {
        JsonObject o = JsonParser.parseString(Files.readString(card)).getAsJsonObject();
        assertTrue(o.has("parameterFile"));
        o.remove("parameterFile");
        Files.writeString(card, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o));
    }

    private void editCard(String from, String to) throws IOException {
        String text = Files.readString(card);
        assertTrue(text.contains(from), text);
        Files.writeString(card, text.replace(from, to));
    }

    @Test
    void intactCopyLoads() throws IOException {
        Map<String, String> before = TestModels.snapshot(temp);
        try (EmbeddingModel m = EmbeddingModel.load(dir)) {
            assertEquals(16, m.embeddingSize());
        }
        assertEquals(before, TestModels.snapshot(temp));
    }

    @Test
    void missingDirectory() {
        Path missing = temp.resolve("nowhere").toAbsolutePath();
        ModelLoadException e = fails(missing, "Cannot load a model from " + missing + ": the directory does not exist.");
        assertEquals(missing, e.getPath());
    }

    @Test
    void fileInsteadOfDirectory() {
        fails(params, "Cannot load a model from " + params + ": it is not a directory.");
    }

    @Test
    void missingCard() throws IOException {
        Files.delete(card);
        String message = "Cannot load a model from " + dir + ": its model card model-card.json is missing, so it is not"
                + " a DML4J model directory (one written by EmbeddingModel.save).";
        assertEquals(card, fails(dir, message).getPath());
        criteriaFail(message);
    }

    @Test
    void cardNotJson() throws IOException {
        Files.writeString(card, "{\n  \"formatVersion\": 1,\n  \"library\": {\n");
        fails(dir, "The model card " + card + " is not valid JSON: End of input at line 4 column 1 path $.library.");
        Files.writeString(card, "formatVersion = 1");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> EmbeddingModel.load(dir));
        assertTrue(e.getMessage().startsWith("The model card " + card + " is not valid JSON: "), e.getMessage());
    }

    @Test
    void cardTruncatedToNothing() throws IOException {
        Files.write(card, new byte[0]);
        fails(dir, "The model card " + card + " is empty.");
    }

    @Test
    void cardOfAFutureFormatVersion() throws IOException {
        editCard("\"formatVersion\": 1,", "\"formatVersion\": 2,");
        String message = "The model card " + card + " has format version 2, which this DML4J ("
                + io.github.dml4j.Dml4j.version() + ") does not support: it reads format version 1. Use the DML4J"
                + " version that saved the model, or a newer one.";
        fails(dir, message);
        criteriaFail(message);
    }

    @Test
    void cardOfAnUnknownFormatVersion() throws IOException {
        editCard("\"formatVersion\": 1,", "\"formatVersion\": \"1.x\",");
        fails(dir, "The model card " + card + " has format version \"1.x\", which this DML4J ("
                + io.github.dml4j.Dml4j.version() + ") does not support: it reads format version 1. Use the DML4J"
                + " version that saved the model, or a newer one.");
    }

    @Test
    void cardWithoutFormatVersion() throws IOException {
        editCard("\"formatVersion\": 1,", "");
        fails(dir, "The model card " + card + " has no formatVersion, so it is not a DML4J model card or it is damaged;"
                + " this DML4J (" + io.github.dml4j.Dml4j.version() + ") reads format version 1.");
    }

    @Test
    void cardWithUnknownBackbone() throws IOException {
        editCard("\"backbone\": \"convnet\"", "\"backbone\": \"resnet9000\"");
        fails(dir, "The model card " + card + " is invalid: Unknown backbone type 'resnet9000'; the registered types are "
                + BackboneRegistry.types() + " (register others with BackboneRegistry.register).");
    }

    @Test
    void cardWithoutArchitecture() throws IOException {
        String text = Files.readString(card);
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(text).getAsJsonObject();
        o.remove("architecture");
        Files.writeString(card, o.toString());
        fails(dir, "The model card " + card + " is invalid: The model card has no 'architecture'.");
    }

    @Test
    void cardWithAValueOfTheWrongType() throws IOException {
        editCard("\"height\": 28", "\"height\": \"tall\"");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> EmbeddingModel.load(dir));
        assertTrue(e.getMessage().startsWith("The model card " + card + " is invalid: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("For input string: \"tall\""), e.getMessage());
    }

    @Test
    void missingParameters() throws IOException {
        Files.delete(params);
        String message = "Cannot load the model in " + dir + ": its parameter file embedding-0000.params is missing.";
        assertEquals(params, fails(dir, message).getPath());
        criteriaFail(message);
    }

    @Test
    void emptyParameters() throws IOException {
        Files.write(params, new byte[0]);
        fails(dir, "The parameter file " + params + " is empty.");
    }

    @Test
    void parametersNotFromDjl() throws IOException {
        Files.writeString(params, "PK\u0003\u0004 some zip file", StandardCharsets.ISO_8859_1);
        fails(dir, "The parameter file " + params + " is not a DJL parameter file (it does not start with DJL@).");
    }

    @Test
    void parametersTruncatedInHeader() throws IOException {
        Files.write(params, "DJL@\0".getBytes(StandardCharsets.US_ASCII));
        fails(dir, "The parameter file " + params + " is truncated: it ends in its header.");
    }

    @Test
    void savedCardRecordsTheParameterFile() throws IOException {
        JsonObject recorded = JsonParser.parseString(Files.readString(card)).getAsJsonObject()
                .getAsJsonObject("parameterFile");
        assertEquals(EmbeddingModel.PARAMETER_FILE, recorded.get("name").getAsString());
        assertEquals(Files.size(params), recorded.get("size").getAsLong());
        assertEquals(FileDigests.sha256(params), recorded.get("sha256").getAsString());
    }

    @Test
    void parametersTruncated() throws IOException {
        byte[] bytes = Files.readAllBytes(params);
        Files.write(params, Arrays.copyOf(bytes, bytes.length / 2));
        String message = "The parameter file " + params + " is truncated: it has " + bytes.length / 2 + " bytes, but"
                + " model-card.json records " + bytes.length + ". Copy the model directory again from where it was saved.";
        assertEquals(params, fails(dir, message).getPath());
        criteriaLoadFails(params, message);
    }

    @Test
    void parametersTruncatedByOneByte() throws IOException {
        byte[] bytes = Files.readAllBytes(params);
        Files.write(params, Arrays.copyOf(bytes, bytes.length - 1));
        String message = "The parameter file " + params + " is truncated: it has " + (bytes.length - 1) + " bytes, but"
                + " model-card.json records " + bytes.length + ". Copy the model directory again from where it was saved.";
        fails(dir, message);
        criteriaLoadFails(params, message);
    }

    @Test
    void parametersGrown() throws IOException {
        long size = Files.size(params);
        Files.write(params, new byte[] {0}, StandardOpenOption.APPEND);
        String message = "The parameter file " + params + " has " + (size + 1) + " bytes, but model-card.json records "
                + size + ": it was changed or replaced since the model was saved.";
        fails(dir, message);
        criteriaLoadFails(params, message);
    }

    /** One byte flipped in place, the length kept: only the SHA-256 can tell. */
    @Test
    void parametersChangedInPlace() throws IOException {
        String saved = FileDigests.sha256(params);
        byte[] bytes = Files.readAllBytes(params);
        int middle = bytes.length / 2;
        bytes[middle] = (byte) (bytes[middle] ^ 0x01);
        try (FileChannel channel = FileChannel.open(params, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes, middle, 1), middle);
        }
        assertEquals(bytes.length, Files.size(params));
        String message = "The parameter file " + params + " was changed since the model was saved: its SHA-256 is "
                + FileDigests.sha256(params) + ", but model-card.json records " + saved + ". Copy the model directory"
                + " again from where it was saved.";
        assertEquals(params, fails(dir, message).getPath());
        criteriaLoadFails(params, message);
    }

    @Test
    void cardRecordsAnotherParameterFile() throws IOException {
        editCard("\"name\": \"embedding-0000.params\"", "\"name\": \"embedding-0003.params\"");
        String message = "The model card " + card + " records the parameter file 'embedding-0003.params', but a model"
                + " directory's parameter file is embedding-0000.params.";
        assertEquals(card, fails(dir, message).getPath());
        criteriaLoadFails(card, message);
    }

    @Test
    void cardWithAMalformedDigest() throws IOException {
        String sha = FileDigests.sha256(params);
        editCard(sha, "not-a-digest");
        String message = "The model card " + card + " is invalid: The recorded SHA-256 of embedding-0000.params is not"
                + " 64 hex digits: 'not-a-digest'.";
        fails(dir, message);
        criteriaFail(message);
    }

    @Test
    void cardWithAnUnknownDistance() throws IOException {
        editCard("\"distance\": \"l2\"", "\"distance\": \"manhattan-ish\"");
        String message = "The model card " + card + " is invalid: Unknown distance 'manhattan-ish': expected one of"
                + " cosine, dot, l2, l2_normalized, squared_l2, squared_l2_normalized.";
        assertEquals(card, fails(dir, message).getPath());
        criteriaFail(message);
        criteriaLoadFails(card, message);
    }

    /** A card written before the parameter file's SHA-256 was recorded loads, with one warning. */
    @Test
    void cardWithoutDigestLoadsUnverified() throws Exception {
        writeOldCard();
        ModelDirectory.WARNED_UNVERIFIED.remove(params);
        try (EmbeddingModel m = EmbeddingModel.load(dir)) {
            assertNull(m.card().parameterFile());
            assertEquals(16, m.embeddingSize());
        }
        assertTrue(ModelDirectory.WARNED_UNVERIFIED.contains(params));
        try (ZooModel<Image, float[]> zoo = EmbeddingModel.criteria(dir).loadModel()) {
            assertTrue(zoo.getBlock() instanceof io.github.dml4j.backbone.EmbeddingNet);
        }
    }

    @Test
    void parametersTruncatedWithoutDigest() throws IOException {
        writeOldCard();
        byte[] bytes = Files.readAllBytes(params);
        Files.write(params, Arrays.copyOf(bytes, bytes.length / 2));
        String message = "The parameter file " + params + " is corrupt or truncated, or was saved from"
                + " another architecture than the ConvNet{channels=[8, 16], embeddingSize=16} in model-card.json: it ends"
                + " too early";
        assertEquals(params, fails(dir, message).getPath());
        // DJL alone would throw a bare EOFException
        criteriaLoadFails(params, message);
    }

    @Test
    void parametersCorruptWithoutDigest() throws IOException {
        writeOldCard();
        byte[] bytes = Files.readAllBytes(params);
        for (int i = 80; i < bytes.length; i += 7) {
            bytes[i] = (byte) (bytes[i] ^ 0x5a);
        }
        Files.write(params, bytes);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> EmbeddingModel.load(dir));
        assertTrue(e.getMessage().startsWith("The parameter file " + params + " is corrupt or truncated, or was saved"
                + " from another architecture than the ConvNet{channels=[8, 16], embeddingSize=16} in model-card.json: "),
                e.getMessage());
    }

    @Test
    void architectureWithOtherWidths() throws IOException {
        editCard("\"embeddingSize\": 16\n    },\n    \"embeddingSize\": 16,", "\"embeddingSize\": 12\n    },\n    \"embeddingSize\": 12,");
        ModelLoadException e = fails(dir, "The parameter file " + params + " does not match the architecture"
                + " ConvNet{channels=[8, 16], embeddingSize=12} in model-card.json: parameter 01backbone_09Linear_weight has"
                + " shape (16, 16) in the file but (12, 16) in the architecture; parameter 01backbone_09Linear_bias has"
                + " shape (16) in the file but (12) in the architecture.");
        assertEquals(params, e.getPath());
    }

    @Test
    void architectureWithOtherStages() throws IOException {
        editCard("\"channels\": [\n        8,\n        16\n      ]", "\"channels\": [8, 16, 32]");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> EmbeddingModel.load(dir));
        assertTrue(e.getMessage().startsWith("The parameter file " + params + " is corrupt or truncated, or was saved"
                + " from another architecture than the ConvNet{channels=[8, 16, 32], embeddingSize=16} in"
                + " model-card.json: "), e.getMessage());
    }

    @Test
    void inputOtherThanSaved() throws IOException {
        editCard("\"height\": 28", "\"height\": 32");
        fails(dir, "The parameter file " + params + " was saved for input (1, 28, 28) but model-card.json says (1, 32, 28)"
                + " (channels, height, width).");
    }

    @Test
    void inconsistentCard() throws IOException {
        editCard("\"embeddingSize\": 16,\n    \"normalize\"", "\"embeddingSize\": 15,\n    \"normalize\"");
        fails(dir, "The model card " + card + " describes no valid network: The architecture's embedding size 15"
                + " differs from its backbone's, 16.");
    }
}
