package io.github.dml4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PairListTest {

    @TempDir
    Path dir;

    // Ann: images 0-2, Ben: 3-4, Cy: 5, Di: 6-9
    private final IdentityImages faces = FaceFiles.lfwStyle(new String[] {"Ann", "Ben", "Cy", "Di"}, new int[] {3, 2, 1, 4});

    private Path pairs(String content) throws IOException {
        Path file = dir.resolve("pairs.txt");
        Files.writeString(file, content);
        return file;
    }

    @Test
    void parsesFoldsOfMatchedThenMismatchedPairs() throws IOException {
        Path file = pairs("2\t2\n"
                + "Ann\t1\t3\n"
                + "Di\t2\t4\n"
                + "Ann\t2\tBen\t1\n"
                + "Cy\t1\tDi\t1\n"
                + "Ben\t1\t2\n"
                + "Di  1 3\n"          // any whitespace
                + "Ann\t3\tDi\t4\n"
                + "Ben\t2\tCy\t1\n"
                + "\n");
        PairList list = PairList.read(file, faces);
        assertEquals(8, list.size());
        assertEquals(2, list.folds());
        assertArrayEquals(new int[] {0, 7, 1, 5, 3, 6, 2, 4}, list.first());
        assertArrayEquals(new int[] {2, 9, 3, 6, 4, 8, 9, 5}, list.second());
        assertArrayEquals(new boolean[] {true, true, false, false, true, true, false, false}, list.same());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1}, list.foldIds());
        assertEquals(4, list.matchedCount());
    }

    @Test
    void aSingleCountMeansOneFold() throws IOException {
        PairList list = PairList.read(pairs("1\nDi\t1\t2\nAnn\t1\tCy\t1\n"), faces);
        assertArrayEquals(new int[] {0, 0}, list.foldIds());
        assertArrayEquals(new boolean[] {true, false}, list.same());
        assertEquals(1, list.folds());
    }

    @Test
    void missingImagesAndIdentitiesNameTheLine() throws IOException {
        Path file = pairs("1\t1\nAnn\t1\t4\nAnn\t1\tBen\t1\n");
        IOException e = assertThrows(IOException.class, () -> PairList.read(file, faces));
        assertEquals("The pairs file " + file + ", line 2: image Ann/Ann_0004 is not among the loaded images of Ann.",
                e.getMessage());

        Path other = pairs("1\t1\nAnn\t1\t2\nAnn\t1\tZed\t1\n");
        e = assertThrows(IOException.class, () -> PairList.read(other, faces));
        assertEquals("The pairs file " + other + ", line 3: identity Zed is not among the 4 loaded identities.",
                e.getMessage());
    }

    @Test
    void malformedLinesNameTheLine() throws IOException {
        Path file = pairs("1\t1\nAnn\t1\tBen\t1\nAnn\t1\tBen\t1\n");
        IOException e = assertThrows(IOException.class, () -> PairList.read(file, faces));
        assertEquals("The pairs file " + file + ", line 2: a matched pair 'name n1 n2' was expected (pair 1), got 4"
                + " fields: 'Ann\t1\tBen\t1'.", e.getMessage());

        Path mismatched = pairs("1\t1\nAnn\t1\t2\nAnn\t1\t2\n");
        e = assertThrows(IOException.class, () -> PairList.read(mismatched, faces));
        assertEquals("The pairs file " + mismatched + ", line 3: a mismatched pair 'name1 n1 name2 n2' was expected"
                + " (pair 2), got 3 fields: 'Ann\t1\t2'.", e.getMessage());

        Path number = pairs("1\t1\nAnn\t1\tone\nAnn\t1\tBen\t1\n");
        e = assertThrows(IOException.class, () -> PairList.read(number, faces));
        assertEquals("The pairs file " + number + ", line 2: the image number of Ann must be a positive integer,"
                + " got 'one'.", e.getMessage());

        Path header = pairs("10 300 x\n");
        e = assertThrows(IOException.class, () -> PairList.read(header, faces));
        assertEquals("The pairs file " + header + ", line 1: the header must be 'folds<TAB>pairsPerFold' or a single"
                + " pair count, got '10 300 x'.", e.getMessage());

        Path twice = pairs("1\t1\nAnn\t2\t2\nAnn\t1\tBen\t1\n");
        e = assertThrows(IOException.class, () -> PairList.read(twice, faces));
        assertEquals("The pairs file " + twice + ", line 2: the matched pair names image 2 of Ann twice.", e.getMessage());

        Path sameName = pairs("1\t1\nAnn\t1\t2\nAnn\t1\tAnn\t3\n");
        e = assertThrows(IOException.class, () -> PairList.read(sameName, faces));
        assertEquals("The pairs file " + sameName + ", line 3: the mismatched pair names identity Ann twice.",
                e.getMessage());
    }

    @Test
    void lineCountMustMatchTheHeader() throws IOException {
        Path shortFile = pairs("2\t1\nAnn\t1\t2\nAnn\t1\tBen\t1\n");
        IOException e = assertThrows(IOException.class, () -> PairList.read(shortFile, faces));
        assertEquals("The pairs file " + shortFile + " ends after 2 pairs, but its header announces 2 folds of 1"
                + " matched and 1 mismatched pairs (4).", e.getMessage());

        Path longFile = pairs("1\t1\nAnn\t1\t2\nAnn\t1\tBen\t1\nDi\t1\t2\n");
        e = assertThrows(IOException.class, () -> PairList.read(longFile, faces));
        assertEquals("The pairs file " + longFile + ", line 4: the header announces 1 folds of 1 matched and 1"
                + " mismatched pairs, but more lines follow.", e.getMessage());

        Path empty = pairs("\n\n");
        e = assertThrows(IOException.class, () -> PairList.read(empty, faces));
        assertEquals("The pairs file " + empty + " is empty.", e.getMessage());
    }

    @Test
    void writeThenReadGivesTheSameList() throws IOException {
        IdentityImages more = FaceFiles.lfwStyle(new String[] {"Ann", "Ben", "Cy", "Di", "Ed", "Flo"},
                new int[] {3, 2, 1, 4, 2, 3});
        PairList generated = PairGenerator.builder().setPairsPerFold(2).optFolds(2).optSeed(3).build().generate(more);
        Path file = dir.resolve("generated.txt");
        generated.write(file, more);
        List<String> lines = Files.readAllLines(file);
        assertEquals("2\t2", lines.get(0));
        assertEquals(9, lines.size());
        PairList back = PairList.read(file, more);
        assertArrayEquals(generated.first(), back.first());
        assertArrayEquals(generated.second(), back.second());
        assertArrayEquals(generated.same(), back.same());
        assertArrayEquals(generated.foldIds(), back.foldIds());
    }

    @Test
    void writeNeedsTheLfwLayoutAndNames() {
        PairList unbalanced = PairList.of(new int[] {0, 0}, new int[] {1, 3}, new boolean[] {true, false}, new int[] {0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> unbalanced.write(dir.resolve("x.txt"), faces));
        assertEquals("The pairs file layout needs every fold to hold the same number of matched and mismatched pairs;"
                + " fold 0 holds 1 matched and 0 mismatched, fold 0 1 matched.", e.getMessage());

        PairList wrongFlag = PairList.of(new int[] {0, 0}, new int[] {1, 3}, new boolean[] {false, false}, new int[] {0, 0});
        e = assertThrows(IllegalArgumentException.class, () -> wrongFlag.write(dir.resolve("x.txt"), faces));
        assertEquals("Pair 0 is marked mismatched but its images are of the same identity.", e.getMessage());

        IdentityImages unnamed = IdentityImages.of(faces.images(), faces.identities(),
                faces.paths().stream().map(p -> p.replace("_0001", "-first")).toList());
        PairList ok = PairList.of(new int[] {0, 1}, new int[] {1, 3}, new boolean[] {true, false}, new int[] {0, 0});
        e = assertThrows(IllegalArgumentException.class, () -> ok.write(dir.resolve("x.txt"), unnamed));
        assertEquals("Image 0 (Ann/Ann-first.jpg) is not named LFW-style (Name/Name_0001.jpg), so a pairs file cannot"
                + " name it.", e.getMessage());
    }

    @Test
    void ofChecksLengthsAndSigns() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PairList.of(new int[] {0}, new int[] {1, 2}, new boolean[] {true}, new int[] {0}));
        assertEquals("A pair list needs as many second images, same flags and fold ids as first images (1), got 2, 1"
                + " and 1.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PairList.of(new int[] {0}, new int[] {1}, new boolean[] {true}, new int[] {-1}));
        assertEquals("Pair 0 has a negative fold id: -1.", e.getMessage());
    }
}
