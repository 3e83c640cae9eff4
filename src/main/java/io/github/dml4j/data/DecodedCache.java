package io.github.dml4j.data;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

/**
 * The decoded-image cache of {@link StreamingImages}: one data file holding every readable image
 * at the training size, image after image ({@code N x C*H*W} bytes, nothing else), and a JSON
 * side file ({@code <data file>.json}) recording the format, the preprocessing, every listed
 * file with its class, size in bytes and last-modified time, and the files that could not be
 * decoded with the reason.
 *
 * <p>{@link #open} checks the side file against the files listed now and the preprocessing asked
 * for; if anything differs (or a part is missing or unreadable) it logs why and builds the cache
 * again by decoding every file on the {@link DecoderPool}, logging progress about every 10%.
 * Both files are written to temporary files in the same folder and moved into place
 * atomically, the side file last, so an interrupted build leaves no cache that passes the check.
 *
 * <p>Reads are positional {@link FileChannel#read(ByteBuffer, long)} calls into the caller's
 * array: the bytes pass through the operating system's page cache, which is not part of the
 * process's resident memory, so reading a cache larger than memory keeps the process RSS flat. A
 * memory-mapped file would instead add every page touched to the process's RSS (reclaimable,
 * but counted, and looking like a leak to anyone watching the process).
 */
final class DecodedCache implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(DecodedCache.class);

    /** The format written in the side file; a cache of another format is rebuilt. */
    static final String FORMAT = "dml4j-decoded-cache-1";

    private static final int CHUNK = 256;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    /** Decodes one file to its (C, H, W) training-size bytes. */
    @FunctionalInterface
    interface Decoder {

        /**
         * @param file the image file
         * @param manager the calling thread's manager
         * @return {@code C * H * W} bytes
         * @throws IOException naming the file if it cannot be decoded
         */
        byte[] decode(Path file, NDManager manager) throws IOException;
    }

    /** A file of the listing as the side file records it. */
    record FileStamp(String path, String className, long size, long modified) {}

    /** A listed file that could not be decoded: its position in the listing and why. */
    record Unreadable(int file, String reason) {}

    /** The side file. */
    record Header(String format, int height, int width, String color, String fit, int imageBytes, int images,
            List<FileStamp> files, List<Unreadable> unreadable) {}

    private final Path file;
    private final FileChannel channel;
    private final int imageBytes;
    private final int[] kept;
    private final List<Unreadable> unreadable;
    private final boolean rebuilt;

    private DecodedCache(Path file, FileChannel channel, int imageBytes, int[] kept, List<Unreadable> unreadable,
            boolean rebuilt) {
        this.file = file;
        this.channel = channel;
        this.imageBytes = imageBytes;
        this.kept = kept;
        this.unreadable = List.copyOf(unreadable);
        this.rebuilt = rebuilt;
    }

    /** The side file of a data file. */
    static Path sideFile(Path dataFile) {
        return dataFile.resolveSibling(dataFile.getFileName() + ".json");
    }

    /**
     * Opens the cache at {@code dataFile} for {@code files}, building it if it is missing or
     * stale.
     *
     * @param dataFile the data file; the side file sits beside it
     * @param preprocessing the preprocessing of the cached images
     * @param files the listed files, in image order
     * @param pool decodes the files when the cache is built
     * @param decoder decodes one file
     * @return the open cache
     * @throws IOException if a listed file cannot be examined or the cache cannot be written or read
     */
    static DecodedCache open(Path dataFile, ImagePreprocessing preprocessing, List<ListedImage> files,
            DecoderPool pool, Decoder decoder) throws IOException {
        int imageBytes = Math.toIntExact(preprocessing.imageShape().size());
        List<FileStamp> stamps = new ArrayList<>(files.size());
        for (ListedImage f : files) {
            BasicFileAttributes a = Files.readAttributes(f.file(), BasicFileAttributes.class);
            stamps.add(new FileStamp(f.path(), f.className(), a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)));
        }
        Header expected = header(preprocessing, imageBytes, 0, stamps, List.of());
        String stale = staleReason(dataFile, expected);
        Header header;
        boolean rebuilt = stale != null;
        if (stale == null) {
            header = readHeader(dataFile);
            logger.info("Reading decoded images from the cache {} ({} images).", dataFile, header.images());
        } else {
            logger.info("Building the decoded cache {}: {}", dataFile, stale);
            header = build(dataFile, preprocessing, imageBytes, files, stamps, pool, decoder);
        }
        int[] kept = keptFiles(files.size(), header.unreadable());
        FileChannel channel = FileChannel.open(dataFile, StandardOpenOption.READ);
        return new DecodedCache(dataFile, channel, imageBytes, kept, header.unreadable(), rebuilt);
    }

    /** The positions in the listing of the cached images, in cache order. */
    int[] kept() {
        return kept.clone();
    }

    /** The listed files that could not be decoded, with the reason. */
    List<Unreadable> unreadable() {
        return unreadable;
    }

    /** Whether {@link #open} built the cache (rather than finding it valid). */
    boolean rebuilt() {
        return rebuilt;
    }

    /** The data file. */
    Path file() {
        return file;
    }

    /**
     * Reads cached image {@code index} into {@code target} at {@code offset}.
     *
     * @throws IOException if the data file cannot be read or ends early
     */
    void read(long index, byte[] target, int offset) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(target, offset, imageBytes);
        long position = index * imageBytes;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new EOFException("The decoded cache " + file + " ends before image " + index + ".");
            }
            position += n;
        }
    }

    /** Closes the data file. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static Header header(ImagePreprocessing p, int imageBytes, int images, List<FileStamp> stamps,
            List<Unreadable> unreadable) {
        return new Header(FORMAT, p.height(), p.width(), p.color().name(), p.fit().name(), imageBytes, images, stamps,
                unreadable);
    }

    /** Why the cache cannot be used as it is, or null if it can. */
    private static String staleReason(Path dataFile, Header expected) throws IOException {
        Path side = sideFile(dataFile);
        if (!Files.exists(dataFile)) {
            return "it does not exist yet.";
        }
        if (!Files.exists(side)) {
            return "its side file " + side + " is missing.";
        }
        Header found;
        try {
            found = readHeader(dataFile);
        } catch (IOException | JsonParseException e) {
            return "its side file " + side + " cannot be read (" + e.getMessage() + ").";
        }
        if (found == null || !FORMAT.equals(found.format())) {
            return "its side file " + side + " is of another format (" + (found == null ? null : found.format()) + ").";
        }
        if (found.height() != expected.height() || found.width() != expected.width()
                || !expected.color().equals(found.color()) || !expected.fit().equals(found.fit())
                || found.imageBytes() != expected.imageBytes()) {
            return "the preprocessing changed from " + found.height() + "x" + found.width() + " " + found.color() + " "
                    + found.fit() + " to " + expected.height() + "x" + expected.width() + " " + expected.color() + " "
                    + expected.fit() + ".";
        }
        List<FileStamp> was = found.files() == null ? List.of() : found.files();
        List<FileStamp> now = expected.files();
        for (int i = 0; i < Math.min(was.size(), now.size()); i++) {
            FileStamp a = was.get(i);
            FileStamp b = now.get(i);
            if (!Objects.equals(a.path(), b.path()) || !Objects.equals(a.className(), b.className())) {
                return "the file list changed: file " + i + " was " + a.path() + " (class " + a.className() + "), now "
                        + b.path() + " (class " + b.className() + ").";
            }
            if (a.size() != b.size()) {
                return "the file " + b.path() + " changed size from " + a.size() + " to " + b.size() + " bytes.";
            }
            if (a.modified() != b.modified()) {
                return "the file " + b.path() + " was modified (its last-modified time changed).";
            }
        }
        if (was.size() != now.size()) {
            return "the file list changed from " + was.size() + " to " + now.size() + " files.";
        }
        List<Unreadable> unreadable = found.unreadable() == null ? List.of() : found.unreadable();
        for (Unreadable u : unreadable) {
            if (u == null || u.file() < 0 || u.file() >= now.size()) {
                return "its side file " + side + " names an unreadable file outside the file list.";
            }
        }
        int images = keptFiles(now.size(), unreadable).length;
        long expectedBytes = (long) images * expected.imageBytes();
        long size = Files.size(dataFile);
        if (found.images() != images || size != expectedBytes) {
            return "the data file holds " + size + " bytes, expected " + expectedBytes + " (" + images + " images of "
                    + expected.imageBytes() + " bytes).";
        }
        return null;
    }

    private static Header readHeader(Path dataFile) throws IOException {
        try (Reader reader = Files.newBufferedReader(sideFile(dataFile), StandardCharsets.UTF_8)) {
            return GSON.fromJson(reader, Header.class);
        }
    }

    private static int[] keptFiles(int files, List<Unreadable> unreadable) {
        boolean[] bad = new boolean[files];
        for (Unreadable u : unreadable) {
            bad[u.file()] = true;
        }
        return java.util.stream.IntStream.range(0, files).filter(i -> !bad[i]).toArray();
    }

    private static Header build(Path dataFile, ImagePreprocessing preprocessing, int imageBytes,
            List<ListedImage> files, List<FileStamp> stamps, DecoderPool pool, Decoder decoder) throws IOException {
        Path dir = dataFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path side = sideFile(dataFile);
        Path dataTmp = Files.createTempFile(dir, dataFile.getFileName() + ".", ".tmp");
        Path sideTmp = Files.createTempFile(dir, side.getFileName() + ".", ".tmp");
        long start = System.nanoTime();
        int n = files.size();
        List<Unreadable> unreadable = new ArrayList<>();
        DecoderPool.ImageJob job = (index, target, offset, manager) -> {
            byte[] chw = decoder.decode(files.get((int) index).file(), manager);
            System.arraycopy(chw, 0, target, offset, imageBytes);
        };
        try {
            try (FileChannel out = FileChannel.open(dataTmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                DecodingBatch next = chunk(0, n, imageBytes, pool, job);
                int lastTenth = 0;
                for (int first = 0; first < n; first += CHUNK) {
                    DecodingBatch current = next;
                    next = first + CHUNK < n ? chunk(first + CHUNK, n, imageBytes, pool, job) : null;
                    current.await();
                    for (int p = 0; p < current.size(); p++) {
                        Exception error = current.error(p);
                        if (error != null) {
                            ListedImage f = files.get(first + p);
                            String reason = reason(f.file(), error);
                            logger.warn("Skipping a file: {}", reason);
                            unreadable.add(new Unreadable(first + p, reason));
                            continue;
                        }
                        ByteBuffer bytes = ByteBuffer.wrap(current.bytes(), p * imageBytes, imageBytes);
                        while (bytes.hasRemaining()) {
                            out.write(bytes);
                        }
                    }
                    int done = Math.min(n, first + CHUNK);
                    int tenth = (int) (10L * done / n);
                    if (tenth > lastTenth) {
                        lastTenth = tenth;
                        logger.info("Decoded cache {}: {} of {} images ({}%), {} s", dataFile, done, n, 10 * tenth,
                                String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
                    }
                }
                out.force(false);
            }
            Header header = header(preprocessing, imageBytes, n - unreadable.size(), stamps, unreadable);
            try (Writer writer = Files.newBufferedWriter(sideTmp, StandardCharsets.UTF_8)) {
                GSON.toJson(header, writer);
            }
            Files.deleteIfExists(side);
            move(dataTmp, dataFile);
            move(sideTmp, side);
            logger.info("Built the decoded cache {}: {} images ({} bytes), {} files unreadable, in {} s.", dataFile,
                    header.images(), (long) header.images() * imageBytes, unreadable.size(),
                    String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
            return header;
        } finally {
            Files.deleteIfExists(dataTmp);
            Files.deleteIfExists(sideTmp);
        }
    }

    private static DecodingBatch chunk(int first, int n, int imageBytes, DecoderPool pool, DecoderPool.ImageJob job) {
        DecodingBatch batch = new DecodingBatch(LongStream.range(first, Math.min(n, first + CHUNK)).toArray(), imageBytes);
        pool.submit(batch, job, DecoderPool.Priority.NOW);
        return batch;
    }

    /** The error's message if it names the file, else a sentence that does. */
    static String reason(Path file, Exception error) {
        String message = error.getMessage();
        if (message != null && message.contains(file.toString())) {
            return message;
        }
        return "The image file " + file + " could not be decoded: " + error + ".";
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new IOException("Could not move the decoded cache file " + from + " to " + to + ".", e);
        }
    }
}
