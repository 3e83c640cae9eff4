package io.github.dml4j.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import io.github.dml4j.sampler.BalancedPairSampler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairDatasetTest {

    /** Image i is 1x2x2 with every pixel equal to i, so an image tells its index. */
    static LabeledImages indexedImages(int[] labels) {
        byte[] pixels = new byte[labels.length * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i / 4);
        }
        return LabeledImages.of(pixels, labels, 1, 2, 2);
    }

    private static final int[] LABELS = {0, 1, 2, 0, 1, 2, 0, 1, 2, 3};

    private static PairDataset dataset(BalancedPairSampler sampler) {
        return PairDataset.builder().setImages(indexedImages(LABELS)).setSampling(sampler).build();
    }

    private static BalancedPairSampler sampler() {
        return BalancedPairSampler.builder().setLabels(LABELS).setBatchSize(4).optLength(8).optSeed(1).build();
    }

    @Test
    void pairIndicesEncodeTheTwoImages() {
        PairDataset d = dataset(sampler());
        assertEquals(100, d.size());
        long index = d.pairIndex(3, 7);
        assertEquals(37, index);
        assertEquals(3, d.first(index));
        assertEquals(7, d.second(index));
        assertFalse(d.isSame(index));
        assertTrue(d.isSame(d.pairIndex(0, 6)));
        assertEquals("Pair index 100 is outside this dataset of 10 x 10 pairs.",
                assertThrows(IndexOutOfBoundsException.class, () -> d.first(100)).getMessage());
        assertEquals("Pair (3, 10) is outside a set of 10 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> d.pairIndex(3, 10)).getMessage());
    }

    @Test
    void aRecordIsTwoImagesAndTheSameClassLabel() {
        PairDataset d = dataset(sampler());
        try (NDManager manager = NDManager.newBaseManager()) {
            Record r = d.get(manager, d.pairIndex(2, 5));
            assertEquals(2, r.getData().size());
            assertEquals(new Shape(1, 2, 2), r.getData().get(0).getShape());
            assertEquals(2f / 255f, r.getData().get(0).getFloat(0, 0, 0), 1e-6);
            assertEquals(5f / 255f, r.getData().get(1).getFloat(0, 0, 0), 1e-6);
            assertEquals(DataType.INT64, r.getLabels().head().getDataType());
            assertEquals(1L, r.getLabels().head().getLong());
            assertEquals(0L, d.get(manager, d.pairIndex(2, 4)).getLabels().head().getLong());
        }
    }

    @Test
    void aBatchLoadsBothImagesOfEveryPair() {
        PairDataset d = dataset(sampler());
        try (NDManager manager = NDManager.newBaseManager()) {
            PairDataset.TwoImages b = d.loadBatch(manager, new long[] {d.pairIndex(0, 3), d.pairIndex(9, 1), d.pairIndex(4, 7)});
            assertEquals(new Shape(3, 1, 2, 2), b.first().getShape());
            assertEquals(new Shape(3, 1, 2, 2), b.second().getShape());
            assertArrayEquals(new long[] {1, 0, 1}, b.same().toLongArray());
            assertArrayEquals(new float[] {0, 9, 4}, b.first().get(":, 0, 0, 0").mul(255).round().toFloatArray());
            assertArrayEquals(new float[] {3, 1, 7}, b.second().get(":, 0, 0, 0").mul(255).round().toFloatArray());
        }
    }

    @Test
    void djlIteratesTheSamplersBalancedBatches() throws Exception {
        BalancedPairSampler sampler = sampler();
        PairDataset d = dataset(sampler);
        try (NDManager manager = NDManager.newBaseManager()) {
            int batches = 0;
            for (Batch batch : d.getData(manager)) {
                NDList data = batch.getData();
                assertEquals(new Shape(4, 1, 2, 2), data.get(0).getShape());
                assertEquals(new Shape(4, 1, 2, 2), data.get(1).getShape());
                assertEquals(2L, batch.getLabels().head().sum().getLong(), "half of 4 pairs are positive");
                batches++;
                batch.close();
            }
            assertEquals(2, batches);
        }
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("A PairDataset has one record per ordered pair of its 10 images: draw its batches with"
                        + " setSampling(BalancedPairSampler), not with setSampling(batchSize, shuffle).",
                assertThrows(IllegalArgumentException.class, () -> PairDataset.builder()
                        .setImages(indexedImages(LABELS)).setSampling(4, true).build()).getMessage());
        assertEquals("A PairDataset has one record per ordered pair of its 10 images: draw its batches with"
                        + " setSampling(BalancedPairSampler), not with no sampler.",
                assertThrows(IllegalArgumentException.class, () -> PairDataset.builder()
                        .setImages(indexedImages(LABELS)).build()).getMessage());
        assertEquals("The images of a PairDataset must be set with setImages(...).",
                assertThrows(IllegalArgumentException.class, () -> PairDataset.builder().setSampling(sampler()).build())
                        .getMessage());
    }

    @Test
    void aSamplerForOtherImagesIsRejected() throws Exception {
        BalancedPairSampler other = BalancedPairSampler.builder().setLabels(new int[] {0, 0, 1, 1}).setBatchSize(2).build();
        PairDataset d = dataset(other);
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.getData(manager).iterator());
            assertEquals("BalancedPairSampler was built for 4 images (16 pairs) but the dataset has 100 records.", e.getMessage());
        }
    }
}
