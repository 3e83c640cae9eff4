package io.github.dml4j.datasets;

import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.IdentityFolder;
import io.github.dml4j.data.IdentityImages;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticIdentitiesTest {

    @TempDir
    Path dir;

    private static SyntheticIdentities.Builder small() {
        return SyntheticIdentities.builder().setIdentities(6).optImagesPerIdentity(4).optImageSize(32);
    }

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedDifferent() {
        LabeledImages a = small().optSeed(3).build().generate().images();
        LabeledImages b = small().optSeed(3).build().generate().images();
        LabeledImages c = small().optSeed(4).build().generate().images();
        assertEquals(a.fingerprint(), b.fingerprint());
        assertNotEquals(a.fingerprint(), c.fingerprint());
        for (int i = 0; i < a.size(); i++) {
            assertFalse(Arrays.equals(a.imageBytes(i), c.imageBytes(i)), "image " + i);
        }
    }

    @Test
    void resultDoesNotDependOnTheNumberOfThreads() throws Exception {
        SyntheticIdentities generator = small().optChannels(3).build();
        String common = generator.generate().images().fingerprint();
        for (int threads : new int[] {1, 4}) {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                // a parallel stream started inside a pool runs on that pool
                assertEquals(common, pool.submit(() -> generator.generate().images().fingerprint()).get(),
                        threads + " threads");
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void identityAndImageDependOnlyOnSeedAndIndex() {
        LabeledImages few = small().build().generate().images();
        LabeledImages more = SyntheticIdentities.builder().setIdentities(9).optImagesPerIdentity(6).optImageSize(32)
                .build().generate().images();
        for (int id = 0; id < 6; id++) {
            for (int j = 0; j < 4; j++) {
                assertArrayEquals(few.imageBytes(id * 4 + j), more.imageBytes(id * 6 + j), "identity " + id + " image " + j);
            }
        }
    }

    @Test
    void labelsAreGroupedByIdentityWithNames() {
        SyntheticIdentities.Result result = small().build().generate();
        LabeledImages images = result.images();
        assertEquals(24, images.size());
        assertEquals(1, images.channels());
        assertEquals(32, images.height());
        assertEquals(32, images.width());
        assertArrayEquals(IntStream.range(0, 24).map(i -> i / 4).toArray(), images.labels());
        assertEquals(List.of("id_0000", "id_0001", "id_0002", "id_0003", "id_0004", "id_0005"), result.names());
        assertEquals("id_12345", SyntheticIdentities.name(12345));
    }

    @Test
    void imageCountsPerIdentityStayInTheRangeAndIncludeSingletons() {
        SyntheticIdentities generator = SyntheticIdentities.builder().setIdentities(60).optImagesPerIdentity(1, 3)
                .optImageSize(16).optSeed(7).build();
        LabeledImages images = generator.generate().images();
        Map<Integer, Long> counts = Arrays.stream(images.labels()).boxed()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertEquals(60, counts.size());
        assertTrue(counts.values().stream().allMatch(c -> c >= 1 && c <= 3), counts.toString());
        assertTrue(counts.containsValue(1L), "some identities are singletons");
        assertTrue(counts.containsValue(3L), "some identities have the most images");
        assertEquals(images.size(), counts.values().stream().mapToLong(Long::longValue).sum());
        // the counts are part of the seed's output too
        assertArrayEquals(images.labels(), generator.generate().images().labels());
    }

    @Test
    void imagesAreNotBlankAndUseMuchOfThePixelRange() {
        for (int channels : new int[] {1, 3}) {
            LabeledImages images = small().optChannels(channels).build().generate().images();
            assertEquals(channels, images.channels());
            for (int i = 0; i < images.size(); i++) {
                int[] v = unsigned(images.imageBytes(i));
                double mean = Arrays.stream(v).average().orElseThrow();
                double std = Math.sqrt(Arrays.stream(v).mapToDouble(x -> (x - mean) * (x - mean)).average().orElseThrow());
                assertTrue(std > 15, "image " + i + " has pixel std " + std);
                int range = Arrays.stream(v).max().orElseThrow() - Arrays.stream(v).min().orElseThrow();
                assertTrue(range > 60, "image " + i + " spans only " + range + " gray levels");
            }
        }
    }

    @Test
    void colourImagesHaveDifferentChannels() {
        LabeledImages images = small().optChannels(3).build().generate().images();
        byte[] b = images.imageBytes(0);
        int n = 32 * 32;
        assertFalse(Arrays.equals(Arrays.copyOfRange(b, 0, n), Arrays.copyOfRange(b, n, 2 * n)));
        assertFalse(Arrays.equals(Arrays.copyOfRange(b, n, 2 * n), Arrays.copyOfRange(b, 2 * n, 3 * n)));
    }

    @Test
    void withoutVariationEachIdentityIsOneDistinctPrototype() {
        LabeledImages images = SyntheticIdentities.builder().setIdentities(40).optImagesPerIdentity(2).optImageSize(32)
                .optNoVariation().build().generate().images();
        for (int id = 0; id < 40; id++) {
            assertArrayEquals(images.imageBytes(2 * id), images.imageBytes(2 * id + 1), "identity " + id);
        }
        // every two prototypes differ clearly, not by a stray pixel
        for (int a = 0; a < 40; a++) {
            for (int b = a + 1; b < 40; b++) {
                double d = meanAbsDifference(images.imageBytes(2 * a), images.imageBytes(2 * b));
                assertTrue(d > 1.5, "identities " + a + " and " + b + " differ by " + d + " gray levels on average");
            }
        }
    }

    @Test
    void withVariationTheImagesOfAnIdentityAllDiffer() {
        LabeledImages images = small().optImagesPerIdentity(8).build().generate().images();
        for (int i = 0; i < images.size(); i++) {
            for (int j = i + 1; j < images.size() && images.label(j) == images.label(i); j++) {
                double d = meanAbsDifference(images.imageBytes(i), images.imageBytes(j));
                assertTrue(d > 5, "images " + i + " and " + j + " differ by only " + d);
            }
        }
    }

    @Test
    void structureIdentifiesTheIdentityAndMeanBrightnessDoesNot() {
        // expression, noise and a little brightness change but no pose change: raw pixels still
        // find the identity, the mean brightness does not
        LabeledImages mild = SyntheticIdentities.builder().setIdentities(30).optImagesPerIdentity(6).optImageSize(32)
                .optNoVariation().optExpression(1).optNoiseStd(0.05).optBrightnessRange(-0.05, 0.05).optSeed(1)
                .build().generate().images();
        double pixels = nearestNeighbourAccuracy(mild, false);
        double brightness = nearestNeighbourAccuracy(mild, true);
        assertTrue(pixels > 0.95, "raw-pixel 1-NN accuracy " + pixels);
        assertTrue(brightness < 0.2, "mean-brightness 1-NN accuracy " + brightness);
        // with the default variation mean brightness is no better (chance is 5/179)
        LabeledImages full = SyntheticIdentities.builder().setIdentities(30).optImagesPerIdentity(6).optImageSize(32)
                .optSeed(1).build().generate().images();
        double fullBrightness = nearestNeighbourAccuracy(full, true);
        assertTrue(fullBrightness < 0.12, "mean-brightness 1-NN accuracy " + fullBrightness);
    }

    @Test
    void writeFolderWritesLfwLayoutAndPngKeepsThePixels() throws IOException {
        for (int channels : new int[] {1, 3}) {
            Path root = dir.resolve("png" + channels);
            SyntheticIdentities.Result result = SyntheticIdentities.builder().setIdentities(3).optImagesPerIdentity(1, 3)
                    .optImageSize(24).optChannels(channels).optSeed(2).build().writeFolder(root, "PNG");
            LabeledImages images = result.images();
            List<Path> expected = expectedFiles(root, result, "png");
            assertEquals(expected, listFiles(root));
            for (int i = 0; i < images.size(); i++) {
                BufferedImage read = ImageIO.read(expected.get(i).toFile());
                assertEquals(24, read.getWidth());
                assertEquals(24, read.getHeight());
                assertArrayEquals(images.imageBytes(i), chw(read, channels), expected.get(i).toString());
            }
        }
    }

    @Test
    void resultWriteFolderReturnsTheFilesInImageOrder() throws IOException {
        SyntheticIdentities.Result result = small().build().generate();
        List<Path> files = result.writeFolder(dir, "png");
        assertEquals(expectedFiles(dir, result, "png"), files);
    }

    @Test
    void identityImagesNameEachImageAsTheWrittenPngFolderAndLoadBackTheSame() throws IOException {
        for (int channels : new int[] {1, 3}) {
            SyntheticIdentities.Result result = SyntheticIdentities.builder().setIdentities(5).optImagesPerIdentity(1, 3)
                    .optImageSize(20).optChannels(channels).optSeed(5).build().generate();
            IdentityImages ids = result.identityImages();
            Path root = dir.resolve("identities" + channels);
            List<Path> written = result.writeFolder(root, "png");

            // the paths are the written files, relative to the root with / separators
            List<String> relative = written.stream()
                    .map(p -> root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/")).toList();
            assertEquals(relative, ids.paths());
            assertEquals(expectedFiles(root, result, "png").stream()
                    .map(p -> p.getParent().getFileName() + "/" + p.getFileName()).toList(), ids.paths());
            assertEquals(result.names(), ids.identities());
            assertEquals(result.images().fingerprint(), ids.images().fingerprint());
            assertTrue(ids.skipped().isEmpty());

            // LFW-style lookups find each image by identity and number
            int[] counts = new int[result.names().size()];
            for (int i = 0; i < ids.size(); i++) {
                int label = ids.images().label(i);
                int number = ++counts[label];
                assertEquals(i, ids.indexOf(result.names().get(label), number), ids.path(i));
                assertEquals(i, ids.indexOf(ids.path(i)));
                assertEquals(number, ids.imageNumber(i));
            }
            for (int label = 0; label < counts.length; label++) {
                assertEquals(counts[label], ids.imageCount(label));
                assertEquals(-1, ids.indexOf(result.names().get(label), counts[label] + 1));
            }
            assertEquals(-1, ids.indexOf("id_0099", 1));
            assertFalse(ids.singletons().isEmpty(), "a seed with singletons, so that they are compared too");

            // the folder loader reads the PNG folder back to the same identity set
            ImagePreprocessing preprocessing = ImagePreprocessing.builder().setSize(20, 20)
                    .optColor(channels == 1 ? ColorMode.GRAYSCALE : ColorMode.RGB).build();
            IdentityImages loaded = IdentityFolder.builder().setRoot(root).setPreprocessing(preprocessing).build().load();
            assertEquals(ids.paths(), loaded.paths());
            assertEquals(ids.identities(), loaded.identities());
            assertEquals(ids.singletons(), loaded.singletons());
            assertTrue(TestImages.same(ids.images(), loaded.images()), channels + " channels");
        }
    }

    @Test
    void pgmIsBinaryP5WithTheExactPixels() throws IOException {
        SyntheticIdentities.Result result = SyntheticIdentities.builder().setIdentities(2).optImagesPerIdentity(2)
                .optImageSize(20).build().writeFolder(dir, "pgm");
        List<Path> files = expectedFiles(dir, result, "pgm");
        assertEquals(files, listFiles(dir));
        byte[] header = "P5\n20 20\n255\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < files.size(); i++) {
            byte[] bytes = Files.readAllBytes(files.get(i));
            assertEquals(header.length + 400, bytes.length);
            assertArrayEquals(header, Arrays.copyOf(bytes, header.length));
            assertArrayEquals(result.images().imageBytes(i), Arrays.copyOfRange(bytes, header.length, bytes.length));
        }
    }

    @Test
    void jpgIsReadableAndCloseToThePixels() throws IOException {
        SyntheticIdentities.Result result = SyntheticIdentities.builder().setIdentities(2).optImagesPerIdentity(2)
                .optImageSize(32).optChannels(3).build().writeFolder(dir, "jpeg");
        List<Path> files = expectedFiles(dir, result, "jpg");
        assertEquals(files, listFiles(dir));
        for (int i = 0; i < files.size(); i++) {
            BufferedImage read = ImageIO.read(files.get(i).toFile());
            double d = meanAbsDifference(result.images().imageBytes(i), chw(read, 3));
            assertTrue(d < 6, "JPEG image " + i + " is off by " + d + " gray levels on average");
        }
    }

    @Test
    void badFormatsAreRejectedBeforeAnythingIsWritten() {
        SyntheticIdentities rgb = small().optChannels(3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rgb.writeFolder(dir, "pgm"));
        assertEquals("PGM holds gray images only, but the images have 3 channels: write png or jpg.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> rgb.writeFolder(dir, "bmp"));
        assertEquals("The image format must be one of [png, jpg, pgm], got 'bmp'.", e.getMessage());
        assertFalse(Files.exists(dir.resolve("id_0000")));
    }

    @Test
    void badSettingsNameTheSetting() {
        assertMessage("The number of identities (setIdentities) must be positive, got 0.",
                SyntheticIdentities.builder());
        assertMessage("The image size (optImageSize) must be from 16 to 512 pixels, got 8.",
                small().optImageSize(8));
        assertMessage("The noise standard deviation (optNoiseStd) must be from 0 to 1, got -0.1.",
                small().optNoiseStd(-0.1));
        assertMessage("The images per identity (optImagesPerIdentity) must be a positive range min..max, got 3..2.",
                small().optImagesPerIdentity(3, 2));
        assertMessage("The images per identity (optImagesPerIdentity) must be a positive range min..max, got 0..0.",
                small().optImagesPerIdentity(0));
        assertMessage("The channels (optChannels) must be 1 or 3, got 2.", small().optChannels(2));
        assertMessage("The scale range (optScaleRange) must be positive with min <= max <= 10, got 0.0..1.0.",
                small().optScaleRange(0, 1));
        assertMessage("The maximum yaw (optMaxYaw) must be from 0 to below 90 degrees, got 90.0.",
                small().optMaxYaw(90));
        assertMessage("The maximum shift (optMaxShift) must be from 0 to 0.5, got NaN.", small().optMaxShift(Double.NaN));
        assertMessage("The brightness range (optBrightnessRange) must lie within -1..1 with min <= max, got 0.2..0.1.",
                small().optBrightnessRange(0.2, 0.1));
        assertMessage("The contrast range (optContrastRange) must be positive with min <= max <= 10, got -1.0..1.0.",
                small().optContrastRange(-1, 1));
        assertMessage("The occlusion probability (optOcclusion) must be from 0 to 1, got 1.5.", small().optOcclusion(1.5));
        assertMessage("Up to 4000000000 images are more than one generator labels (2147483647).",
                SyntheticIdentities.builder().setIdentities(200_000_000).optImagesPerIdentity(20).optImageSize(16));
        // 100,000 colour images of 128 px are generated only a block at a time
        SyntheticIdentities large = SyntheticIdentities.builder().setIdentities(5000).optImagesPerIdentity(20)
                .optImageSize(128).optChannels(3).build();
        assertEquals("100000 images of 3x128x128 do not fit in one in-memory set (2 GB of pixels): write them with"
                + " writeFolderInBlocks instead.", assertThrows(IllegalArgumentException.class, large::generate).getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SyntheticIdentities.name(-1));
        assertEquals("An identity label must not be negative, got -1.", e.getMessage());
    }

    private static void assertMessage(String expected, SyntheticIdentities.Builder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals(expected, e.getMessage());
    }

    /** root/name/name_0001.ext, ... for every image, in image order. */
    private static List<Path> expectedFiles(Path root, SyntheticIdentities.Result result, String ext) {
        int[] counts = new int[result.names().size()];
        return Arrays.stream(result.images().labels()).mapToObj(label -> {
            String name = result.names().get(label);
            return root.resolve(name).resolve(String.format("%s_%04d.%s", name, ++counts[label], ext));
        }).toList();
    }

    private static List<Path> listFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** The image's pixels in (C, H, W) order: gray, or red, green, blue planes. */
    private static byte[] chw(BufferedImage image, int channels) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[channels * w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (channels == 1) {
                    out[y * w + x] = (byte) image.getRaster().getSample(x, y, 0);
                } else {
                    int rgb = image.getRGB(x, y);
                    out[y * w + x] = (byte) (rgb >> 16);
                    out[w * h + y * w + x] = (byte) (rgb >> 8);
                    out[2 * w * h + y * w + x] = (byte) rgb;
                }
            }
        }
        return out;
    }

    private static int[] unsigned(byte[] b) {
        return IntStream.range(0, b.length).map(i -> b[i] & 0xFF).toArray();
    }

    private static double meanAbsDifference(byte[] a, byte[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
        }
        return sum / a.length;
    }

    /** Leave-one-out 1-NN accuracy on raw pixels, or on the mean brightness alone. */
    private static double nearestNeighbourAccuracy(LabeledImages images, boolean meanOnly) {
        int n = images.size();
        double[][] features = new double[n][];
        for (int i = 0; i < n; i++) {
            int[] v = unsigned(images.imageBytes(i));
            features[i] = meanOnly ? new double[] {Arrays.stream(v).average().orElseThrow()}
                    : Arrays.stream(v).asDoubleStream().toArray();
        }
        int correct = 0;
        for (int i = 0; i < n; i++) {
            double best = Double.POSITIVE_INFINITY;
            int nearest = -1;
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                double d = 0;
                for (int k = 0; k < features[i].length; k++) {
                    double t = features[i][k] - features[j][k];
                    d += t * t;
                }
                if (d < best) {
                    best = d;
                    nearest = j;
                }
            }
            if (images.label(nearest) == images.label(i)) {
                correct++;
            }
        }
        return correct / (double) n;
    }

    @Test
    void writingInBlocksWritesTheSameFilesAsWritingAtOnce(@TempDir Path dir) throws IOException {
        SyntheticIdentities generator = SyntheticIdentities.builder().setIdentities(7).optImagesPerIdentity(2, 5)
                .optImageSize(20).optChannels(3).optSeed(4).build();
        List<Path> whole = generator.generate().writeFolder(dir.resolve("whole"), "png");
        // blocks of about 2 identities' pixels: 4 or more blocks
        long written = generator.writeFolderInBlocks(dir.resolve("blocks"), "png", 2L * 5 * 3 * 20 * 20);
        assertEquals(whole.size(), written);
        for (Path file : whole) {
            Path same = dir.resolve("blocks").resolve(dir.resolve("whole").relativize(file));
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(same), same.toString());
        }
    }
}
