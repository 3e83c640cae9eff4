package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageDatasetTest {

    /** Three 1x2x2 images with known pixels and labels 4, 7, 2. */
    private static LabeledImages images() {
        byte[] pixels = {
            0, (byte) 255, (byte) 128, 51,
            1, 2, 3, 4,
            (byte) 200, 100, 50, 25,
        };
        return LabeledImages.of(pixels, new int[] {4, 7, 2}, 1, 2, 2);
    }

    @Test
    void getReturnsNormalizedFloatImageAndInt64Label() throws Exception {
        ImageDataset ds = ImageDataset.builder().setImages(images())
                .optNormalization(PixelNormalization.FASHION_MNIST).setSampling(2, false).build();
        assertEquals(3, ds.size());
        try (NDManager m = NDManager.newBaseManager()) {
            Record r = ds.get(m, 0);
            NDArray x = r.getData().singletonOrThrow();
            assertEquals(DataType.FLOAT32, x.getDataType());
            assertEquals(new Shape(1, 2, 2), x.getShape());
            float[] expected = new float[4];
            int[] raw = {0, 255, 128, 51};
            for (int i = 0; i < 4; i++) {
                expected[i] = (raw[i] / 255f - 0.2860f) / 0.3530f;
            }
            assertArrayEquals(expected, x.toFloatArray(), 1e-5f);
            NDArray y = r.getLabels().singletonOrThrow();
            assertEquals(DataType.INT64, y.getDataType());
            assertEquals(new Shape(), y.getShape());
            assertEquals(4L, y.getLong());
            assertEquals(7L, ds.get(m, 1).getLabels().singletonOrThrow().getLong());
        }
    }

    @Test
    void defaultNormalizationScalesToUnitInterval() {
        ImageDataset ds = ImageDataset.builder().setImages(images()).setSampling(1, false).build();
        assertEquals(PixelNormalization.NONE, ds.normalization());
        try (NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(new float[] {200 / 255f, 100 / 255f, 50 / 255f, 25 / 255f},
                    ds.get(m, 2).getData().head().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void getDataBatchesImagesAndLabels() throws Exception {
        LabeledImages imgs = images();
        ImageDataset ds = ImageDataset.builder().setImages(imgs).setSampling(2, false).build();
        assertSame(imgs, ds.images());
        try (NDManager m = NDManager.newBaseManager()) {
            int batches = 0;
            for (Batch b : ds.getData(m)) {
                try (b) {
                    NDArray x = b.getData().head();
                    NDArray y = b.getLabels().head();
                    if (batches == 0) {
                        assertEquals(new Shape(2, 1, 2, 2), x.getShape());
                        assertArrayEquals(new long[] {4, 7}, y.toLongArray());
                        // same as LabeledImages' batch path
                        assertArrayEquals(imgs.toNDArray(m, new long[] {0, 1}, PixelNormalization.NONE).toFloatArray(),
                                x.toFloatArray(), 1e-6f);
                    } else {
                        assertEquals(new Shape(1, 1, 2, 2), x.getShape());
                        assertArrayEquals(new long[] {2}, y.toLongArray());
                    }
                }
                batches++;
            }
            assertEquals(2, batches);
        }
    }

    @Test
    void builderNamesTheMissingSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDataset.builder().setSampling(2, false).build());
        assertEquals("The images of an ImageDataset must be set with setImages(...).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageDataset.builder().setImages(images()).build());
        assertEquals("The sampling of an ImageDataset must be set with setSampling(batchSize, shuffle) or"
                + " setSampling(sampler).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageDataset.builder().setImages(images())
                .optNormalization(new PixelNormalization(new float[] {0, 0, 0}, new float[] {1, 1, 1}))
                .setSampling(2, false).build());
        assertEquals("The normalization of an ImageDataset has 3 channels but the images have 1.", e.getMessage());
    }

    @Test
    void outOfRangeIndexIsRejected() {
        ImageDataset ds = ImageDataset.builder().setImages(images()).setSampling(2, false).build();
        try (NDManager m = NDManager.newBaseManager()) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> ds.get(m, 3));
            assertEquals("Image index 3 is outside this dataset of 3 images.", e.getMessage());
        }
    }
}
