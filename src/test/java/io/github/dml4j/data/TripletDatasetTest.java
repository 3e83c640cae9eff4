package io.github.dml4j.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TripletDatasetTest {

    private static final int[] LABELS = {0, 1, 2, 0, 1, 2, 0, 1, 3};

    private static TripletDataset.Builder builder(int[] labels) {
        return TripletDataset.builder().setImages(PairDatasetTest.indexedImages(labels)).setSampling(4, false);
    }

    @Test
    void everyTripletIsValidAndSingletonsAreOnlyNegatives() {
        TripletDataset d = builder(LABELS).optSize(2000).optSeed(5).build();
        assertEquals(2000, d.size());
        Set<Integer> negativesSeen = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            int a = d.anchor(i);
            int p = d.positive(i);
            int n = d.negative(i);
            assertNotEquals(a, p);
            assertEquals(LABELS[a], LABELS[p]);
            assertNotEquals(LABELS[a], LABELS[n]);
            assertFalse(a == 8 || p == 8, "class 3 has a single image");
            negativesSeen.add(n);
        }
        assertEquals(9, negativesSeen.size(), "every image serves as a negative");
    }

    @Test
    void sameSeedSameTriplets() {
        TripletDataset a = builder(LABELS).optSize(50).optSeed(3).build();
        TripletDataset b = builder(LABELS).optSize(50).optSeed(3).build();
        TripletDataset c = builder(LABELS).optSize(50).optSeed(4).build();
        boolean differs = false;
        for (int i = 0; i < 50; i++) {
            assertEquals(a.anchor(i), b.anchor(i));
            assertEquals(a.positive(i), b.positive(i));
            assertEquals(a.negative(i), b.negative(i));
            differs |= a.anchor(i) != c.anchor(i) || a.negative(i) != c.negative(i);
        }
        assertTrue(differs);
        assertEquals(LABELS.length, builder(LABELS).build().size(), "default: one triplet per image");
    }

    @Test
    void recordsAndBatchesHoldTheThreeImagesAndTheirClasses() throws Exception {
        TripletDataset d = builder(LABELS).optSize(8).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            Record r = d.get(manager, 2);
            assertEquals(3, r.getData().size());
            assertEquals(new Shape(1, 2, 2), r.getData().get(2).getShape());
            assertEquals(d.negative(2) / 255f, r.getData().get(2).getFloat(0, 0, 0), 1e-6);
            assertArrayEquals(new long[] {LABELS[d.anchor(2)], LABELS[d.positive(2)], LABELS[d.negative(2)]},
                    r.getLabels().head().toLongArray());
            TripletDataset.ThreeImages t = d.loadBatch(manager, new long[] {0, 5});
            assertEquals(new Shape(2, 1, 2, 2), t.positive().getShape());
            assertEquals(new Shape(2, 3), t.labels().getShape());
            assertEquals(d.positive(5) / 255f, t.positive().getFloat(1, 0, 0, 0), 1e-6);
            int batches = 0;
            for (Batch batch : d.getData(manager)) {
                assertEquals(new Shape(4, 1, 2, 2), batch.getData().get(1).getShape());
                assertEquals(new Shape(4, 3), batch.getLabels().head().getShape());
                batches++;
                batch.close();
            }
            assertEquals(2, batches);
        }
    }

    @Test
    void impossibleTripletsAreNamed() {
        assertEquals("TripletDataset's images have only one class (label 3): no negatives can be drawn.",
                assertThrows(IllegalArgumentException.class, () -> builder(new int[] {3, 3, 3}).build()).getMessage());
        assertEquals("In TripletDataset's 3 images every class has a single image: no positives can be drawn.",
                assertThrows(IllegalArgumentException.class, () -> builder(new int[] {0, 1, 2}).build()).getMessage());
        assertEquals("A TripletDataset's size must be at least 1 triplet, got 0.",
                assertThrows(IllegalArgumentException.class, () -> builder(LABELS).optSize(0).build()).getMessage());
        assertEquals("Triplet index 9 is outside this dataset of 9 triplets.",
                assertThrows(IndexOutOfBoundsException.class, () -> builder(LABELS).build().anchor(9)).getMessage());
    }
}
