package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Labelled images read from their files when they are asked for, for photo collections larger
 * than memory: an {@link ImageSource} over a class folder (one sub-folder per class or identity,
 * listed exactly as {@link IdentityFolder} lists it: same extensions, sorted order and labels) or
 * over an image list ({@code path<TAB>label} or {@code path,label} lines; relative paths are
 * relative to the list's folder; class names are numbered 0..n-1 in sorted order).
 *
 * <p>Only the file list and the labels are held in memory. {@link #pixels} decodes the requested
 * files on a pool of decoder threads ({@link Builder#optDecoderThreads}, default 2; daemon threads
 * named {@code dml4j-decoder-<n>-<m>}), the images of one batch in parallel, each thread with its
 * own {@link NDManager}, and brings them to the training size with the same
 * {@link ImagePreprocessing} as {@link IdentityFolder}: the pixels are bit for bit those that
 * {@code IdentityFolder.load()} gives for the same folder.
 *
 * <p><b>Prefetch.</b> {@link #prefetch(long[])} starts decoding a batch in the background; up to
 * {@link Builder#optPrefetch} batches (default 4) are kept in a first-in first-out queue (a hint
 * beyond that drops the oldest, so memory stays bounded). A {@link #pixels} call whose indices
 * are the next images of a queued batch takes them (waiting for the rest of the decoding if
 * needed) and drops the batches queued before it; any other call decodes its images at once,
 * ahead of the queued work. A trainer hints the next few batches, e.g. with
 * {@code batches.images().prefetch(batches.imageIndices(next))}.
 *
 * <p><b>Cache.</b> With {@link Builder#optCache(Path)}, {@link Builder#build()} decodes every file
 * once into one file of training-size pixels (N x C*H*W bytes) with a JSON side file recording
 * the preprocessing and each file's path, class, size and last-modified time; the next
 * {@code build()} checks them against the files and the preprocessing and rebuilds the cache if
 * anything differs, logging why. Images are then read from the cache with positional reads,
 * which keep the process's resident memory flat (see {@code DecodedCache}). As the cache build
 * decodes every file, an unreadable file is skipped with one SLF4J warning and listed in
 * {@link #skipped()} (a class left without images is left out), as {@link IdentityFolder} does;
 * without a cache nothing is decoded ahead, and a file that fails to decode makes
 * {@link #pixels} throw an {@link UncheckedIOException} naming the file and the index.
 *
 * <pre>{@code
 * try (StreamingImages photos = StreamingImages.builder()
 *         .setFolder(Path.of("photos"))
 *         .setPreprocessing(ImagePreprocessing.builder().setSize(112, 112).build())
 *         .optDecoderThreads(4)
 *         .optCache(Path.of("photos-112.cache"))
 *         .build()) {
 *     ClassBatches batches = ClassBatches.builder().setImages(photos)...build();
 * }
 * }</pre>
 *
 * <p>Thread-safe and immutable as {@link ImageSource} requires. {@link #close()} stops the decoder
 * threads and closes the cache; a closed source throws {@link IllegalStateException} on reads.
 */
public final class StreamingImages implements ImageSource, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(StreamingImages.class);

    private final String origin;
    private final ImagePreprocessing preprocessing;
    private final Shape shape;
    private final int imageBytes;
    private final List<ListedImage> images;
    private final int[] labels;
    private final List<String> classNames;
    private final List<IdentityImages.SkippedFile> skipped;
    private final DecoderPool pool;
    private final PrefetchQueue queue;
    private final DecodedCache cache;
    private final AtomicLong decoded = new AtomicLong();
    private volatile String fingerprint;
    private volatile boolean closed;

    private StreamingImages(Builder b) throws IOException {
        this.preprocessing = b.preprocessing;
        this.shape = preprocessing.imageShape();
        this.imageBytes = Math.toIntExact(shape.size());
        List<IdentityImages.SkippedFile> skipped = new ArrayList<>();
        List<ListedImage> listed;
        if (b.folder != null) {
            this.origin = b.folder.toString();
            listed = listFolder(b.folder, b.extensions, skipped);
        } else {
            this.origin = b.listFile.toString();
            listed = ImageListFile.read(b.listFile);
        }
        this.pool = new DecoderPool(b.decoderThreads, "dml4j-decoder");
        this.queue = b.prefetch > 0 ? new PrefetchQueue(b.prefetch) : null;
        DecodedCache opened = null;
        try {
            if (b.cache != null) {
                opened = DecodedCache.open(b.cache, preprocessing, listed, pool, this::decode);
                List<ListedImage> kept = new ArrayList<>();
                for (int i : opened.kept()) {
                    kept.add(listed.get(i));
                }
                for (DecodedCache.Unreadable u : opened.unreadable()) {
                    ListedImage f = listed.get(u.file());
                    if (!opened.rebuilt()) {
                        logger.warn("Skipping a file: {}", u.reason());
                    }
                    skipped.add(new IdentityImages.SkippedFile(f.path(), u.reason()));
                }
                warnEmptyClasses(listed, kept);
                listed = kept;
            }
        } catch (IOException | RuntimeException e) {
            pool.close();
            if (opened != null) {
                opened.close();
            }
            throw e;
        }
        this.cache = opened;
        if (listed.isEmpty()) {
            close();
            throw new IOException("No readable image was found in " + origin + " (" + skipped.size() + " files skipped).");
        }
        this.images = List.copyOf(listed);
        TreeSet<String> names = new TreeSet<>();
        images.forEach(f -> names.add(f.className()));
        this.classNames = List.copyOf(names);
        Map<String, Integer> label = new TreeMap<>();
        for (String name : classNames) {
            label.put(name, label.size());
        }
        this.labels = images.stream().mapToInt(f -> label.get(f.className())).toArray();
        this.skipped = List.copyOf(skipped);
        logger.info("Streaming {} images of {} classes from {} ({}, {} decoder threads, {}{} files skipped)",
                images.size(), classNames.size(), origin, preprocessing, pool.threads(),
                cache == null ? "no cache, " : "cache " + cache.file() + ", ", skipped.size());
    }

    /**
     * A builder; a folder or a list file, and the preprocessing, are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private static List<ListedImage> listFolder(Path root, Set<String> extensions,
            List<IdentityImages.SkippedFile> skipped) throws IOException {
        ClassFolderListing listing = ClassFolderListing.list(root, extensions, (entry, reason) -> {
            logger.warn("Skipping a file: {}", reason);
            skipped.add(new IdentityImages.SkippedFile(ClassFolderListing.relative(root, entry), reason));
        });
        List<ListedImage> listed = new ArrayList<>();
        for (int f = 0; f < listing.folders().size(); f++) {
            Path folder = listing.folders().get(f);
            if (listing.files().get(f).isEmpty()) {
                logger.warn("The identity folder {} holds no readable image; the identity is left out.", folder);
            }
            for (Path file : listing.files().get(f)) {
                listed.add(new ListedImage(file, ClassFolderListing.relative(root, file), listing.name(f)));
            }
        }
        return listed;
    }

    private static void warnEmptyClasses(List<ListedImage> listed, List<ListedImage> kept) {
        Set<String> before = new TreeSet<>();
        listed.forEach(f -> before.add(f.className()));
        kept.forEach(f -> before.remove(f.className()));
        for (String name : before) {
            logger.warn("The class {} holds no readable image; it is left out.", name);
        }
    }

    /** Decodes one file to its training-size bytes and counts it. */
    private byte[] decode(Path file, NDManager manager) throws IOException {
        byte[] chw = preprocessing.apply(ImageFiles.read(file), manager);
        decoded.incrementAndGet();
        return chw;
    }

    /** Brings image {@code index} into {@code target}: from the cache, or by decoding its file. */
    private void load(long index, byte[] target, int offset, NDManager manager) throws IOException {
        if (cache != null) {
            cache.read(index, target, offset);
        } else {
            System.arraycopy(decode(images.get((int) index).file(), manager), 0, target, offset, imageBytes);
        }
    }

    private DecodingBatch start(long[] indices, DecoderPool.Priority priority) {
        DecodingBatch batch = new DecodingBatch(indices, imageBytes);
        pool.submit(batch, this::load, priority);
        return batch;
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public Shape imageShape() {
        return shape;
    }

    @Override
    public int label(int index) {
        ImageSources.checkIndex(index, images.size());
        return labels[index];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    /**
     * Decodes (or reads from the cache) the images at {@code indices}, or takes them from the
     * prefetch queue when they are the next images of a queued batch; see the class description.
     *
     * @throws UncheckedIOException naming the file and the index if an image cannot be decoded
     *     or the cache cannot be read
     * @throws IllegalStateException if this source is closed
     */
    @Override
    public NDArray pixels(NDManager manager, long[] indices) {
        checkIndices(indices);
        byte[] bytes = read(indices);
        Shape batchShape = new Shape(indices.length).addAll(shape);
        return manager.create(ByteBuffer.wrap(bytes), batchShape, DataType.UINT8);
    }

    /** The raw bytes of images at {@code indices}, (B, C, H, W) order. */
    private byte[] read(long[] indices) {
        checkOpen();
        PrefetchQueue.Slice slice = queue == null ? null : queue.take(indices);
        if (slice != null) {
            DecodingBatch batch = slice.batch();
            batch.await();
            for (int p = slice.from(); p < slice.from() + slice.count(); p++) {
                rethrow(batch.indices()[p], batch.error(p));
            }
            if (slice.from() == 0 && slice.count() == batch.size()) {
                return batch.bytes();
            }
            byte[] part = new byte[slice.count() * imageBytes];
            System.arraycopy(batch.bytes(), slice.from() * imageBytes, part, 0, part.length);
            return part;
        }
        if (cache != null) {
            byte[] bytes = new byte[Math.multiplyExact(indices.length, imageBytes)];
            for (int p = 0; p < indices.length; p++) {
                try {
                    cache.read(indices[p], bytes, p * imageBytes);
                } catch (IOException e) {
                    rethrow(indices[p], e);
                }
            }
            return bytes;
        }
        DecodingBatch batch = start(indices, DecoderPool.Priority.NOW);
        batch.await();
        for (int p = 0; p < indices.length; p++) {
            rethrow(indices[p], batch.error(p));
        }
        return batch.bytes();
    }

    private void rethrow(long index, Exception error) {
        if (error == null) {
            return;
        }
        Path file = images.get((int) index).file();
        String what = cache != null ? "read from the decoded cache " + cache.file() : "decoded";
        String message = "Image " + index + " (file " + file + ") could not be " + what + ": "
                + DecodedCache.reason(file, error);
        throw new UncheckedIOException(message, error instanceof IOException io ? io : new IOException(error));
    }

    /**
     * Starts decoding the images at {@code indices} in the background, into the prefetch queue,
     * so that a following {@link #pixels} call for the same indices (or for their first part)
     * finds them ready. Does nothing with {@code optPrefetch(0)} or for an empty batch.
     *
     * @throws IndexOutOfBoundsException naming the index and the size if an index is out of range
     * @throws IllegalStateException if this source is closed
     */
    @Override
    public void prefetch(long[] indices) {
        checkIndices(indices);
        checkOpen();
        if (queue != null) {
            queue.offer(indices.clone(), i -> start(i, DecoderPool.Priority.AHEAD));
        }
    }

    @Override
    public byte[] imageBytes(int index) {
        ImageSources.checkIndex(index, images.size());
        return read(new long[] {index});
    }

    private void checkIndices(long[] indices) {
        Objects.requireNonNull(indices, "indices");
        int size = images.size();
        for (long index : indices) {
            ImageSources.checkIndex(index, size);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This StreamingImages of " + origin + " is closed.");
        }
    }

    /**
     * The class names, indexed by label: sorted folder names or list labels.
     *
     * @return an unmodifiable list
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The file of each image, in image order: relative to the folder with {@code /} separators, or
     * as the list file wrote it.
     *
     * @return an unmodifiable list of {@link #size()} paths
     */
    public List<String> paths() {
        return images.stream().map(ListedImage::path).toList();
    }

    /**
     * The files left out: entries of the folder that are not images of a class folder and, with
     * a cache, the files that could not be decoded, each with its reason.
     *
     * @return an unmodifiable list
     */
    public List<IdentityImages.SkippedFile> skipped() {
        return skipped;
    }

    /**
     * How each image is sized and coloured.
     *
     * @return the preprocessing
     */
    public ImagePreprocessing preprocessing() {
        return preprocessing;
    }

    /**
     * How many images this source has decoded from their files so far (building the cache
     * included); reads from the cache are not counted.
     *
     * @return the count
     */
    public long decodeCount() {
        return decoded.get();
    }

    /**
     * The cache's data file, if this source reads from a decoded cache.
     *
     * @return the data file, or null without a cache
     */
    public Path cacheFile() {
        return cache == null ? null : cache.file();
    }

    /**
     * Whether the cache was built (or rebuilt) when this source was opened, rather than found
     * valid.
     *
     * @return true if built now; false if reused or if there is no cache
     */
    public boolean cacheRebuilt() {
        return cache != null && cache.rebuilt();
    }

    /**
     * Drops the prefetched batches, stops the decoder threads and closes the cache. Reads
     * afterwards throw {@link IllegalStateException}; closing twice does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (queue != null) {
            queue.clear();
        }
        pool.close();
        if (cache != null) {
            try {
                cache.close();
            } catch (IOException e) {
                logger.warn("Could not close the decoded cache {}: {}", cache.file(), e.getMessage());
            }
        }
    }

    /**
     * The fingerprint of {@link ImageSource#fingerprint()}, computed once (a pass over every
     * image: a read of the cache, or a decode of every file without one) and then remembered, as
     * the images never change.
     *
     * @return 64 lowercase hex digits
     */
    @Override
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            f = ImageSources.fingerprint(this);
            fingerprint = f;
        }
        return f;
    }

    @Override
    public String toString() {
        return "StreamingImages{" + images.size() + " images of " + classNames.size() + " classes from " + origin + ", "
                + preprocessing + ", " + pool.threads() + " decoder threads"
                + (cache == null ? "" : ", cache " + cache.file()) + '}';
    }

    /** Builder of {@link StreamingImages}. */
    public static final class Builder {
        private Path folder;
        private Path listFile;
        private ImagePreprocessing preprocessing;
        private Set<String> extensions = IdentityFolder.DEFAULT_EXTENSIONS;
        private int decoderThreads = 2;
        private int prefetch = 4;
        private Path cache;

        private Builder() {}

        /**
         * Reads a folder with one sub-folder per class (this or {@link #setListFile} is required).
         *
         * @param folder the root folder
         * @return this builder
         */
        public Builder setFolder(Path folder) {
            this.folder = folder;
            return this;
        }

        /**
         * Reads the images named by a list file, one {@code path<TAB>label} or
         * {@code path,label} line each (this or {@link #setFolder} is required).
         *
         * @param listFile the list file
         * @return this builder
         */
        public Builder setListFile(Path listFile) {
            this.listFile = listFile;
            return this;
        }

        /**
         * How each image is sized and coloured (required).
         *
         * @param preprocessing the preprocessing
         * @return this builder
         */
        public Builder setPreprocessing(ImagePreprocessing preprocessing) {
            this.preprocessing = preprocessing;
            return this;
        }

        /**
         * The file extensions read from a folder, as {@link IdentityFolder.Builder#optExtensions}
         * (default {@link IdentityFolder#DEFAULT_EXTENSIONS}); a list file's entries are read
         * whatever their extension.
         *
         * @param extensions for example {@code "jpg", "png"}
         * @return this builder
         */
        public Builder optExtensions(String... extensions) {
            Set<String> set = new TreeSet<>();
            for (String e : Objects.requireNonNull(extensions, "extensions")) {
                if (e == null || e.isBlank() || e.equals(".")) {
                    throw new IllegalArgumentException("A file extension of StreamingImages (optExtensions) is empty.");
                }
                set.add((e.startsWith(".") ? e.substring(1) : e).toLowerCase(Locale.ROOT));
            }
            this.extensions = set;
            return this;
        }

        /**
         * The number of decoder threads (default 2).
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder optDecoderThreads(int threads) {
            this.decoderThreads = threads;
            return this;
        }

        /**
         * The most batches decoded ahead by {@link StreamingImages#prefetch} (default 4; 0 turns
         * prefetching off).
         *
         * @param batches at least 0
         * @return this builder
         */
        public Builder optPrefetch(int batches) {
            this.prefetch = batches;
            return this;
        }

        /**
         * Keeps every image decoded at the training size in this file (and a side file
         * {@code <file>.json}), built by {@link #build()} and reused while the files and the
         * preprocessing stay the same (default: no cache).
         *
         * @param file the cache's data file
         * @return this builder
         */
        public Builder optCache(Path file) {
            this.cache = file;
            return this;
        }

        /**
         * Validates the settings, lists the images and, with a cache, checks or builds it.
         *
         * @return the open source
         * @throws IllegalArgumentException naming the missing or bad setting
         * @throws IOException naming the folder, the list file (and the line) or the image file
         *     that cannot be read, or the cache file that cannot be written
         */
        public StreamingImages build() throws IOException {
            if (folder == null && listFile == null) {
                throw new IllegalArgumentException("StreamingImages needs its images: call setFolder(...) or"
                        + " setListFile(...).");
            }
            if (folder != null && listFile != null) {
                throw new IllegalArgumentException("StreamingImages reads either a folder (setFolder) or a list file"
                        + " (setListFile), not both.");
            }
            if (preprocessing == null) {
                throw new IllegalArgumentException("The preprocessing of StreamingImages must be set with"
                        + " setPreprocessing(...).");
            }
            if (extensions.isEmpty()) {
                throw new IllegalArgumentException("StreamingImages needs at least one file extension (optExtensions).");
            }
            if (decoderThreads < 1) {
                throw new IllegalArgumentException("The decoder threads of StreamingImages (optDecoderThreads) must be"
                        + " at least 1, got " + decoderThreads + ".");
            }
            if (prefetch < 0) {
                throw new IllegalArgumentException("The prefetched batches of StreamingImages (optPrefetch) must be at"
                        + " least 0, got " + prefetch + ".");
            }
            return new StreamingImages(this);
        }
    }
}
