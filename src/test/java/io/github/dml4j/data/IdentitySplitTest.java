package io.github.dml4j.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentitySplitTest {

    /** 20 identities P00..P19; P00-P03 have one image, the others 2 or 3. */
    private static IdentityImages faces() {
        String[] names = new String[20];
        int[] counts = new int[20];
        for (int i = 0; i < 20; i++) {
            names[i] = String.format("P%02d", i);
            counts[i] = i < 4 ? 1 : 2 + i % 2;
        }
        return FaceFiles.lfwStyle(names, counts);
    }

    private static final IdentitySplit.Fractions SHARES = new IdentitySplit.Fractions(0.6, 0.15, 0.25);

    @Test
    void partsAreDisjointCompleteAndRelabelled() {
        IdentityImages all = faces();
        IdentitySplit split = IdentitySplit.split(all, SHARES, 0);
        assertEquals(12, split.train().numIdentities());
        assertEquals(3, split.calibration().numIdentities());
        assertEquals(5, split.test().numIdentities());
        assertTrue(split.isIdentityDisjoint());
        Set<String> names = new HashSet<>();
        Set<String> paths = new HashSet<>();
        for (IdentityImages part : List.of(split.train(), split.calibration(), split.test())) {
            names.addAll(part.identities());
            paths.addAll(part.paths());
            // labels are 0..k-1 in name order, and every image sits with its own identity
            List<String> sorted = new ArrayList<>(part.identities());
            sorted.sort(null);
            assertEquals(sorted, part.identities());
            for (int i = 0; i < part.size(); i++) {
                String path = part.path(i);
                assertEquals(path.substring(0, path.indexOf('/')), part.identity(part.images().label(i)));
                assertArrayEquals(all.images().imageBytes(all.indexOf(path)), part.images().imageBytes(i));
            }
        }
        assertEquals(20, names.size());
        assertEquals(all.size(), paths.size());
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        IdentityImages all = faces();
        IdentitySplit a = IdentitySplit.split(all, SHARES, 7);
        IdentitySplit b = IdentitySplit.split(all, SHARES, 7);
        assertEquals(a.train().identities(), b.train().identities());
        assertEquals(a.test().identities(), b.test().identities());
        assertEquals(a.train().images().fingerprint(), b.train().images().fingerprint());
        assertNotEquals(a.test().identities(), IdentitySplit.split(all, SHARES, 8).test().identities());
    }

    @Test
    void singletonsAreReportedPerPart() {
        IdentitySplit split = IdentitySplit.split(faces(), SHARES, 0);
        List<String> singletons = new ArrayList<>();
        singletons.addAll(split.train().singletons());
        singletons.addAll(split.calibration().singletons());
        singletons.addAll(split.test().singletons());
        singletons.sort(null);
        assertEquals(List.of("P00", "P01", "P02", "P03"), singletons);
        String summary = split.summary();
        assertTrue(summary.startsWith("train: 12 identities, "), summary);
        for (String name : singletons) {
            assertTrue(summary.contains(name), summary);
        }
        assertTrue(summary.contains("(no positive pairs: "), summary);
    }

    @Test
    void fractionsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IdentitySplit.Fractions(0.7, 0.2, 0.2));
        assertTrue(e.getMessage().startsWith("The train, calibration and test fractions must sum to 1, got 0.7 + 0.2 + 0.2 = "),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new IdentitySplit.Fractions(1.0, 0.0, 0.0));
        assertEquals("The train fraction must be between 0 and 1 (exclusive), got 1.0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new IdentitySplit.Fractions(0.5, Double.NaN, 0.5));
        assertEquals("The calibration fraction must be between 0 and 1 (exclusive), got NaN.", e.getMessage());
        IdentityImages small = FaceFiles.lfwStyle(new String[] {"A", "B", "C", "D", "E"}, new int[] {2, 2, 2, 2, 2});
        e = assertThrows(IllegalArgumentException.class,
                () -> IdentitySplit.split(small, new IdentitySplit.Fractions(0.8, 0.05, 0.15), 0));
        assertEquals("The calibration part gets no identity: 0.05 of 5 identities rounds to 0; use a larger fraction"
                + " or more identities.", e.getMessage());
        // largest remainder: 5 x (0.5, 0.3, 0.2) = 2.5, 1.5, 1 -> 3, 1, 1
        IdentitySplit split = IdentitySplit.split(small, new IdentitySplit.Fractions(0.5, 0.3, 0.2), 0);
        assertArrayEquals(new int[] {3, 1, 1}, new int[] {split.train().numIdentities(),
                split.calibration().numIdentities(), split.test().numIdentities()});
    }
}
