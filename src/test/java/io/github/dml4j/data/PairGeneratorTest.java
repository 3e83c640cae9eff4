package io.github.dml4j.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairGeneratorTest {

    /** 40 identities: labels 0-9 have one image each, the others 2 to 6. */
    private static LabeledImages faces() {
        int[] counts = new int[40];
        for (int c = 0; c < 40; c++) {
            counts[c] = c < 10 ? 1 : 2 + c % 5;
        }
        int n = Arrays.stream(counts).sum();
        int[] labels = new int[n];
        int k = 0;
        for (int c = 0; c < 40; c++) {
            for (int j = 0; j < counts[c]; j++) {
                labels[k++] = c;
            }
        }
        return LabeledImages.of(new byte[n], labels, 1, 1, 1);
    }

    private static PairList generate(LabeledImages images, long seed) {
        return PairGenerator.builder().setPairsPerFold(12).optFolds(5).optSeed(seed).build().generate(images);
    }

    /**
     * The bound of what every fold can give is that of the smallest identities with pairs: at it,
     * generation succeeds; past what the smallest fold can actually hold, it fails.
     */
    @Test
    void pairsEveryFoldCanGiveBoundsTheSmallestFold() {
        // identities of 1 (singleton), 2, 3, 4 and 5 images
        int[] labels = {0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4};
        LabeledImages images = LabeledImages.of(new byte[labels.length], labels, 1, 1, 1);
        // 2 folds get at least 2 of the 4 identities with pairs; the smallest two (2 and 3 images)
        // give 1 + 3 = 4 matched and 2 * 3 = 6 mismatched pairs
        assertEquals(4, PairGenerator.pairsEveryFoldCanGive(images, 2));
        // 1 fold holds them all: 1 + 3 + 6 + 10 = 20 matched and (singleton aside) 2*3 + 5*4 + 9*5 = 71 mismatched
        assertEquals(20, PairGenerator.pairsEveryFoldCanGive(images, 1));
        assertEquals(0, PairGenerator.pairsEveryFoldCanGive(images, 5), "fewer identities with pairs than folds");
        for (long seed = 0; seed < 5; seed++) {
            PairList pairs = PairGenerator.builder().setPairsPerFold(4).optFolds(2).optSeed(seed).build().generate(images);
            assertEquals(16, pairs.size());
        }
        assertEquals("The folds must be at least 1, got 0.", assertThrows(IllegalArgumentException.class,
                () -> PairGenerator.pairsEveryFoldCanGive(images, 0)).getMessage());
    }

    @Test
    void foldsAreBalancedIdentityDisjointAndWithoutRepeats() {
        LabeledImages images = faces();
        PairList pairs = generate(images, 0);
        assertEquals(5 * 24, pairs.size());
        assertEquals(5, pairs.folds());
        int[] first = pairs.first();
        int[] second = pairs.second();
        boolean[] same = pairs.same();
        int[] folds = pairs.foldIds();
        int[] matched = new int[5];
        int[] mismatched = new int[5];
        int[] foldOfLabel = new int[40];
        Arrays.fill(foldOfLabel, -1);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < pairs.size(); i++) {
            int a = images.label(first[i]);
            int b = images.label(second[i]);
            assertEquals(same[i], a == b, "pair " + i);
            assertTrue(first[i] < second[i], "pair " + i + " lists the smaller index first");
            assertTrue(seen.add((long) first[i] * images.size() + second[i]), "pair " + i + " repeats");
            if (same[i]) {
                matched[folds[i]]++;
                assertTrue(a >= 10, "a singleton gave the matched pair " + i);
            } else {
                mismatched[folds[i]]++;
            }
            for (int label : new int[] {a, b}) {
                assertTrue(foldOfLabel[label] == -1 || foldOfLabel[label] == folds[i], "identity " + label + " is in two folds");
                foldOfLabel[label] = folds[i];
            }
        }
        assertArrayEquals(new int[] {12, 12, 12, 12, 12}, matched);
        assertArrayEquals(new int[] {12, 12, 12, 12, 12}, mismatched);
        // LFW order: per fold, matched pairs first
        assertArrayEquals(new boolean[] {true, false}, new boolean[] {same[0], same[12]});
        assertEquals(1, folds[24]);
    }

    @Test
    void seedDecides() {
        LabeledImages images = faces();
        PairList a = generate(images, 4);
        PairList b = generate(images, 4);
        assertArrayEquals(a.first(), b.first());
        assertArrayEquals(a.second(), b.second());
        assertFalse(Arrays.equals(a.second(), generate(images, 5).second()));
        // IdentityImages and their LabeledImages give the same pairs
        IdentityImages named = FaceFiles.lfwStyle(new String[] {"A", "B", "C"}, new int[] {2, 3, 1});
        PairGenerator g = PairGenerator.builder().setPairsPerFold(2).optFolds(1).optSeed(1).build();
        assertArrayEquals(g.generate(named).second(), g.generate(named.images()).second());
    }

    @Test
    void tooFewIdentitiesOrPairsAreNamed() {
        LabeledImages images = faces();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairGenerator.builder().setPairsPerFold(1).optFolds(31).build().generate(images));
        assertEquals("Only 30 identities have two or more images, fewer than the 31 folds: every fold needs at least one"
                + " for its matched pairs.", e.getMessage());
        LabeledImages two = LabeledImages.of(new byte[3], new int[] {0, 0, 1}, 1, 1, 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> PairGenerator.builder().setPairsPerFold(2).optFolds(1).build().generate(two));
        assertEquals("Fold 0 of 1 can give only 1 distinct matched pairs, fewer than the 2 pairs per fold requested:"
                + " ask for fewer pairs per fold or fewer folds.", e.getMessage());
        LabeledImages oneIdentity = LabeledImages.of(new byte[4], new int[] {0, 0, 0, 0}, 1, 1, 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> PairGenerator.builder().setPairsPerFold(2).optFolds(1).build().generate(oneIdentity));
        assertEquals("Fold 0 of 1 can give only 0 distinct mismatched pairs, fewer than the 2 pairs per fold requested:"
                + " ask for fewer pairs per fold or fewer folds.", e.getMessage());
    }

    @Test
    void exhaustsSmallFoldsExactly() {
        // every matched and mismatched pair of 2 + 2 images: 2 matched, 4 mismatched
        LabeledImages four = LabeledImages.of(new byte[4], new int[] {0, 0, 1, 1}, 1, 1, 1);
        PairList all = PairGenerator.builder().setPairsPerFold(2).optFolds(1).build().generate(four);
        assertEquals(4, all.size());
        assertEquals(Set.of(1L, 11L), Set.of((long) all.first()[0] * 4 + all.second()[0], (long) all.first()[1] * 4 + all.second()[1]));
        assertNotEquals(all.first()[2] * 4 + all.second()[2], all.first()[3] * 4 + all.second()[3]);
    }

    @Test
    void builderNamesBadSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PairGenerator.builder().build());
        assertEquals("The pairs per fold of a PairGenerator must be set with setPairsPerFold(...) to at least 1, got 0.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PairGenerator.builder().setPairsPerFold(3).optFolds(0).build());
        assertEquals("The number of folds of a PairGenerator (optFolds) must be at least 1, got 0.", e.getMessage());
    }
}
