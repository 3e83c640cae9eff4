package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.sampler.MPerClassSampler;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ClassBatchesTest {

    private static final LabeledImages IMAGES = SyntheticImages.generate(4, 6, 3);
    private static final PixelNormalization NORM = PixelNormalization.FASHION_MNIST;

    private static MPerClassSampler sampler() {
        return MPerClassSampler.builder().setLabels(IMAGES.labels()).setM(2).setBatchSize(8).optSeed(1).build();
    }

    @Test
    void withoutAugmentationBatchesAreTheNormalizedImages() {
        ClassBatches source = new ClassBatches(IMAGES, sampler(), NORM);
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
        ClassBatches source = new ClassBatches(IMAGES, sampler(), NORM, flip);
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
        ClassBatches a = new ClassBatches(IMAGES, sampler(), NORM, builder.build());
        ClassBatches b = new ClassBatches(IMAGES, sampler(), NORM, builder.build());
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
}
