package io.github.dml4j.inference;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import io.github.dml4j.backbone.Backbone;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.eval.ThresholdCalibration;
import io.github.dml4j.provenance.TrainingProvenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelCardTest {

    @TempDir
    Path temp;

    /** A backbone of another type, to show that the registry is extensible. */
    record Flat(int embeddingSize) implements Backbone {
        @Override
        public String type() {
            return "test-flat";
        }

        @Override
        public Block newBlock(Shape inputShape) {
            return new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(embeddingSize).build());
        }
    }

    /** The colour is written and read as "grayscale" and "rgb", as in cards written before. */
    @Test
    void colourIsSpelledAsInEarlierCards() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCard grey = ModelCard.describe(TestModels.net(manager, new int[] {4, 8}, 8, 1, true));
            ModelCard rgb = ModelCard.describe(TestModels.net(manager, new int[] {4, 8}, 8, 3, true));
            assertEquals(ColorMode.GRAYSCALE, grey.input().colour());
            assertEquals(ColorMode.RGB, rgb.input().colour());
            assertTrue(grey.toJson().contains("\"colour\": \"grayscale\""), grey.toJson());
            assertTrue(rgb.toJson().contains("\"colour\": \"rgb\""), rgb.toJson());
            assertEquals(ColorMode.RGB, ModelCard.fromJson(rgb.toJson()).input().colour());
            assertEquals(ColorMode.GRAYSCALE, ModelCard.fromJson(grey.toJson()).input().colour());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCard.fromJson(
                    grey.toJson().replace("\"colour\": \"grayscale\"", "\"colour\": \"rgb\"")));
            assertTrue(e.getMessage().contains("The input colour rgb does not fit 1 channels; expected grayscale."),
                    e.getMessage());
        }
    }

    @Test
    void jsonRoundTripWithProvenance() throws Exception {
        LabeledImages data = TestModels.randomImages(20, 1, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCard card = ModelCard.describe(TestModels.smallNet(manager))
                    .withTraining(TestModels.provenance(data))
                    .withDistance(new CosineSimilarity())
                    .withThreshold(0.625);
            // a threshold is on its distance's scale: changing the distance drops it
            assertEquals(null, card.withDistance("l2").threshold());
            assertEquals(0.625, card.withDistance("cosine").threshold());
            String json = card.toJson();
            assertTrue(json.startsWith("{\n  \"formatVersion\": 1,\n  \"library\": {\n    \"name\": \"dml4j\","), json);
            assertTrue(json.contains("\"precision_at_1\": 0.75"), json);
            assertTrue(json.contains("\"createdAt\": \"2025-01-31T12:00:00Z\""), json);
            assertTrue(json.contains("\"colour\": \"grayscale\""), json);
            assertTrue(json.contains("\"mean\": [\n      0.286\n    ]"), json);
            ModelCard back = ModelCard.fromJson(json);
            assertEquals(card, back);
            assertEquals(json, back.toJson());
            assertEquals("cosine", back.distance());
            assertEquals(0.625, back.threshold());
            TrainingProvenance p = back.training();
            assertEquals(data.fingerprint(), p.datasetFingerprint());
            assertEquals(20, p.imageCount());
            assertEquals(5, p.classCount());
            assertEquals(List.of(0.25, 0.125), p.epochLosses());
            assertEquals(Map.of("precision_at_1", 0.75, "mean_average_precision_at_r", 0.5), p.metrics());
            assertEquals(List.of("precision_at_1", "mean_average_precision_at_r"), List.copyOf(p.metrics().keySet()));
            assertEquals(Instant.parse("2025-01-31T12:00:00Z"), p.createdInstant());
            assertEquals(0L, p.seed());

            Path file = temp.resolve("card.json");
            card.write(file);
            assertEquals(card, ModelCard.read(file));
        }
    }

    @Test
    void parameterFileRoundTripsAndIsKeptByTheCopies() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCard plain = ModelCard.describe(TestModels.smallNet(manager));
            assertNull(plain.parameterFile());
            assertTrue(plain.toJson().endsWith("\"parameterFile\": null,\n  \"attributes\": null\n}"), plain.toJson());
            // the attributes section round-trips, and is refused when it names an attribute twice
            ModelCard.Attribute smile = new ModelCard.Attribute("smiling", "binary", List.of("0", "1"), 0.5,
                    "multitask");
            ModelCard listed = new ModelCard(plain.formatVersion(), plain.library(), plain.engine(),
                    plain.architecture(), plain.input(), plain.distance(), null, null, null, null, List.of(smile));
            assertEquals(listed, ModelCard.fromJson(listed.toJson()));
            assertEquals(List.of(smile), listed.withDistance("l2").withThreshold(0.3).attributes());
            IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> new ModelCard(
                    plain.formatVersion(), plain.library(), plain.engine(), plain.architecture(), plain.input(),
                    plain.distance(), null, null, null, null, List.of(smile, smile)));
            assertEquals("The model card lists attribute 'smiling' twice.", twice.getMessage());
            Path params = temp.resolve(EmbeddingModel.PARAMETER_FILE);
            java.nio.file.Files.write(params, new byte[] {1, 2, 3});
            ModelCard.FileDigest digest = ModelCard.FileDigest.of(params);
            assertEquals(new ModelCard.FileDigest(EmbeddingModel.PARAMETER_FILE, 3,
                    "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81"), digest);
            ModelCard card = plain.withParameterFile(digest);
            String json = card.toJson();
            assertTrue(json.contains("\"parameterFile\": {\n    \"name\": \"embedding-0000.params\",\n    \"size\": 3,\n"
                    + "    \"sha256\": \"039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81\"\n  }"), json);
            assertEquals(card, ModelCard.fromJson(json));
            assertEquals(digest, card.withDistance("cosine").withThreshold(0.5).withTraining(null).parameterFile());
            assertNull(card.withParameterFile(null).parameterFile());
            // upper-case hex is read as lower case; anything else is not a digest
            assertEquals(digest, ModelCard.fromJson(json.replace("039058c6f2c0", "039058C6F2C0")).parameterFile());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelCard.fromJson(json.replace("039058c6f2c0", "xyz")));
            assertTrue(e.getMessage().endsWith("The recorded SHA-256 of embedding-0000.params is not 64 hex digits: 'xyz"
                    + "cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81'."), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> ModelCard.fromJson(json.replace("\"embedding-0000.params\"", "\"../embedding-0000.params\"")));
            assertTrue(e.getMessage().endsWith("The recorded file needs a plain file name, got '../embedding-0000.params'."),
                    e.getMessage());
        }
    }

    @Test
    void unknownDistanceIsRefusedNamingTheKnownOnes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCard card = ModelCard.describe(TestModels.smallNet(manager));
            String known = "expected one of cosine, dot, l2, l2_normalized, squared_l2, squared_l2_normalized.";
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> card.withDistance("manhattan-ish"));
            assertEquals("Unknown distance 'manhattan-ish': " + known, e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ModelCard.fromJson(
                    card.toJson().replace("\"distance\": \"l2\"", "\"distance\": \"manhattan-ish\"")));
            assertEquals("The model card is invalid: Unknown distance 'manhattan-ish': " + known, e.getMessage());
        }
    }

    @Test
    void calibrationRoundTripsThroughJsonWithItsMethodAndNullTarget() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCard plain = ModelCard.describe(TestModels.smallNet(manager));
            ThresholdCalibration targetFar = new ThresholdCalibration(-0.8125, ThresholdCalibration.Method.TARGET_FAR,
                    1e-3, 0.000999, 0.875, 0.9375, 1200, 1001);
            ModelCard card = plain.withCalibration(targetFar);
            assertEquals(-0.8125, card.threshold());
            String json = card.toJson();
            assertTrue(json.contains("\"threshold\": -0.8125,\n  \"calibration\": {\n    \"threshold\": -0.8125,\n"
                    + "    \"method\": \"TARGET_FAR\",\n    \"targetFar\": 0.001,\n"), json);
            ModelCard back = ModelCard.fromJson(json);
            assertEquals(card, back);
            assertEquals(targetFar, back.calibration());
            assertEquals(json, back.toJson());

            // with how sure the FAR is: the interval and the pairs it rests on
            ThresholdCalibration withInterval = targetFar.withFarInterval(
                    new io.github.dml4j.eval.FarInterval(0.0002, 0.0031, 0.95, 1000, 97, 1001, 1));
            String intervalJson = plain.withCalibration(withInterval).toJson();
            assertTrue(intervalJson.contains("\"farInterval\": {\n      \"lower\": 2.0E-4,\n      \"upper\": 0.0031,"),
                    intervalJson);
            assertEquals(withInterval, ModelCard.fromJson(intervalJson).calibration());

            ThresholdCalibration best = new ThresholdCalibration(-1.5, ThresholdCalibration.Method.BEST_ACCURACY, null,
                    0.25, 0.5, 0.625, 4, 4);
            String bestJson = plain.withCalibration(best).toJson();
            assertTrue(bestJson.contains("\"method\": \"BEST_ACCURACY\",\n    \"targetFar\": null,"), bestJson);
            ModelCard bestBack = ModelCard.fromJson(bestJson);
            assertEquals(best, bestBack.calibration());
            assertNull(bestBack.calibration().targetFar());

            // a bare threshold drops the record; no calibration drops both
            ModelCard bare = card.withThreshold(0.5);
            assertEquals(0.5, bare.threshold());
            assertNull(bare.calibration());
            assertTrue(bare.toJson().contains("\"calibration\": null"));
            ModelCard none = card.withCalibration(null);
            assertNull(none.threshold());
            assertNull(none.calibration());
            assertEquals(plain, none);
        }
    }

    @Test
    void aThresholdThatIsNotTheCalibrationsIsRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ThresholdCalibration calibration = new ThresholdCalibration(0.6, ThresholdCalibration.Method.BEST_ACCURACY,
                    null, 0.25, 0.5, 0.625, 4, 4);
            ModelCard card = ModelCard.describe(TestModels.smallNet(manager)).withCalibration(calibration);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelCard(
                    card.formatVersion(), card.library(), card.engine(), card.architecture(), card.input(),
                    card.distance(), 0.5, calibration, null));
            assertEquals("The threshold 0.5 differs from the calibration's, 0.6.", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new ModelCard(card.formatVersion(), card.library(),
                    card.engine(), card.architecture(), card.input(), card.distance(), null, calibration, null));
            assertEquals("The threshold null differs from the calibration's, 0.6.", e.getMessage());

            String edited = card.toJson().replace("\"threshold\": 0.6,\n  \"calibration\"",
                    "\"threshold\": 0.5,\n  \"calibration\"");
            assertNotEquals(card.toJson(), edited);
            e = assertThrows(IllegalArgumentException.class, () -> ModelCard.fromJson(edited));
            assertEquals("The model card is invalid: The threshold 0.5 differs from the calibration's, 0.6.",
                    e.getMessage());
        }
    }

    @Test
    void absentValuesAreWrittenAsNull() {
        try (NDManager manager = NDManager.newBaseManager()) {
            String json = ModelCard.describe(TestModels.smallNet(manager)).toJson();
            assertTrue(json.contains("\"threshold\": null"), json);
            assertTrue(json.contains("\"training\": null"), json);
            assertEquals(ModelCard.describe(TestModels.smallNet(manager)), ModelCard.fromJson(json));
        }
    }

    @Test
    void cardRebuildsTheNet() {
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingNet net = TestModels.net(manager, new int[] {4, 8}, 8, 3, true);
            EmbeddingNet rebuilt = ModelCard.fromJson(ModelCard.describe(net).toJson()).newNet();
            assertEquals(new ConvNet(new int[] {4, 8}, 8), rebuilt.getBackbone());
            assertEquals(net.getInputShape(), rebuilt.getInputShape());
            assertEquals(net.getPixelNormalization(), rebuilt.getPixelNormalization());
            assertTrue(rebuilt.isNormalize());
        }
    }

    @Test
    void futureVersionsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCard.fromJson("{\"formatVersion\": 7, \"somethingNew\": {}}"));
        assertEquals("The model card has format version 7, which this DML4J (" + io.github.dml4j.Dml4j.version()
                + ") does not support: it reads format version 1. Use the DML4J version that saved the model, or a newer"
                + " one.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelCard.fromJson("[1, 2]"));
        assertEquals("The model card is not a JSON object but an array.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelCard.fromJson("{\"formatVersion\": 1} trailing"));
        assertTrue(e.getMessage().startsWith("The model card is not valid JSON: "), e.getMessage());
    }

    @Test
    void registryIsExtensible() throws Exception {
        BackboneRegistry.register("test-flat", json -> new Flat(json.get("embeddingSize").getAsInt()));
        assertTrue(BackboneRegistry.types().contains("test-flat"));
        assertTrue(BackboneRegistry.types().contains("convnet"));
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingNet net = EmbeddingNet.builder().setBackbone(new Flat(5)).setInputShape(1, 28, 28).build();
            net.initialize(manager);
            LabeledImages images = TestModels.randomImages(3, 1, 1);
            Path dir = temp.resolve("flat");
            float[] expected;
            try (EmbeddingModel model = EmbeddingModel.of(net)) {
                assertEquals("{\"embeddingSize\":5}", model.card().architecture().config().toString());
                expected = model.embed(manager, images).toFloatArray();
                model.save(dir);
            }
            try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
                assertEquals(new Flat(5), loaded.net().getBackbone());
                assertArrayEquals(expected, loaded.embed(manager, images).toFloatArray());
            }
        }
    }

    @Test
    void unregisteredBackbonesCannotBeDescribed() {
        Backbone unknown = new Backbone() {
            @Override
            public String type() {
                return "mystery";
            }

            @Override
            public Block newBlock(Shape inputShape) {
                return new SequentialBlock().add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(4).build());
            }

            @Override
            public String toString() {
                return "Mystery";
            }
        };
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(unknown).setInputShape(1, 2, 2).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCard.describe(net));
        assertTrue(e.getMessage().startsWith("Backbone type 'mystery' of Mystery is not registered, so a saved model could"
                + " not be rebuilt; register it with BackboneRegistry.register. Registered types: ["), e.getMessage());
    }

    @Test
    void badBackboneConfigurationNamesTheProblem() {
        com.google.gson.JsonObject config = new com.google.gson.JsonObject();
        config.add("channels", new com.google.gson.JsonArray());
        config.addProperty("embeddingSize", 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackboneRegistry.read("convnet", config));
        assertEquals("Invalid configuration {\"channels\":[],\"embeddingSize\":8} of backbone 'convnet': A ConvNet needs"
                + " at least one stage of channels.", e.getMessage());
    }

    @Test
    void provenanceValidation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingProvenance.builder().optEpochs(3).build());
        assertEquals("The training provenance needs the dataset: call setDataset(name, images), or setDatasetName(name)"
                + " with optHistory(history).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainingProvenance.builder().setDatasetName("d").build());
        assertEquals("The training provenance needs the dataset's fingerprint: call setDataset(name, images), or"
                + " optHistory(history) of a training run.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainingProvenance.builder()
                .setDataset("d", "abc", 10, 2).addMetric("nmi", Double.NaN).build());
        assertEquals("Metric 'nmi' is NaN; only finite values can be recorded (leave the metric out instead).",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TrainingProvenance("d", "abc", 1, 1, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, "yesterday", null, null, null, null));
        assertEquals("The creation time 'yesterday' is not an ISO-8601 instant such as 2025-01-31T12:00:00Z.",
                e.getMessage());
        TrainingProvenance p = TrainingProvenance.builder().setDataset("d", "abc", 10, 2).build();
        assertEquals(List.of(), p.epochLosses());
        assertEquals(Map.of(), p.metrics());
        assertEquals(Map.of(), p.learningRates());
        assertEquals(List.of(), p.devices());
        assertNull(p.sampling());
        assertNull(p.layout());
        assertEquals(Map.of("r_precision", 0.5), p.withMetrics(Map.of("r_precision", 0.5)).metrics());
        assertThrows(UnsupportedOperationException.class, () -> p.metrics().put("x", 1.0));
    }

    @Test
    void provenanceFromTheSettingsAndHistoryOfARun() {
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingNet net = TestModels.smallNet(manager);
            io.github.dml4j.head.MetricHead head = io.github.dml4j.head.MetricHead.builder().setEmbeddingNet(net)
                    .setLoss(io.github.dml4j.loss.TripletMarginLoss.builder().build())
                    .optMiner(io.github.dml4j.miner.BatchHardMiner.builder().build()).build();
            LabeledImages data = TestModels.randomImages(10, 1, 0);
            io.github.dml4j.provenance.SamplingSettings sampling = new io.github.dml4j.provenance.SamplingSettings(
                    "MPerClassSampler", 64, 10, 8, "PER_BATCH", null, 5);
            io.github.dml4j.provenance.TrainingSettings settings = new io.github.dml4j.provenance.TrainingSettings(
                    head.describe(), head.getLoss().getName(), head.getMiner().toString(), "ADAM", 0.001,
                    Map.of("embedding", 0.001), 0.0, 3, 7, sampling, "CLASSES", List.of("cpu()"), data.fingerprint(),
                    data.size(), data.numClasses(), null, null);
            io.github.dml4j.provenance.TrainingHistory history = new io.github.dml4j.provenance.TrainingHistory(settings,
                    List.of(new io.github.dml4j.provenance.EpochResult(1, 0.5, 10, 640, 1.0),
                            new io.github.dml4j.provenance.EpochResult(2, 0.25, 10, 640, 1.0)));
            TrainingProvenance p = TrainingProvenance.builder().setDataset("random", data).optHistory(history).build();
            assertEquals(head.describe(), p.head());
            assertEquals(head.getLoss().getName(), p.loss());
            assertEquals(head.getMiner().toString(), p.miner());
            assertEquals("ADAM", p.optimizer());
            assertEquals(0.001, p.learningRate());
            assertEquals(Map.of("embedding", 0.001), p.learningRates());
            assertEquals(0.0, p.weightDecay());
            assertEquals(3, p.epochs());
            assertEquals(64, p.batchSize());
            assertEquals(sampling, p.sampling());
            assertEquals("CLASSES", p.layout());
            assertEquals(List.of("cpu()"), p.devices());
            assertEquals(7L, p.seed());
            assertEquals(List.of(0.5, 0.25), p.epochLosses());
            assertEquals(data.fingerprint(), p.datasetFingerprint());
            assertEquals(p, ModelCard.fromJson(ModelCard.describe(net).withTraining(p).toJson()).training());
            // the data's fingerprint, size and classes come from the run when only the name is given
            TrainingProvenance named = TrainingProvenance.builder().setDatasetName("random").optHistory(history)
                    .optCreatedAt(Instant.parse(p.createdAt())).build();
            assertEquals(p, named);
            // a history without settings (e.g. read from a CSV) gives the losses only
            TrainingProvenance lossesOnly = TrainingProvenance.builder().setDataset("random", data)
                    .optHistory(new io.github.dml4j.provenance.TrainingHistory(null, history.epochs())).build();
            assertEquals(List.of(0.5, 0.25), lossesOnly.epochLosses());
            assertNull(lossesOnly.optimizer());
            assertEquals(Map.of(), lossesOnly.learningRates());
        }
    }

    @Test
    void aCardWrittenBeforeTheRunSettingsExistedStillReads() {
        // the training fields the card gained (miner, learning rates, weight decay, sampling, layout, devices) may be absent
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCard card = ModelCard.describe(TestModels.smallNet(manager))
                    .withTraining(TestModels.provenance(TestModels.randomImages(20, 1, 0)));
            com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(card.toJson()).getAsJsonObject();
            com.google.gson.JsonObject training = json.getAsJsonObject("training");
            for (String added : List.of("miner", "learningRates", "weightDecay", "sampling", "layout", "devices")) {
                assertTrue(training.has(added), added);
                training.remove(added);
            }
            ModelCard back = ModelCard.fromJson(json.toString());
            assertEquals(card, back);
            assertEquals(Map.of(), back.training().learningRates());
            assertEquals(List.of(), back.training().devices());
        }
    }
}
