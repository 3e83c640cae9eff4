package io.github.dml4j.examples;

import ai.djl.ndarray.NDManager;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.StreamingImages;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How fast {@link StreamingImages} delivers training batches from an image folder (one
 * sub-folder per class): images per second decoding the files on the decoder threads, and reading
 * them back from the decoded cache, each the median of several passes. A pass reads the first
 * {@code --images} images in a seeded random order in batches, hinting each next batch to
 * {@code prefetch} before reading the current one, as a trainer does; {@code --warmup} passes
 * run first and are not counted.
 *
 * <p>{@code --generate N} first writes N random 128 x 128 RGB JPEGs into the folder (if it holds
 * no class folder yet), so that the benchmark needs no data set.
 */
@Command(name = "DecoderBenchmark", mixinStandardHelpOptions = true,
        description = "Images per second of StreamingImages with and without its decoded cache.")
public final class DecoderBenchmark implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "Folder with one sub-folder per class.")
    Path data;

    @Option(names = "--size", defaultValue = "64", description = "Training size, height and width (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rgb", description = "RGB images (default grayscale).")
    boolean rgb;

    @Option(names = "--threads", defaultValue = "2", description = "Decoder threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--images", defaultValue = "5000", description = "Images read per pass (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--batch", defaultValue = "128", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--passes", defaultValue = "3", description = "Passes of each kind; the median is reported (default ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--warmup", defaultValue = "1",
            description = "Passes of each kind run first and not counted (JIT, page cache; default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--cache", description = "The cache file (default: a temporary file, deleted at the end).")
    Path cache;

    @Option(names = "--generate", defaultValue = "0",
            description = "First write this many random 128x128 RGB JPEGs into --data, in 50 classes, if it has no class folder.")
    int generate;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the read order (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        if (size < 1 || threads < 1 || images < 1 || batch < 1 || passes < 1 || generate < 0 || warmup < 0) {
            System.err.println("DecoderBenchmark needs --size, --threads, --images, --batch and --passes >= 1,"
                    + " --warmup and --generate >= 0.");
            return 2;
        }
        if (generate > 0) {
            generate(data, generate);
        }
        ImagePreprocessing preprocessing = ImagePreprocessing.builder().setSize(size, size)
                .optColor(rgb ? ColorMode.RGB : ColorMode.GRAYSCALE).build();
        Path cacheFile = cache;
        Path tempDir = null;
        if (cacheFile == null) {
            tempDir = Files.createTempDirectory("decoder-benchmark");
            cacheFile = tempDir.resolve("decoded.bin");
        }
        try {
            double decoding;
            try (StreamingImages source = StreamingImages.builder().setFolder(data).setPreprocessing(preprocessing)
                    .optDecoderThreads(threads).build()) {
                System.out.printf(Locale.ROOT, "%s%n", source);
                decoding = median("decoding, no cache", source);
            }
            long start = System.nanoTime();
            double cached;
            try (StreamingImages source = StreamingImages.builder().setFolder(data).setPreprocessing(preprocessing)
                    .optDecoderThreads(threads).optCache(cacheFile).build()) {
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "cache %s: %s in %.1f s (%.0f images/s), %d MB%n", cacheFile,
                        source.cacheRebuilt() ? "built" : "checked", seconds, source.cacheRebuilt()
                                ? source.decodeCount() / seconds : Double.NaN, Files.size(cacheFile) >> 20);
                cached = median("cache reads", source);
            }
            System.out.printf(Locale.ROOT, "decoder images/s (median of %d, %d threads, %dx%d %s): no cache %.0f, cache %.0f"
                    + "; peak resident memory %.0f MB%n", passes, threads, size, size, rgb ? "RGB" : "gray", decoding, cached,
                    ProcessMemory.peakResidentMb());
        } finally {
            if (tempDir != null) {
                Files.deleteIfExists(cacheFile);
                Files.deleteIfExists(cacheFile.resolveSibling(cacheFile.getFileName() + ".json"));
                Files.deleteIfExists(tempDir);
            }
        }
        return 0;
    }

    /** Reads the images in passes and returns the median images per second. */
    private double median(String what, StreamingImages source) {
        int n = Math.min(images, source.size());
        double[] rates = new double[passes];
        for (int w = 0; w < warmup; w++) {
            read(source, order(n, new Random(seed - 1 - w)));
        }
        for (int pass = 0; pass < passes; pass++) {
            long[] order = order(n, new Random(seed + pass));
            long start = System.nanoTime();
            read(source, order);
            rates[pass] = n / ((System.nanoTime() - start) / 1e9);
            System.out.printf(Locale.ROOT, "%s, pass %d: %d images, %.0f images/s, resident memory %.0f MB%n", what,
                    pass + 1, n, rates[pass], ProcessMemory.residentMb());
        }
        Arrays.sort(rates);
        return rates[passes / 2];
    }

    /** Reads the images in {@code order} in batches, hinting each next batch first. */
    private void read(StreamingImages source, long[] order) {
        int n = order.length;
        try (NDManager manager = NDManager.newBaseManager()) {
            source.prefetch(Arrays.copyOfRange(order, 0, Math.min(n, batch)));
            for (int first = 0; first < n; first += batch) {
                int next = first + batch;
                if (next < n) {
                    source.prefetch(Arrays.copyOfRange(order, next, Math.min(n, next + batch)));
                }
                try (NDManager b = manager.newSubManager()) {
                    source.pixels(b, Arrays.copyOfRange(order, first, Math.min(n, first + batch)));
                }
            }
        }
    }

    private static long[] order(int n, Random random) {
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Writes {@code count} random 128 x 128 RGB JPEGs in 50 class folders, unless there are class folders. */
    private static void generate(Path root, int count) throws IOException {
        Files.createDirectories(root);
        try (Stream<Path> entries = Files.list(root)) {
            if (entries.anyMatch(Files::isDirectory)) {
                System.out.printf(Locale.ROOT, "%s already holds class folders: nothing generated.%n", root);
                return;
            }
        }
        Random random = new Random(1);
        BufferedImage image = new BufferedImage(128, 128, BufferedImage.TYPE_3BYTE_BGR);
        for (int i = 0; i < count; i++) {
            int cls = i % 50;
            int[] base = {cls * 5, 255 - cls * 5, random.nextInt(256)};
            for (int y = 0; y < 128; y++) {
                for (int x = 0; x < 128; x++) {
                    for (int c = 0; c < 3; c++) {
                        int v = base[c] + ((x + y * (c + 1)) % 64) + random.nextInt(32) - 48;
                        image.getRaster().setSample(x, y, c, Math.max(0, Math.min(255, v)));
                    }
                }
            }
            Path file = root.resolve(String.format(Locale.ROOT, "class%02d/img%05d.jpg", cls, i));
            Files.createDirectories(file.getParent());
            ImageIO.write(image, "jpg", file.toFile());
        }
        System.out.printf(Locale.ROOT, "wrote %d 128x128 RGB JPEGs into %s%n", count, root);
    }

    /**
     * Runs the benchmark.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new DecoderBenchmark()).execute(args));
    }
}
