package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.RecordingImages;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.IdentityFolder;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.StreamingImages;
import io.github.dml4j.data.TripletDataset;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.sampler.BalancedPairSampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import javax.imageio.ImageIO;

import static io.github.dml4j.TrainingFixtures.newNet;
import static io.github.dml4j.TrainingFixtures.tripletHead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training reads a {@link StreamingImages} folder like in-memory images, and prefetches through the batch source. */
class StreamingTrainingTest {

    private static final ImagePreprocessing GRAY_28 = ImagePreprocessing.builder().setSize(28, 28)
            .optColor(ColorMode.GRAYSCALE).build();

    @TempDir
    Path dir;

    /** Four classes of eight gray PNGs of 30 x 26 pixels, each class a different pattern. */
    private Path folder() throws IOException {
        Random random = new Random(3);
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < 8; i++) {
                BufferedImage image = new BufferedImage(26, 30, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 30; y++) {
                    for (int x = 0; x < 26; x++) {
                        int v = ((x / (c + 2) + y / (4 - c + 1)) % 2) * 180 + random.nextInt(60);
                        image.getRaster().setSample(x, y, 0, v);
                    }
                }
                Path file = dir.resolve("class" + c + "/img" + i + ".png");
                Files.createDirectories(file.getParent());
                assertTrue(ImageIO.write(image, "png", file.toFile()));
            }
        }
        return dir;
    }

    @Test
    void classBatchesOverAStreamingFolderLoadAsInMemoryAndTrain() throws IOException {
        Path root = folder();
        ImageSource inMemory = IdentityFolder.builder().setRoot(root).setPreprocessing(GRAY_28).build().load().images();
        EmbeddingNet net = newNet();
        try (StreamingImages streamed = StreamingImages.builder().setFolder(root).setPreprocessing(GRAY_28).build()) {
            ClassBatches batches = ClassBatches.builder().setImages(streamed).setNormalization(net.getPixelNormalization())
                    .optBatchSize(16).optM(4).optSeed(0).build();
            ClassBatches reference = ClassBatches.builder().setImages(inMemory).setNormalization(net.getPixelNormalization())
                    .optBatchSize(16).optM(4).optSeed(0).build();

            // what a trainer does: hint the next batch, then load the current one
            List<long[]> epoch = new ArrayList<>();
            batches.batches(0).forEachRemaining(epoch::add);
            assertEquals(2, epoch.size());
            try (NDManager manager = NDManager.newBaseManager()) {
                batches.images().prefetch(batches.imageIndices(epoch.get(0)));
                for (int b = 0; b < epoch.size(); b++) {
                    if (b + 1 < epoch.size()) {
                        batches.images().prefetch(batches.imageIndices(epoch.get(b + 1)));
                    }
                    TrainingBatch got = batches.load(manager, epoch.get(b));
                    TrainingBatch want = reference.load(manager, epoch.get(b));
                    assertArrayEquals(want.data().head().toFloatArray(), got.data().head().toFloatArray());
                    assertArrayEquals(want.labels().head().toLongArray(), got.labels().head().toLongArray());
                }
            }
            assertEquals(32, streamed.decodeCount(), "both batches were taken from the prefetch queue");

            TrainingHistory history = MetricTrainer.builder().setHead(tripletHead(net)).optEpochs(2).optSeed(0)
                    .optListeners().build().fit(batches);
            assertEquals(2, history.epochs().size());
            for (double loss : history.losses()) {
                assertTrue(Double.isFinite(loss), "loss " + loss);
            }
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = streamed.toNDArray(manager, LongStream.range(0, 32).toArray(), net.getPixelNormalization());
                assertEquals(new Shape(32, 1, 28, 28), x.getShape());
            }
        }
    }

    @Test
    void imageIndicesAreTheImagesLoadReadsInItsOrder() {
        RecordingImages images = new RecordingImages(SyntheticImages.generate(4, 6, 3));
        BalancedPairSampler sampler = BalancedPairSampler.builder().setLabels(images.labels()).setBatchSize(8)
                .optPositiveShare(0.25).optSeed(2).build();
        PairBatches pairs = new PairBatches(PairDataset.builder().setImages(images).setSampling(sampler).build(), sampler);
        TripletBatches triplets = new TripletBatches(TripletDataset.builder().setImages(images).optSize(20)
                .setSampling(5, true).build(), 6, 9);
        ClassBatches classes = ClassBatches.builder().setImages(images).setNormalization(pairs.normalization())
                .optBatchSize(8).optM(2).optSeed(1).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (BatchSource source : List.of(classes, pairs, triplets)) {
                Iterator<long[]> it = source.batches(0);
                long[] batch = it.next();
                images.clear();
                source.load(manager, batch);
                assertArrayEquals(images.read(), source.imageIndices(batch), source.toString());
            }
        }
    }
}
