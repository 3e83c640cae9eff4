package io.github.dml4j.sampler;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BalancedPairSamplerTest {

    private static int[] labels(int classes, int perClass) {
        int[] l = new int[classes * perClass];
        for (int i = 0; i < l.length; i++) {
            l[i] = i % classes;
        }
        return l;
    }

    private static String error(BalancedPairSampler.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }

    @Test
    void everyBatchHasExactlyTheRoundedPositiveShareOfValidPairs() {
        int[] labels = labels(7, 13);
        int n = labels.length;
        for (double share : new double[] {0.5, 0.25, 0.1, 0.9}) {
            BalancedPairSampler s = BalancedPairSampler.builder().setLabels(labels).setBatchSize(30)
                    .optPositiveShare(share).optLength(300).optSeed(4).build();
            int expected = (int) Math.round(share * 30);
            assertEquals(expected, s.positivesPerBatch());
            assertEquals(10, s.batchesPerEpoch());
            Iterator<long[]> it = s.batches(0);
            int batches = 0;
            while (it.hasNext()) {
                long[] batch = it.next();
                assertEquals(30, batch.length);
                int positives = 0;
                for (long pair : batch) {
                    int a = (int) (pair / n);
                    int b = (int) (pair % n);
                    assertTrue(a >= 0 && a < n && b >= 0 && b < n);
                    assertNotEquals(a, b, "a pair never repeats an image");
                    if (labels[a] == labels[b]) {
                        positives++;
                    }
                }
                assertEquals(expected, positives, "positives in a batch at share " + share);
                batches++;
            }
            assertEquals(10, batches);
        }
    }

    @Test
    void positivesAndNegativesAreMixedWithinTheBatch() {
        int[] labels = labels(5, 10);
        BalancedPairSampler s = BalancedPairSampler.builder().setLabels(labels).setBatchSize(40).optSeed(1).build();
        long[] batch = s.batches(0).next();
        boolean firstHalfAllPositive = true;
        for (int i = 0; i < 20; i++) {
            firstHalfAllPositive &= labels[(int) (batch[i] / 50)] == labels[(int) (batch[i] % 50)];
        }
        assertFalse(firstHalfAllPositive);
    }

    @Test
    void sameSeedSameBatchesOtherEpochOrSeedOtherBatches() {
        int[] labels = labels(6, 20);
        BalancedPairSampler a = BalancedPairSampler.builder().setLabels(labels).setBatchSize(16).optSeed(7).build();
        BalancedPairSampler b = BalancedPairSampler.builder().setLabels(labels).setBatchSize(16).optSeed(7).build();
        BalancedPairSampler c = BalancedPairSampler.builder().setLabels(labels).setBatchSize(16).optSeed(8).build();
        assertEquals(flatten(a.batches(2)), flatten(b.batches(2)));
        assertNotEquals(flatten(a.batches(0)), flatten(a.batches(1)));
        assertNotEquals(flatten(a.batches(0)), flatten(c.batches(0)));
        assertEquals(112, a.getLength(), "default length: one pair per image (120), in whole batches of 16");
        assertEquals(7, a.batchesPerEpoch());
    }

    @Test
    void singletonClassesAppearOnlyInNegativePairs() {
        // classes 0 and 1 have several images, classes 2, 3 and 4 one image each
        int[] labels = {0, 0, 0, 1, 1, 1, 2, 3, 4};
        Set<Integer> singletons = Set.of(6, 7, 8);
        BalancedPairSampler s = BalancedPairSampler.builder().setLabels(labels).setBatchSize(10).optLength(2000)
                .optPositiveShare(0.5).optSeed(3).build();
        Set<Integer> seenInNegatives = new HashSet<>();
        Iterator<long[]> it = s.batches(0);
        while (it.hasNext()) {
            for (long pair : it.next()) {
                int a = (int) (pair / 9);
                int b = (int) (pair % 9);
                if (labels[a] == labels[b]) {
                    assertFalse(singletons.contains(a) || singletons.contains(b), "positive pair " + a + "," + b);
                } else {
                    if (singletons.contains(a)) {
                        seenInNegatives.add(a);
                    }
                    if (singletons.contains(b)) {
                        seenInNegatives.add(b);
                    }
                }
            }
        }
        assertEquals(singletons, seenInNegatives);
    }

    @Test
    void everyPositivePairOfASmallSetIsReachable() {
        int[] labels = {0, 0, 0, 1, 1};
        BalancedPairSampler s = BalancedPairSampler.builder().setLabels(labels).setBatchSize(4).optLength(4000).build();
        Set<Long> positives = new HashSet<>();
        s.batches(0).forEachRemaining(batch -> {
            for (long p : batch) {
                if (labels[(int) (p / 5)] == labels[(int) (p % 5)]) {
                    positives.add(p);
                }
            }
        });
        // ordered pairs within class 0 (3 x 2) and class 1 (2 x 1)
        assertEquals(8, positives.size());
    }

    @Test
    void aDatasetWithOneClassIsRejected() {
        assertEquals("BalancedPairSampler's dataset has only one class (label 3): no negative pairs can be drawn.",
                error(BalancedPairSampler.builder().setLabels(new int[] {3, 3, 3, 3}).setBatchSize(2)));
    }

    @Test
    void aDatasetOfSingletonsIsRejected() {
        assertEquals("In BalancedPairSampler's dataset of 4 images every class has a single image: no positive pairs can be drawn.",
                error(BalancedPairSampler.builder().setLabels(new int[] {0, 1, 2, 3}).setBatchSize(2)));
    }

    @Test
    void badSettingsAreNamed() {
        int[] labels = labels(3, 4);
        assertEquals("BalancedPairSampler's positive share must be strictly between 0 and 1, got 1.0.",
                error(BalancedPairSampler.builder().setLabels(labels).setBatchSize(4).optPositiveShare(1)));
        assertEquals("BalancedPairSampler's positive share must be strictly between 0 and 1, got 0.0.",
                error(BalancedPairSampler.builder().setLabels(labels).setBatchSize(4).optPositiveShare(0)));
        assertEquals("BalancedPairSampler's positive share must be strictly between 0 and 1, got NaN.",
                error(BalancedPairSampler.builder().setLabels(labels).setBatchSize(4).optPositiveShare(Double.NaN)));
        assertEquals("A batch of 4 pairs with positive share 0.1 would hold 0 positive and 4 negative pairs:"
                        + " BalancedPairSampler needs at least one of each; raise the batch size.",
                error(BalancedPairSampler.builder().setLabels(labels).setBatchSize(4).optPositiveShare(0.1)));
        assertEquals("BalancedPairSampler's batch size must be at least 2, got 1.",
                error(BalancedPairSampler.builder().setLabels(labels).setBatchSize(1)));
        assertEquals("BalancedPairSampler needs the labels of the images: call setLabels(...) with at least two labels.",
                error(BalancedPairSampler.builder().setBatchSize(4)));
        assertEquals("BalancedPairSampler's epoch length of 3 pairs is shorter than one batch of 4.",
                error(BalancedPairSampler.builder().setLabels(labels).setBatchSize(4).optLength(3)));
        assertEquals("Label at index 1 is negative: -2.",
                error(BalancedPairSampler.builder().setLabels(new int[] {0, -2, 1}).setBatchSize(2)));
    }

    private static List<Long> flatten(Iterator<long[]> it) {
        List<Long> all = new ArrayList<>();
        it.forEachRemaining(b -> {
            for (long v : b) {
                all.add(v);
            }
        });
        return all;
    }

    @Test
    void batchesAreIndependentOfEarlierCalls() {
        int[] labels = labels(4, 8);
        BalancedPairSampler s = BalancedPairSampler.builder().setLabels(labels).setBatchSize(8).optSeed(2).build();
        long[] first = s.batches(3).next();
        s.batches(0).next();
        assertArrayEquals(first, s.batches(3).next());
    }
}
