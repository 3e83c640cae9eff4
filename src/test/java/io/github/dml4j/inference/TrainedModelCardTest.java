package io.github.dml4j.inference;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.sampler.MPerClassSampler;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.OptimizerType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model card of a trained model records how it was trained: rates, sampling, layout, weight decay. */
class TrainedModelCardTest {

    @Test
    void theCardOfATrainedModelHoldsTheRunsSettings(@TempDir Path dir) throws Exception {
        LabeledImages train = SyntheticImages.generate(4, 16, 3);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).optLearningRateMultiplier(20f).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build();
        ClassBatches batches = ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                .optM(4).optBatchSize(16).optSamplerMode(MPerClassSampler.Mode.CLASS_PASSES).optSeed(11).build();
        TrainingHistory history = MetricTrainer.builder().setHead(head).optOptimizer(OptimizerType.ADAM)
                .optLearningRate(2e-3f).optWeightDecay(1e-4f).optEpochs(2).optSeed(5).optListeners().build().fit(batches);
        TrainingProvenance provenance = TrainingProvenance.builder().setDatasetName("synthetic/train").optHistory(history)
                .addMetric("precision_at_1", TrainingFixtures.precisionAt1(net, train)).build();
        try (EmbeddingModel model = EmbeddingModel.of(net, provenance)) {
            model.save(dir);
        }

        JsonObject card = JsonParser.parseString(Files.readString(dir.resolve(ModelCard.FILE_NAME), StandardCharsets.UTF_8))
                .getAsJsonObject();
        JsonObject training = card.getAsJsonObject("training");
        assertEquals("synthetic/train", training.get("datasetName").getAsString());
        assertEquals(train.fingerprint(), training.get("datasetFingerprint").getAsString());
        assertEquals(64, training.get("imageCount").getAsInt());
        assertEquals(4, training.get("classCount").getAsInt());
        assertEquals("ArcFaceLoss", training.get("loss").getAsString());
        assertEquals(head.describe(), training.get("head").getAsString());
        assertTrue(training.get("miner").isJsonNull());
        assertEquals("ADAM", training.get("optimizer").getAsString());
        // the learning rate of every parameter group, by name: the network's and the class weights' (20x)
        JsonObject rates = training.getAsJsonObject("learningRates");
        assertEquals(List.of("embedding", "ArcFaceLoss"), List.copyOf(rates.keySet()));
        assertEquals(2e-3, rates.get("embedding").getAsDouble(), 2e-3 * 1e-6);
        assertEquals(4e-2, rates.get("ArcFaceLoss").getAsDouble(), 4e-2 * 1e-6);
        assertEquals(2e-3, training.get("learningRate").getAsDouble(), 2e-3 * 1e-6);
        assertEquals(1e-4, training.get("weightDecay").getAsDouble(), 1e-4 * 1e-6);
        // how the batches were drawn and what they held
        JsonObject sampling = training.getAsJsonObject("sampling");
        assertEquals("MPerClassSampler", sampling.get("sampler").getAsString());
        assertEquals(4, sampling.get("m").getAsInt());
        assertEquals("CLASS_PASSES", sampling.get("mode").getAsString());
        assertEquals(16, sampling.get("batchSize").getAsInt());
        assertEquals(4, sampling.get("batchesPerEpoch").getAsInt());
        assertEquals(11, sampling.get("seed").getAsLong());
        assertTrue(sampling.get("positiveShare").isJsonNull());
        assertEquals(16, training.get("batchSize").getAsInt());
        assertEquals("CLASSES", training.get("layout").getAsString());
        assertEquals("cpu()", training.getAsJsonArray("devices").get(0).getAsString());
        assertEquals(2, training.get("epochs").getAsInt());
        assertEquals(5, training.get("seed").getAsLong());
        assertEquals(2, training.getAsJsonArray("epochLosses").size());
        assertEquals(history.losses()[1], training.getAsJsonArray("epochLosses").get(1).getAsDouble());

        // and the loaded model's card is the one written
        try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
            TrainingProvenance back = loaded.card().training();
            assertEquals(provenance, back);
            assertEquals(new SamplingSettings("MPerClassSampler", 16, 4, 4, "CLASS_PASSES", null, 11), back.sampling());
            assertEquals(Map.of("embedding", 0.002, "ArcFaceLoss", 0.04), back.learningRates(), "as written, not as float noise");
        }
    }
}
