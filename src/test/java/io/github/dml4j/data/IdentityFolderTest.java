package io.github.dml4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdentityFolderTest {

    @TempDir
    Path root;

    private static final ImagePreprocessing GRAY_2X2 = ImagePreprocessing.builder().setSize(2, 2)
            .optColor(ColorMode.GRAYSCALE).build();

    /**
     * Alice: PNG, JPEG, binary PGM, a text file and a truncated JPEG; Bob: one plain PGM;
     * Carol: two PNGs (one with an upper-case extension); Dave: only a corrupt PNG; a README at the root.
     */
    private void writeFaces() throws IOException {
        FaceFiles.write(root.resolve("Alice/Alice_0001.png"), FaceFiles.gray(2, 2, (y, x) -> 10 + 2 * y + x), "png");
        FaceFiles.write(root.resolve("Alice/Alice_0002.jpg"), FaceFiles.rgb(2, 2, 128, 128, 128), "jpg");
        FaceFiles.pgmP5(root.resolve("Alice/Alice_0003.pgm"), 2, 2, 255, new int[] {1, 2, 3, 4});
        Files.writeString(root.resolve("Alice/notes.txt"), "taken in 2004");
        FaceFiles.truncatedJpeg(root.resolve("Alice/Alice_0004.jpg"));
        FaceFiles.pgmP2(root.resolve("Bob/Bob_0001.pgm"), 2, 2, 255, new int[] {50, 60, 70, 80});
        FaceFiles.write(root.resolve("Carol/Carol_0001.png"), FaceFiles.gray(2, 2, (y, x) -> 200), "png");
        FaceFiles.write(root.resolve("Carol/Carol_0002.PNG"), FaceFiles.gray(2, 2, (y, x) -> 201), "png");
        Files.createDirectories(root.resolve("Dave"));
        Files.write(root.resolve("Dave/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H'});
        Files.writeString(root.resolve("README.md"), "faces");
    }

    private static int[] unsigned(byte[] bytes) {
        int[] v = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            v[i] = bytes[i] & 0xFF;
        }
        return v;
    }

    private IdentityFolder folder(IdentityFolder.OnUnreadable mode) {
        return IdentityFolder.builder().setRoot(root).setPreprocessing(GRAY_2X2).optOnUnreadable(mode).build();
    }

    /** Runs {@code load} and returns what slf4j-simple printed to System.err meanwhile. */
    private static String capturingStderr(IoAction load) throws IOException {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            load.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    @Test
    void loadsIdentitiesInNameOrderAndSkipsBadFiles() throws IOException {
        writeFaces();
        IdentityImages[] loaded = new IdentityImages[1];
        String log = capturingStderr(() -> loaded[0] = folder(IdentityFolder.OnUnreadable.SKIP).load());
        IdentityImages faces = loaded[0];

        assertEquals(List.of("Alice", "Bob", "Carol"), faces.identities());
        assertEquals(List.of("Alice/Alice_0001.png", "Alice/Alice_0002.jpg", "Alice/Alice_0003.pgm",
                "Bob/Bob_0001.pgm", "Carol/Carol_0001.png", "Carol/Carol_0002.PNG"), faces.paths());
        assertArrayEquals(new int[] {0, 0, 0, 1, 2, 2}, faces.images().labels());
        assertEquals(new ai.djl.ndarray.types.Shape(1, 2, 2), faces.images().imageShape());
        assertArrayEquals(new int[] {10, 11, 12, 13}, unsigned(faces.images().imageBytes(0)));
        assertTrue(Arrays.stream(unsigned(faces.images().imageBytes(1))).allMatch(v -> Math.abs(v - 128) <= 3));
        assertArrayEquals(new int[] {1, 2, 3, 4}, unsigned(faces.images().imageBytes(2)));
        assertArrayEquals(new int[] {50, 60, 70, 80}, unsigned(faces.images().imageBytes(3)));
        assertArrayEquals(new int[] {201, 201, 201, 201}, unsigned(faces.images().imageBytes(5)));

        assertEquals(List.of("Bob"), faces.singletons());
        assertEquals(3, faces.imageCount(0));

        List<String> skipped = faces.skipped().stream().map(IdentityImages.SkippedFile::path).toList();
        assertEquals(List.of("README.md", "Alice/notes.txt", "Alice/Alice_0004.jpg", "Dave/broken.png"), skipped);
        assertEquals("The file " + root.resolve("Alice/notes.txt") + " is not an image: its extension is not one of"
                + " jpeg, jpg, pbm, pgm, png, pnm, ppm.", faces.skipped().get(1).reason());
        assertTrue(faces.skipped().get(2).reason().startsWith("The JPEG file " + root.resolve("Alice/Alice_0004.jpg")
                + " is corrupt: "), faces.skipped().get(2).reason());
        assertTrue(faces.skipped().get(3).reason().startsWith("The PNG file " + root.resolve("Dave/broken.png")
                + " is corrupt: "), faces.skipped().get(3).reason());

        // exactly one warning per skipped file, naming it
        List<String> warnings = log.lines().filter(l -> l.contains("WARN")).toList();
        for (String file : List.of("README.md", "notes.txt", "Alice_0004.jpg", "broken.png")) {
            assertEquals(1, warnings.stream().filter(l -> l.contains(file)).count(), file + " in " + warnings);
        }
        // plus one for the identity left without images
        assertEquals(5, warnings.size(), log);
        assertTrue(warnings.get(4).contains("The identity folder " + root.resolve("Dave")
                + " holds no readable image; the identity is left out."), warnings.get(4));
    }

    @Test
    void lookupsByLfwNumberAndPath() throws IOException {
        writeFaces();
        IdentityImages faces = folder(IdentityFolder.OnUnreadable.SKIP).load();
        assertEquals(2, faces.indexOf("Alice", 3));
        assertEquals(5, faces.indexOf("Carol", 2));
        assertEquals(-1, faces.indexOf("Alice", 4));
        assertEquals(-1, faces.indexOf("Dave", 1));
        assertEquals(3, faces.imageNumber(2));
        assertEquals(4, faces.indexOf("Carol/Carol_0001.png"));
        assertEquals(-1, faces.indexOf("Alice/notes.txt"));
        assertEquals(1, faces.identityIndex("Bob"));
        assertEquals(-1, faces.identityIndex("Dave"));
    }

    @Test
    void failModeStopsAtTheFirstBadFile() throws IOException {
        writeFaces();
        Files.delete(root.resolve("README.md"));
        IOException e = assertThrows(IOException.class, () -> folder(IdentityFolder.OnUnreadable.FAIL).load());
        assertEquals("The file " + root.resolve("Alice/notes.txt") + " is not an image: its extension is not one of"
                + " jpeg, jpg, pbm, pgm, png, pnm, ppm.", e.getMessage());
        Files.delete(root.resolve("Alice/notes.txt"));
        e = assertThrows(IOException.class, () -> folder(IdentityFolder.OnUnreadable.FAIL).load());
        assertTrue(e.getMessage().startsWith("The JPEG file " + root.resolve("Alice/Alice_0004.jpg") + " is corrupt: "),
                e.getMessage());
    }

    @Test
    void extensionsAreChosenCaseInsensitively() throws IOException {
        writeFaces();
        IdentityImages pngOnly = IdentityFolder.builder().setRoot(root).setPreprocessing(GRAY_2X2)
                .optExtensions(".PNG").build().load();
        assertEquals(List.of("Alice", "Carol"), pngOnly.identities());
        assertEquals(List.of("Alice/Alice_0001.png", "Carol/Carol_0001.png", "Carol/Carol_0002.PNG"), pngOnly.paths());
        assertEquals(List.of("Alice"), pngOnly.singletons());
    }

    @Test
    void missingEmptyOrImagelessRootsAreErrorsNamingTheRoot() throws IOException {
        Path missing = root.resolve("nowhere");
        IdentityFolder f = IdentityFolder.builder().setRoot(missing).setPreprocessing(GRAY_2X2).build();
        IOException e = assertThrows(IOException.class, f::load);
        assertEquals("The identity folder root " + missing + " does not exist.", e.getMessage());

        e = assertThrows(IOException.class, () -> folder(IdentityFolder.OnUnreadable.SKIP).load());
        assertEquals("The identity folder root " + root + " holds no identity sub-folder: put the images of each"
                + " identity in a sub-folder named after it.", e.getMessage());

        Files.writeString(root.resolve("file.txt"), "x");
        IdentityFolder onFile = IdentityFolder.builder().setRoot(root.resolve("file.txt")).setPreprocessing(GRAY_2X2).build();
        e = assertThrows(IOException.class, onFile::load);
        assertEquals("The identity folder root " + root.resolve("file.txt") + " is not a directory.", e.getMessage());

        Files.createDirectories(root.resolve("Eve"));
        Files.writeString(root.resolve("Eve/Eve_0001.jpg"), "not a jpeg");
        e = assertThrows(IOException.class, () -> folder(IdentityFolder.OnUnreadable.SKIP).load());
        assertEquals("No readable image was found under the identity folder root " + root + " (2 files skipped).",
                e.getMessage());

    }

    @Test
    void foldersOfFoldersAreReadTwoLevelsDown() throws IOException {
        // alphabet/character/image, as Omniglot: the identities are the characters, named by their path
        FaceFiles.write(root.resolve("Angelic/character01/0965_01.png"), FaceFiles.gray(2, 2, (y, x) -> 10), "png");
        FaceFiles.write(root.resolve("Angelic/character01/0965_02.png"), FaceFiles.gray(2, 2, (y, x) -> 11), "png");
        FaceFiles.write(root.resolve("Angelic/character02/0966_01.png"), FaceFiles.gray(2, 2, (y, x) -> 20), "png");
        FaceFiles.write(root.resolve("Braille/character01/0100_01.png"), FaceFiles.gray(2, 2, (y, x) -> 30), "png");
        FaceFiles.write(root.resolve("Braille/character01/deeper/x.png"), FaceFiles.gray(2, 2, (y, x) -> 40), "png");
        Files.writeString(root.resolve("Braille/notes.txt"), "x");
        IdentityImages images = folder(IdentityFolder.OnUnreadable.SKIP).load();
        assertEquals(List.of("Angelic/character01", "Angelic/character02", "Braille/character01"), images.identities());
        assertEquals(List.of("Angelic/character01/0965_01.png", "Angelic/character01/0965_02.png",
                "Angelic/character02/0966_01.png", "Braille/character01/0100_01.png"), images.paths());
        assertEquals(List.of("Braille/notes.txt", "Braille/character01/deeper"),
                images.skipped().stream().map(IdentityImages.SkippedFile::path).toList());
        // the streaming reader lists the same classes
        try (StreamingImages streaming = StreamingImages.builder().setFolder(root).setPreprocessing(GRAY_2X2).build()) {
            assertEquals(images.identities(), streaming.classNames());
        }
    }

    @Test
    void builderNamesMissingSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdentityFolder.builder().setPreprocessing(GRAY_2X2).build());
        assertEquals("The root of an IdentityFolder must be set with setRoot(...).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> IdentityFolder.builder().setRoot(root).build());
        assertEquals("The preprocessing of an IdentityFolder must be set with setPreprocessing(...).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> IdentityFolder.builder().setRoot(root).setPreprocessing(GRAY_2X2).optExtensions().build());
        assertEquals("An IdentityFolder needs at least one file extension (optExtensions).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> IdentityFolder.builder().setRoot(root).setPreprocessing(GRAY_2X2).optOnUnreadable(null).build());
        assertEquals("What an IdentityFolder does with unreadable files (optOnUnreadable) must not be null.", e.getMessage());
    }
}
