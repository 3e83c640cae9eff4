package io.github.dml4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.github.dml4j.DrawnImages;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.provenance.TrainingHistory;
import org.junit.jupiter.api.Test;

import static io.github.dml4j.TrainingFixtures.newNet;
import static io.github.dml4j.TrainingFixtures.tripletHead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training and embedding read any {@link ImageSource}: a source that draws its pixels from the
 * index on every read trains and embeds exactly as the same images held in {@link LabeledImages}.
 */
class DrawnImagesTrainingTest {

    @Test
    void aSourceWithoutPixelsInMemoryTrainsAndEmbedsAsTheSameImagesInMemory() {
        DrawnImages drawn = new DrawnImages(8, 256, 5);
        LabeledImages held = drawn.toLabeledImages();
        ImageSource[] sources = {drawn, held};
        EmbeddingNet[] nets = new EmbeddingNet[2];
        TrainingHistory[] histories = new TrainingHistory[2];
        Engine.getEngine("PyTorch"); // loads the native library before JniUtils is called
        int threads = JniUtils.getNumThreads();
        try {
            JniUtils.setNumThreads(1);
            for (int run = 0; run < 2; run++) {
                nets[run] = newNet(true);
                ClassBatches batches = ClassBatches.builder().setImages(sources[run])
                        .setNormalization(nets[run].getPixelNormalization()).optBatchSize(64).optM(8).optSeed(7).build();
                histories[run] = MetricTrainer.builder().setHead(tripletHead(nets[run])).optEpochs(3)
                        .optLearningRate(3e-3f).optSeed(7).optListeners().build().fit(batches);
            }
        } finally {
            JniUtils.setNumThreads(threads);
        }
        assertTrue(drawn.drawn() >= 3 * 256, "drew " + drawn.drawn() + " images");
        assertArrayEquals(histories[1].losses(), histories[0].losses(), 0.0);
        assertEquals(held.fingerprint(), histories[0].settings().dataFingerprint());
        assertEquals(256, histories[0].settings().imageCount());
        assertEquals(8, histories[0].settings().classCount());

        try (EmbeddingModel model = EmbeddingModel.of(nets[0]); NDManager manager = NDManager.newBaseManager()) {
            NDArray embedded = model.embed(manager, drawn);
            assertEquals(new ai.djl.ndarray.types.Shape(256, 32), embedded.getShape());
            assertArrayEquals(model.embed(manager, held).toFloatArray(), embedded.toFloatArray(), 0f);

            long[] chosen = {255, 3, 3, 128};
            NDArray rows = embedded.get(manager.create(chosen));
            NDArray view = model.embed(manager, drawn.subset(new int[] {255, 3, 3, 128}));
            assertArrayEquals(rows.toFloatArray(), view.toFloatArray(), 1e-5f);
        }
    }
}
