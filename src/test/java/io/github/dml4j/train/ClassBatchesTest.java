package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.sampler.MPerClassSampler;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClassBatchesTest {

    private static final LabeledImages IMAGES = SyntheticImages.generate(4, 6, 3);
    private static final PixelNormalization NORM = PixelNormalization.FASHION_MNIST;

    private static MPerClassSampler sampler() {
        return MPerClassSampler.builder().setLabels(IMAGES.labels()).setM(2).setBatchSize(8).optSeed(1).build();
    }

    @Test
    void withoutAugmentationBatchesAreTheNormalizedImages() {
        ClassBatches source = ClassBatches.builder().setImages(IMAGES).setNormalization(NORM).optSampler(sampler()).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] indices = source.batches(0).next();
            TrainingBatch batch = source.load(manager, indices);
            assertArrayEquals(IMAGES.toNDArray(manager, indices, NORM).toFloatArray(), batch.data().head().toFloatArray());
            assertArrayEquals(IMAGES.labelsNDArray(manager, indices).toLongArray(), batch.labels().head().toLongArray());
        }
    }

    @Test
    void augmentationIsAppliedBeforeNormalization() {
        ImageAugmentation flip = ImageAugmentation.builder().optHorizontalFlip(1).build();
        ClassBatches source = ClassBatches.builder().setImages(IMAGES).setNormalization(NORM).optSampler(sampler())
                .optAugmentation(flip).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] indices = source.batches(0).next();
            NDArray input = source.load(manager, indices).data().head();
            NDArray expected = IMAGES.toNDArray(manager, indices, NORM).flip(3);
            assertEquals(expected.getShape(), input.getShape());
            float[] e = expected.toFloatArray();
            float[] a = input.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], 1e-5, "value " + i);
            }
        }
    }

    @Test
    void randomAugmentationChangesFromBatchToBatchAndRepeatsForTheSeed() {
        ImageAugmentation.Builder builder = ImageAugmentation.builder().optRandomCrop(3).optRotation(20).optSeed(9);
        ClassBatches a = ClassBatches.builder().setImages(IMAGES).setNormalization(NORM).optSampler(sampler())
                .optAugmentation(builder.build()).build();
        ClassBatches b = ClassBatches.builder().setImages(IMAGES).setNormalization(NORM).optSampler(sampler())
                .optAugmentation(builder.build()).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] indices = a.batches(0).next();
            float[] plain = IMAGES.toNDArray(manager, indices, NORM).toFloatArray();
            float[] first = a.load(manager, indices).data().head().toFloatArray();
            float[] second = a.load(manager, indices).data().head().toFloatArray();
            assertFalse(Arrays.equals(plain, first), "the batch was augmented");
            assertFalse(Arrays.equals(first, second), "each load draws new parameters");
            assertArrayEquals(first, b.load(manager, indices).data().head().toFloatArray());
            assertArrayEquals(second, b.load(manager, indices).data().head().toFloatArray());
        }
    }

    @Test
    void theSamplerSettingsBuildTheSameSamplerAsGivingIt() {
        ClassBatches fromSettings = ClassBatches.builder().setImages(IMAGES).setNormalization(NORM).optM(2).optBatchSize(8)
                .optSeed(1).build();
        ClassBatches fromSampler = ClassBatches.builder().setImages(IMAGES).setNormalization(NORM).optSampler(sampler()).build();
        for (int epoch = 0; epoch < 2; epoch++) {
            java.util.Iterator<long[]> a = fromSettings.batches(epoch);
            java.util.Iterator<long[]> b = fromSampler.batches(epoch);
            while (a.hasNext() || b.hasNext()) {
                assertArrayEquals(b.next(), a.next());
            }
        }
        assertEquals(BatchLayout.CLASSES, fromSettings.layout());
        assertEquals(NORM, fromSettings.normalization());
        assertEquals(IMAGES, fromSettings.images());
        assertEquals(3, fromSettings.batchesPerEpoch());
        assertArrayEquals(new Shape[] {new Shape(8, 1, 28, 28)}, fromSettings.inputShapes());
        assertEquals(new SamplingSettings("MPerClassSampler", 8, 3, 2, "PER_BATCH", null, 1), fromSettings.sampling());
        assertEquals(fromSettings.sampling(), fromSampler.sampling());
        // the defaults are the benchmark protocol's: m 16, batches of 128
        LabeledImages many = SyntheticImages.generate(8, 16, 3);
        SamplingSettings defaults = ClassBatches.builder().setImages(many).setNormalization(NORM).build().sampling();
        assertEquals(new SamplingSettings("MPerClassSampler", 128, 1, 16, "PER_BATCH", null, 0), defaults);
    }

    @Test
    void impossibleSettingsAreNamed() {
        // m larger than the batch
        assertEquals("MPerClassSampler's m = 16 images per class is more than the batch size 8: a batch holds batch"
                + " size / m classes of m images each, so m must be at most the batch size (and at least 2 for pair and"
                + " triplet losses).", assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder()
                        .setImages(IMAGES).setNormalization(NORM).optM(16).optBatchSize(8).build()).getMessage());
        // a batch that is no multiple of m
        assertEquals("MPerClassSampler's batch size must be a positive multiple of m = 4, got 10.",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setImages(IMAGES)
                        .setNormalization(NORM).optM(4).optBatchSize(10).build()).getMessage());
        // fewer classes than a batch needs: 4 classes, a batch of 5 classes x 2
        assertEquals("A batch of 10 needs 5 classes of m = 2 images, but the labels have only 4 classes.",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setImages(IMAGES)
                        .setNormalization(NORM).optM(2).optBatchSize(10).build()).getMessage());
        assertEquals("MPerClassSampler's m (images per class) must be at least 1, got 0.",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setImages(IMAGES)
                        .setNormalization(NORM).optM(0).optBatchSize(8).build()).getMessage());
        assertEquals("MPerClassSampler's epoch length 4 is shorter than one batch of 8.",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setImages(IMAGES)
                        .setNormalization(NORM).optM(2).optBatchSize(8).optEpochLength(4).build()).getMessage());
        // and the batches' own settings
        assertEquals("ClassBatches needs the training images: call setImages(...).",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setNormalization(NORM).build())
                        .getMessage());
        assertEquals("ClassBatches needs the pixel normalization of the network it feeds: call"
                        + " setNormalization(net.getPixelNormalization()).",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setImages(IMAGES).build())
                        .getMessage());
        assertEquals("ClassBatches got both a sampler and sampler settings (m, batch size, mode, epoch length, seed): set"
                        + " them on the sampler.",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setImages(IMAGES)
                        .setNormalization(NORM).optSampler(sampler()).optM(2).build()).getMessage());
        MPerClassSampler other = MPerClassSampler.builder().setLabels(new int[] {0, 0, 1, 1, 2, 2, 3, 3}).setM(2)
                .setBatchSize(8).build();
        assertEquals("The MPerClassSampler was built for 8 images but ClassBatches got 24.",
                assertThrows(IllegalArgumentException.class, () -> ClassBatches.builder().setImages(IMAGES)
                        .setNormalization(NORM).optSampler(other).build()).getMessage());
    }
}
