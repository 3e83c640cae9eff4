package io.github.dml4j.sampler;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MPerClassSamplerTest {

    private static int[] labels(int classes, int perClass) {
        int[] l = new int[classes * perClass];
        for (int i = 0; i < l.length; i++) {
            l[i] = i % classes;
        }
        return l;
    }

    @Test
    void everyBatchHasPClassesOfMImages() {
        int[] labels = labels(10, 50);
        MPerClassSampler s = MPerClassSampler.builder().setLabels(labels).setM(4).setBatchSize(32).optSeed(3).build();
        assertEquals(500 / 32, s.batchesPerEpoch());
        Iterator<long[]> it = s.batches(0);
        int n = 0;
        while (it.hasNext()) {
            long[] batch = it.next();
            assertEquals(32, batch.length);
            Map<Integer, Set<Long>> byClass = new HashMap<>();
            for (long i : batch) {
                byClass.computeIfAbsent(labels[(int) i], k -> new HashSet<>()).add(i);
            }
            assertEquals(8, byClass.size(), "classes per batch");
            byClass.values().forEach(idx -> assertEquals(4, idx.size(), "distinct images per class"));
            n++;
        }
        assertEquals(s.batchesPerEpoch(), n);
    }

    @Test
    void classPassesCutAStreamOfWholePassesIntoBatches() {
        int[] labels = labels(5, 200);
        MPerClassSampler s = MPerClassSampler.builder().setLabels(labels).setM(32).setBatchSize(128)
                .optMode(MPerClassSampler.Mode.CLASS_PASSES).optSeed(1).build();
        assertEquals(1000 / 128, s.batchesPerEpoch());
        List<Long> stream = new ArrayList<>();
        s.batches(0).forEachRemaining(b -> {
            assertEquals(128, b.length);
            for (long v : b) stream.add(v);
        });
        // The first 480 images are three passes of 160: all five classes once each, m = 32
        // distinct images of each, and the classes of a pass come in a random order.
        Set<List<Integer>> orders = new HashSet<>();
        for (int p = 0; p < 3; p++) {
            List<Integer> order = new ArrayList<>();
            for (int c = 0; c < 5; c++) {
                Set<Long> block = new HashSet<>(stream.subList(p * 160 + c * 32, p * 160 + c * 32 + 32));
                assertEquals(32, block.size(), "distinct images in a class block");
                Set<Integer> blockLabels = new HashSet<>();
                block.forEach(i -> blockLabels.add(labels[(int) (long) i]));
                assertEquals(1, blockLabels.size(), "one class per block");
                order.add(blockLabels.iterator().next());
            }
            assertEquals(Set.of(0, 1, 2, 3, 4), new HashSet<>(order), "every class once per pass");
            orders.add(order);
        }
        assertTrue(orders.size() > 1, "passes shuffle the classes");
        // The second batch spans the first two passes.
        Set<Integer> second = new HashSet<>();
        for (int k = 128; k < 256; k++) {
            second.add(labels[(int) (long) stream.get(k)]);
        }
        assertTrue(second.size() >= 3, "a batch across passes holds pieces of several classes: " + second);
    }

    @Test
    void classPassesNeedNoMultipleOfMNorEnoughClassesForABatch() {
        int[] labels = labels(2, 40);
        MPerClassSampler s = MPerClassSampler.builder().setLabels(labels).setM(8).setBatchSize(20)
                .optMode(MPerClassSampler.Mode.CLASS_PASSES).build();
        long[] first = s.batches(0).next();
        Map<Integer, Integer> counts = new HashMap<>();
        for (long i : first) {
            counts.merge(labels[(int) i], 1, Integer::sum);
        }
        // 20 = one pass of 2 x 8 plus 4 of the next pass's first class.
        assertEquals(20, counts.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(counts.values().stream().allMatch(c -> c == 8 || c == 12), counts.toString());
        assertThrows(IllegalArgumentException.class, () -> MPerClassSampler.builder().setLabels(labels).setM(8)
                .setBatchSize(20).build(), "the per-batch mode still needs a multiple of m");
    }

    @Test
    void sameSeedSameBatchesOtherEpochOtherBatches() {
        int[] labels = labels(6, 20);
        MPerClassSampler a = MPerClassSampler.builder().setLabels(labels).setM(3).setBatchSize(12).optSeed(7).build();
        MPerClassSampler b = MPerClassSampler.builder().setLabels(labels).setM(3).setBatchSize(12).optSeed(7).build();
        assertArrayEquals(a.batches(2).next(), b.batches(2).next());
        List<Long> e0 = new ArrayList<>();
        a.batches(0).forEachRemaining(x -> { for (long v : x) e0.add(v); });
        List<Long> e1 = new ArrayList<>();
        a.batches(1).forEachRemaining(x -> { for (long v : x) e1.add(v); });
        assertFalse(e0.equals(e1));
    }

    @Test
    void everyImageOfAClassIsDrawnAboutEquallyOften() {
        // 2 classes of 50 images, batches of 2 x 10: over 2,000 batches each image is drawn
        // 400 times on average (standard deviation about 18); a fair draw stays within 6 of them
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i / 50;
        }
        MPerClassSampler sampler = MPerClassSampler.builder().setLabels(labels).setM(10).setBatchSize(20)
                .optLength(20 * 2000).optSeed(3).build();
        int[] counts = new int[100];
        Iterator<long[]> it = sampler.batches(0);
        while (it.hasNext()) {
            long[] batch = it.next();
            assertEquals(20, java.util.Arrays.stream(batch).distinct().count(), "distinct images in a batch");
            for (long i : batch) {
                counts[(int) i]++;
            }
        }
        for (int i = 0; i < 100; i++) {
            assertTrue(Math.abs(counts[i] - 400) < 6 * Math.sqrt(400 * 0.8), "image " + i + " drawn " + counts[i] + " times");
        }
    }

    @Test
    void smallClassesAreReusedWithReplacement() {
        int[] labels = {0, 0, 1, 2, 2, 2, 3};
        MPerClassSampler s = MPerClassSampler.builder().setLabels(labels).setM(4).setBatchSize(16).optLength(32).build();
        Iterator<long[]> it = s.batches(0);
        long[] batch = it.next();
        Map<Integer, Integer> counts = new HashMap<>();
        for (long i : batch) {
            counts.merge(labels[(int) i], 1, Integer::sum);
        }
        assertEquals(Map.of(0, 4, 1, 4, 2, 4, 3, 4), counts);
    }

    @Test
    void epochLengthIsWholeBatches() {
        MPerClassSampler s = MPerClassSampler.builder().setLabels(labels(4, 10)).setM(2).setBatchSize(8).optLength(30).build();
        assertEquals(24, s.getLength());
        assertEquals(3, s.batchesPerEpoch());
    }

    @Test
    void badSettingsFailWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MPerClassSampler.builder().setLabels(labels(10, 5)).setM(4).setBatchSize(30).build());
        assertEquals("MPerClassSampler's batch size must be a positive multiple of m = 4, got 30.", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> MPerClassSampler.builder().setLabels(new int[] {0, 0, 2, 2}).setM(2).setBatchSize(4).optNumClasses(3).build());
        assertEquals("Class 1 has no images; MPerClassSampler needs at least 1 image of each of the 3 classes.", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> MPerClassSampler.builder().setLabels(labels(3, 10)).setM(4).setBatchSize(16).build());
        assertEquals("A batch of 16 needs 4 classes of m = 4 images, but the labels have only 3 classes.", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> MPerClassSampler.builder().setLabels(new int[0]).setM(2).setBatchSize(4).build());
        assertTrue(e.getMessage().contains("at least one label"));

        e = assertThrows(IllegalArgumentException.class,
                () -> MPerClassSampler.builder().setLabels(new int[] {0, -1}).setM(1).setBatchSize(2).build());
        assertEquals("Label at index 1 is negative: -1.", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> MPerClassSampler.builder().setLabels(labels(4, 2)).setM(0).setBatchSize(4).build());
        assertEquals("MPerClassSampler's m (images per class) must be at least 1, got 0.", e.getMessage());
    }
}
