package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.RecordingImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamingImagesTest {

    private static final ImagePreprocessing RGB = ImagePreprocessing.builder().setSize(24, 20).build();
    private static final ImagePreprocessing GRAY_RESIZE = ImagePreprocessing.builder().setSize(16, 16)
            .optColor(ColorMode.GRAYSCALE).optFit(ImagePreprocessing.Fit.RESIZE).build();

    @TempDir
    Path dir;

    /** A smooth random image (so that JPEG keeps some of it), RGB or 8-bit gray. */
    private static BufferedImage image(int height, int width, boolean rgb, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, rgb ? BufferedImage.TYPE_3BYTE_BGR : BufferedImage.TYPE_BYTE_GRAY);
        int[] base = {random.nextInt(200), random.nextInt(200), random.nextInt(200)};
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < (rgb ? 3 : 1); c++) {
                    int v = base[c] + (x * (c + 1) + y * (3 - c)) % 40 + random.nextInt(16);
                    image.getRaster().setSample(x, y, c, Math.min(255, v));
                }
            }
        }
        return image;
    }

    private static void write(Path file, int height, int width, boolean rgb, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        String format = name.endsWith(".png") ? "png" : "jpg";
        assertTrue(ImageIO.write(image(height, width, rgb, seed), format, file.toFile()), "wrote " + file);
    }

    /** Three classes of JPEG and PNG files of odd sizes, RGB and gray, plus two entries to skip. */
    private Path folder() throws IOException {
        Path root = dir.resolve("photos");
        write(root.resolve("alice/a1.jpg"), 37, 53, true, 1);
        write(root.resolve("alice/a2.png"), 41, 29, false, 2);
        write(root.resolve("alice/a3.png"), 30, 30, true, 3);
        write(root.resolve("bob/b1.jpg"), 45, 61, false, 4);
        write(root.resolve("bob/b2.PNG"), 19, 23, true, 5);
        write(root.resolve("carol/c1.jpg"), 64, 48, true, 6);
        write(root.resolve("carol/c2.png"), 17, 33, false, 7);
        write(root.resolve("carol/c3.jpg"), 50, 50, true, 8);
        Files.writeString(root.resolve("readme.txt"), "not an image");
        Files.writeString(root.resolve("bob/notes.txt"), "not an image");
        return root;
    }

    private static StreamingImages.Builder streaming(Path root, ImagePreprocessing p) {
        return StreamingImages.builder().setFolder(root).setPreprocessing(p);
    }

    private static byte[] bytes(ImageSource source, long... indices) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray pixels = source.pixels(manager, indices);
            assertEquals(DataType.UINT8, pixels.getDataType());
            assertEquals(new Shape(indices.length).addAll(source.imageShape()), pixels.getShape());
            return pixels.toByteArray();
        }
    }

    private static long[] all(ImageSource source) {
        return LongStream.range(0, source.size()).toArray();
    }

    @Test
    void pixelsLabelsAndPathsAreThoseOfIdentityFolder() throws IOException {
        Path root = folder();
        for (ImagePreprocessing p : List.of(RGB, GRAY_RESIZE)) {
            IdentityImages loaded = IdentityFolder.builder().setRoot(root).setPreprocessing(p).build().load();
            try (StreamingImages streamed = streaming(root, p).build()) {
                assertEquals(8, streamed.size());
                assertEquals(p.imageShape(), streamed.imageShape());
                assertArrayEquals(loaded.images().labels(), streamed.labels());
                assertEquals(loaded.identities(), streamed.classNames());
                assertEquals(List.of("alice/a1.jpg", "alice/a2.png", "alice/a3.png", "bob/b1.jpg", "bob/b2.PNG",
                        "carol/c1.jpg", "carol/c2.png", "carol/c3.jpg"), streamed.paths());
                assertEquals(loaded.skipped(), streamed.skipped());
                assertEquals(3, streamed.numClasses());
                assertArrayEquals(bytes(loaded.images(), all(loaded.images())), bytes(streamed, all(streamed)), p.toString());
                long[] shuffled = {7, 0, 3, 3, 5};
                assertArrayEquals(bytes(loaded.images(), shuffled), bytes(streamed, shuffled));
                assertArrayEquals(loaded.images().imageBytes(6), streamed.imageBytes(6));
                assertEquals(loaded.images().fingerprint(), streamed.fingerprint());
            }
        }
    }

    @Test
    void prefetchedBatchesAreTakenAndOtherRequestsStillGetTheirImages() throws IOException {
        Path root = folder();
        ImageSource expected = IdentityFolder.builder().setRoot(root).setPreprocessing(RGB).build().load().images();
        try (StreamingImages s = streaming(root, RGB).build()) {
            long[] a = {0, 1, 2};
            s.prefetch(a);
            assertArrayEquals(bytes(expected, a), bytes(s, a));
            assertEquals(3, s.decodeCount(), "the prefetched images were taken, not decoded again");

            // pairs: first and second images hinted as one batch, read as two
            long[] first = {7, 2};
            long[] second = {0, 7};
            s.prefetch(new long[] {7, 2, 0, 7});
            assertArrayEquals(bytes(expected, first), bytes(s, first));
            assertArrayEquals(bytes(expected, second), bytes(s, second));
            assertEquals(3 + 4, s.decodeCount());

            long[] b = {3, 4};
            long[] c = {5, 6, 7};
            s.prefetch(b);
            s.prefetch(c);
            assertArrayEquals(bytes(expected, 6, 1), bytes(s, 6, 1), "a request that matches no batch");
            assertArrayEquals(bytes(expected, c), bytes(s, c), "the second batch, the first one is now stale");
            assertArrayEquals(bytes(expected, b), bytes(s, b), "the stale batch, decoded again");
            long count = s.decodeCount();
            // the stale batch may or may not have been decoded (in part) before it was dropped
            assertTrue(count >= 7 + 2 + 3 + 2 && count <= 7 + 2 + 2 + 3 + 2, "decoded " + count);
        }
    }

    @Test
    void thePrefetchQueueIsBounded() throws IOException {
        Path root = folder();
        ImageSource expected = IdentityFolder.builder().setRoot(root).setPreprocessing(RGB).build().load().images();
        try (StreamingImages s = streaming(root, RGB).optPrefetch(2).build();
                StreamingImages off = streaming(root, RGB).optPrefetch(0).build()) {
            for (int i = 0; i < 8; i++) {
                s.prefetch(new long[] {i});
                off.prefetch(new long[] {i});
            }
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(bytes(expected, i), bytes(s, i));
                assertArrayEquals(bytes(expected, i), bytes(off, i));
            }
            assertEquals(8, off.decodeCount(), "nothing decoded ahead with optPrefetch(0)");
            assertTrue(s.decodeCount() <= 8 + 8, "the dropped hints cost at most one decode each: " + s.decodeCount());
        }
    }

    @Test
    void concurrentReadsFromFourThreadsGetTheirImages() throws Exception {
        Path root = folder();
        ImageSource expected = IdentityFolder.builder().setRoot(root).setPreprocessing(RGB).build().load().images();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (StreamingImages s = streaming(root, RGB).optDecoderThreads(3).build()) {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                runs.add(threads.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 10; i++) {
                        long[] batch = random.longs(1 + random.nextInt(6), 0, 8).toArray();
                        if (i % 2 == 0) {
                            s.prefetch(batch);
                        }
                        assertArrayEquals(bytes(expected, batch), bytes(s, batch), Arrays.toString(batch));
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void listFilesNameTheirImagesAndClasses() throws IOException {
        Path root = folder();
        Path list = root.resolve("train.tsv");
        Files.writeString(list, "# path and class\n"
                + "carol/c1.jpg\tzebra\n"
                + "\n"
                + "alice/a1.jpg,cat\n"
                + root.resolve("bob/b1.jpg").toAbsolutePath() + "\tzebra\n"
                + "alice/a2.png\t cat \n");
        ImageSource expected = IdentityFolder.builder().setRoot(root).setPreprocessing(RGB).build().load().images();
        try (StreamingImages s = StreamingImages.builder().setListFile(list).setPreprocessing(RGB).build()) {
            assertEquals(List.of("cat", "zebra"), s.classNames());
            assertArrayEquals(new int[] {1, 0, 1, 0}, s.labels());
            assertEquals(List.of("carol/c1.jpg", "alice/a1.jpg", root.resolve("bob/b1.jpg").toAbsolutePath().toString(),
                    "alice/a2.png"), s.paths());
            assertArrayEquals(bytes(expected, 5, 0, 3, 1), bytes(s, all(s)));
        }

        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "photos/alice/a1.jpg,cat\n\nphotos/alice/a2.png\n");
        assertEquals("Line 3 of the image list " + bad + " is malformed: expected 'path<TAB>label' or 'path,label',"
                        + " got 'photos/alice/a2.png'.",
                assertThrows(IOException.class, () -> StreamingImages.builder().setListFile(bad).setPreprocessing(RGB)
                        .build()).getMessage());
        Files.writeString(bad, "photos/alice/a1.jpg,cat\nphotos/alice/missing.jpg,cat\n");
        assertEquals("The image file " + dir.resolve("photos/alice/missing.jpg") + " named on line 2 of the image list "
                        + bad + " does not exist.",
                assertThrows(IOException.class, () -> StreamingImages.builder().setListFile(bad).setPreprocessing(RGB)
                        .build()).getMessage());
    }

    @Test
    void theCacheIsBuiltOnceReusedAndRebuiltWhenAFileChanges() throws IOException {
        Path root = folder();
        Path cache = dir.resolve("cache/photos.bin");
        byte[] first;
        try (StreamingImages s = streaming(root, RGB).optCache(cache).build()) {
            assertTrue(s.cacheRebuilt());
            assertEquals(8, s.decodeCount(), "building the cache decodes every file once");
            first = bytes(s, all(s));
            assertEquals(8, s.decodeCount(), "reads come from the cache");
            assertEquals(8L * 3 * 24 * 20, Files.size(cache));
            assertTrue(Files.exists(cache.resolveSibling("photos.bin.json")));
        }
        ImageSource expected = IdentityFolder.builder().setRoot(root).setPreprocessing(RGB).build().load().images();
        assertArrayEquals(bytes(expected, all(expected)), first);

        try (StreamingImages s = streaming(root, RGB).optCache(cache).build()) {
            assertFalse(s.cacheRebuilt());
            s.prefetch(new long[] {4, 2});
            assertArrayEquals(first, bytes(s, all(s)));
            assertArrayEquals(bytes(expected, 4, 2), bytes(s, 4, 2));
            assertEquals(0, s.decodeCount(), "the second open decodes nothing");
            assertEquals(cache, s.cacheFile());
        }

        // a file rewritten with another size
        write(root.resolve("alice/a2.png"), 52, 21, false, 99);
        ImageSource changed = IdentityFolder.builder().setRoot(root).setPreprocessing(RGB).build().load().images();
        try (StreamingImages s = streaming(root, RGB).optCache(cache).build()) {
            assertTrue(s.cacheRebuilt());
            assertArrayEquals(bytes(changed, all(changed)), bytes(s, all(s)));
        }
        // a file touched: same size, another last-modified time
        Path touched = root.resolve("carol/c2.png");
        Files.setLastModifiedTime(touched, FileTime.fromMillis(Files.getLastModifiedTime(touched).toMillis() + 5_000));
        try (StreamingImages s = streaming(root, RGB).optCache(cache).build()) {
            assertTrue(s.cacheRebuilt());
        }
        // another preprocessing; then a file added
        try (StreamingImages s = streaming(root, GRAY_RESIZE).optCache(cache).build()) {
            assertTrue(s.cacheRebuilt());
            assertEquals(8L * 16 * 16, Files.size(cache));
        }
        write(root.resolve("bob/b3.jpg"), 33, 35, true, 10);
        try (StreamingImages s = streaming(root, GRAY_RESIZE).optCache(cache).build()) {
            assertTrue(s.cacheRebuilt());
            assertEquals(9, s.size());
            assertEquals(9, s.decodeCount());
        }
        try (StreamingImages s = streaming(root, GRAY_RESIZE).optCache(cache).build()) {
            assertFalse(s.cacheRebuilt());
            assertEquals(0, s.decodeCount());
        }
        try (var files = Files.list(cache.getParent())) {
            assertEquals(List.of("photos.bin", "photos.bin.json"), files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "no temporary file is left");
        }
    }

    @Test
    void anUnreadableFileIsSkippedByTheCacheAndNamedByPixelsWithout() throws IOException {
        Path root = folder();
        Path broken = FaceFiles.truncatedJpeg(root.resolve("bob/b0.jpg"));
        try (StreamingImages s = streaming(root, RGB).optCache(dir.resolve("c.bin")).build()) {
            assertEquals(8, s.size());
            assertEquals(List.of("bob/b0.jpg", "bob/notes.txt", "readme.txt"),
                    s.skipped().stream().map(IdentityImages.SkippedFile::path).sorted().toList());
            ImageSource expected = IdentityFolder.builder().setRoot(root).setPreprocessing(RGB).build().load().images();
            assertArrayEquals(bytes(expected, all(expected)), bytes(s, all(s)));
        }
        try (StreamingImages s = streaming(root, RGB).optCache(dir.resolve("c.bin")).build()) {
            assertFalse(s.cacheRebuilt());
            assertTrue(s.skipped().stream().anyMatch(f -> f.path().equals("bob/b0.jpg")), "still listed on reuse");
        }
        try (StreamingImages s = streaming(root, RGB).build()) {
            assertEquals(9, s.size(), "without a cache nothing is decoded ahead");
            assertEquals("bob/b0.jpg", s.paths().get(3));
            assertArrayEquals(bytes(s, 4), bytes(s, 4), "the other images read");
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> bytes(s, 2, 3));
            assertTrue(e.getMessage().startsWith("Image 3 (file " + broken + ") could not be decoded: The JPEG file "
                    + broken + " is corrupt"), e.getMessage());
            s.prefetch(new long[] {3});
            assertThrows(UncheckedIOException.class, () -> bytes(s, 3), "also when prefetched");
        }
    }

    @Test
    void indicesOutOfRangeAreNamedAsTheContractSays() throws IOException {
        try (StreamingImages s = streaming(folder(), RGB).build()) {
            assertEquals("Image index 8 is outside this set of 8 images.",
                    assertThrows(IndexOutOfBoundsException.class, () -> bytes(s, 0, 8)).getMessage());
            assertEquals("Image index -1 is outside this set of 8 images.",
                    assertThrows(IndexOutOfBoundsException.class, () -> s.prefetch(new long[] {-1})).getMessage());
            assertEquals("Image index 12 is outside this set of 8 images.",
                    assertThrows(IndexOutOfBoundsException.class, () -> s.label(12)).getMessage());
            assertEquals("Image index 9 is outside this set of 8 images.",
                    assertThrows(IndexOutOfBoundsException.class, () -> s.imageBytes(9)).getMessage());
            s.close();
            assertThrows(IllegalStateException.class, () -> bytes(s, 0));
        }
    }

    @Test
    void viewsForwardPrefetchWithTheSourcesIndices() throws IOException {
        LabeledImages images = TestImages.generate(3, 4, 6, 6, 1);
        RecordingImages recording = new RecordingImages(images);
        List<long[]> hints = recording.hints();
        ImageSource subset = recording.subset(new int[] {9, 2, 5});
        subset.prefetch(new long[] {2, 0});
        subset.subset(new int[] {1, 2}).prefetch(new long[] {1});
        int[] labels = images.labels();
        ImageSource second = recording.filterLabels(l -> l == labels[7]);
        second.prefetch(new long[] {0});
        assertEquals(3, hints.size());
        assertArrayEquals(new long[] {5, 9}, hints.get(0));
        assertArrayEquals(new long[] {5}, hints.get(1));
        int firstOfLabel = 0;
        while (labels[firstOfLabel] != labels[7]) {
            firstOfLabel++;
        }
        assertArrayEquals(new long[] {firstOfLabel}, hints.get(2));
        assertThrows(IndexOutOfBoundsException.class, () -> subset.prefetch(new long[] {3}));

        // and through to a streaming source, whose queue then serves the view's read
        try (StreamingImages s = streaming(folder(), RGB).build()) {
            ImageSource view = s.subset(new int[] {6, 1, 4});
            view.prefetch(new long[] {2, 0});
            byte[] read = bytes(view, 2, 0);
            assertArrayEquals(bytes(s, 4, 6), read);
            assertEquals(2 + 2, s.decodeCount(), "the view's read took the prefetched batch");
        }
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("StreamingImages needs its images: call setFolder(...) or setListFile(...).",
                assertThrows(IllegalArgumentException.class, () -> StreamingImages.builder().setPreprocessing(RGB).build())
                        .getMessage());
        assertEquals("StreamingImages reads either a folder (setFolder) or a list file (setListFile), not both.",
                assertThrows(IllegalArgumentException.class, () -> StreamingImages.builder().setFolder(dir)
                        .setListFile(dir.resolve("a.tsv")).setPreprocessing(RGB).build()).getMessage());
        assertEquals("The preprocessing of StreamingImages must be set with setPreprocessing(...).",
                assertThrows(IllegalArgumentException.class, () -> StreamingImages.builder().setFolder(dir).build())
                        .getMessage());
        assertEquals("The decoder threads of StreamingImages (optDecoderThreads) must be at least 1, got 0.",
                assertThrows(IllegalArgumentException.class, () -> streaming(dir, RGB).optDecoderThreads(0).build())
                        .getMessage());
        assertEquals("The prefetched batches of StreamingImages (optPrefetch) must be at least 0, got -1.",
                assertThrows(IllegalArgumentException.class, () -> streaming(dir, RGB).optPrefetch(-1).build())
                        .getMessage());
        assertEquals("The identity folder root " + dir.resolve("none") + " does not exist.",
                assertThrows(IOException.class, () -> streaming(dir.resolve("none"), RGB).build()).getMessage());
    }

    @Test
    void describesItselfAndNamesItsDecoderThreads() throws IOException {
        Path root = folder();
        try (StreamingImages s = streaming(root, RGB).optDecoderThreads(2).build()) {
            assertEquals("StreamingImages{8 images of 3 classes from " + root + ", " + RGB + ", 2 decoder threads}",
                    s.toString());
            assertNull(s.cacheFile());
            bytes(s, all(s));
            long named = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("dml4j-decoder-") && t.isDaemon()).count();
            assertTrue(named >= 2, "daemon decoder threads: " + named);
        }
    }
}
