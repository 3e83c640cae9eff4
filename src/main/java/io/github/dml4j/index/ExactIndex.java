package io.github.dml4j.index;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.IndexMetric;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.distance.Normalization;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact (brute-force) k-nearest-neighbour search on the engine: batched matrix products and
 * top-k, with memory bounded whatever the gallery size.
 *
 * <p><b>Storage.</b> The gallery lives on the engine, in the index's own {@link NDManager}, as
 * blocks of at most {@link Builder#optBlockSize(int) blockSize} rows, already prepared for the
 * distance: L2-normalized rows when {@link Distance#isNormalizeEmbeddings()} (cosine, normalized
 * Euclidean), raw rows otherwise, plus each row's -|r|&sup2; for the Euclidean {@link
 * IndexMetric}s. A 1,000,000 x 128 gallery takes 512 MB (plus
 * 4 MB of norms); {@link #close()} releases it. Ids are kept in a Java {@code long[]}.
 *
 * <p><b>Search.</b> Queries are processed in chunks of {@link Builder#optBatchSize(int)
 * batchSize} rows, each in a sub-manager closed before the next. For a chunk, every gallery
 * block gives a (chunk, block) score matrix (one matrix product; for Euclidean distance
 * 2 q&middot;r - |r|&sup2;, which orders neighbours as the distance does), its top-k, and a merge
 * with the running top-k by a top-k over the concatenated candidates; the block's matrix is
 * closed at once. The peak working memory is therefore about two (batchSize, blockSize) float
 * matrices (with the defaults 256 x 65,536: 2 x 64 MB), independent of the gallery size.
 * Euclidean scores are turned back into exact negated distances for the final k only.
 *
 * <p><b>Scores</b> are higher = closer: the cosine or dot similarity, or minus the (squared)
 * Euclidean distance, as {@link Distance#toScore(NDArray)} gives them.
 *
 * <p><b>Files.</b> {@link #save(Path)} writes {@code DML4JEXI}, a little-endian int32 header
 * length, a JSON header (format, version, distance, dimension, size, byte order), the ids as
 * int64 and the prepared rows as float32, all little-endian. {@link #load(Path)} checks the
 * marker, the header and the exact file length, and names the file in every error.
 *
 * <p>Thread-safe: searches and saves run concurrently; {@code add} and {@code close} are
 * exclusive.
 *
 * <pre>{@code
 * try (ExactIndex index = ExactIndex.builder().build()) {
 *     index.add(galleryEmbeddings, galleryIds);
 *     Neighbors top5 = index.search(queryEmbeddings, 5);
 * }
 * }</pre>
 */
public final class ExactIndex implements EmbeddingIndex {

    private static final Logger logger = LoggerFactory.getLogger(ExactIndex.class);

    /** Default number of queries per chunk. */
    public static final int DEFAULT_BATCH_SIZE = 256;

    /** Default number of gallery rows per block. */
    public static final int DEFAULT_BLOCK_SIZE = 65_536;

    static final byte[] MAGIC = {'D', 'M', 'L', '4', 'J', 'E', 'X', 'I'};
    static final String FORMAT = "dml4j-exact-index";
    static final int VERSION = 1;

    private final Distance distance;
    private final int batchSize;
    private final int blockSize;
    private final boolean normalize;
    private final boolean euclidean;
    private final boolean squared;
    private final NDManager manager;
    private final List<Block> blocks = new ArrayList<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private int dimension;
    private int size;
    private long[] ids = new long[0];
    private boolean closed;

    /** One block of the gallery: (n, D) prepared rows and, for Euclidean, (1, n) -|r|^2. */
    private record Block(NDArray rows, NDArray negNorms, int n) {
        void close() {
            rows.close();
            if (negNorms != null) {
                negNorms.close();
            }
        }
    }

    private ExactIndex(Builder builder) {
        this.distance = builder.distance;
        this.batchSize = builder.batchSize;
        this.blockSize = builder.blockSize;
        this.dimension = builder.dimension;
        IndexMetric metric = IndexMetric.of(distance);
        this.euclidean = metric != IndexMetric.INNER_PRODUCT;
        this.normalize = distance.isNormalizeEmbeddings();
        this.squared = metric.isSquared();
        this.manager = NDManager.newBaseManager(builder.device);
    }

    /**
     * Returns a builder; defaults: cosine similarity, 256 queries per chunk, 65,536 gallery rows
     * per block, dimension set by the first add, the default device.
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Distance getDistance() {
        return distance;
    }

    /** Queries per chunk. */
    public int getBatchSize() {
        return batchSize;
    }

    /** Gallery rows per block. */
    public int getBlockSize() {
        return blockSize;
    }

    @Override
    public int dimension() {
        lock.readLock().lock();
        try {
            return dimension;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void add(float[][] embeddings, long[] ids) {
        lock.writeLock().lock();
        try {
            checkOpen();
            float[] flat = IndexFiles.flatten(embeddings, dimension, "embeddings");
            append(flat, embeddings[0].length, ids, true);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void add(NDArray embeddings, long[] ids) {
        lock.writeLock().lock();
        try {
            checkOpen();
            float[] flat = IndexFiles.flatten(embeddings, dimension, "embeddings");
            append(flat, (int) embeddings.getShape().get(1), ids, true);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Appends rows (raw, or already prepared when loading); caller holds the write lock. */
    private void append(float[] flat, int d, long[] newIds, boolean prepare) {
        int n = flat.length / d;
        IndexFiles.checkIds(newIds, n);
        if (size + (long) n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("An ExactIndex holds at most about 2^31 embeddings.");
        }
        dimension = d;
        if (ids.length < size + n) {
            ids = Arrays.copyOf(ids, Math.max(size + n, Math.min(Integer.MAX_VALUE - 8, ids.length * 2)));
        }
        System.arraycopy(newIds, 0, ids, size, n);
        int done = 0;
        while (done < n) {
            Block last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
            int room = last == null || last.n >= blockSize ? blockSize : blockSize - last.n;
            int take = Math.min(room, n - done);
            float[] part = Arrays.copyOfRange(flat, done * d, (done + take) * d);
            Block fresh = prepareBlock(part, take, d, prepare);
            if (last != null && last.n < blockSize) {
                blocks.set(blocks.size() - 1, merge(last, fresh));
            } else {
                blocks.add(fresh);
            }
            done += take;
        }
        size += n;
    }

    private Block prepareBlock(float[] part, int n, int d, boolean prepare) {
        try (NDManager m = manager.newSubManager()) {
            NDArray rows = m.create(part, new Shape(n, d));
            if (prepare && normalize) {
                rows = Normalization.l2(rows);
            }
            NDArray negNorms = euclidean ? rows.square().sum(new int[] {1}).neg().reshape(1, n) : null;
            rows.attach(manager);
            if (negNorms != null) {
                negNorms.attach(manager);
            }
            return new Block(rows, negNorms, n);
        }
    }

    private static Block merge(Block a, Block b) {
        NDArray rows = a.rows.concat(b.rows, 0);
        NDArray negNorms = a.negNorms == null ? null : a.negNorms.concat(b.negNorms, 1);
        a.close();
        b.close();
        return new Block(rows, negNorms, a.n + b.n);
    }

    @Override
    public Neighbors search(float[][] queries, int k) {
        lock.readLock().lock();
        try {
            checkOpen();
            IndexFiles.checkK(k, size);
            return searchFlat(IndexFiles.flatten(queries, dimension, "queries"), k);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Neighbors search(NDArray queries, int k) {
        lock.readLock().lock();
        try {
            checkOpen();
            IndexFiles.checkK(k, size);
            return searchFlat(IndexFiles.flatten(queries, dimension, "queries"), k);
        } finally {
            lock.readLock().unlock();
        }
    }

    private Neighbors searchFlat(float[] flat, int k) {
        int d = dimension;
        int q = flat.length / d;
        long[][] outIds = new long[q][];
        float[][] outScores = new float[q][];
        long start = System.nanoTime();
        for (int s = 0; s < q; s += batchSize) {
            int e = Math.min(q, s + batchSize);
            searchChunk(Arrays.copyOfRange(flat, s * d, e * d), e - s, k, outIds, outScores, s);
        }
        logger.debug("Exact search of {} queries (k = {}) over {} embeddings in {} ms",
                q, k, size, (System.nanoTime() - start) / 1_000_000);
        return new Neighbors(outIds, outScores);
    }

    private void searchChunk(float[] chunk, int c, int k, long[][] outIds, float[][] outScores, int offset) {
        try (NDManager m = manager.newSubManager()) {
            NDArray q = m.create(chunk, new Shape(c, dimension));
            if (normalize) {
                q = Normalization.l2(q);
            }
            // for Euclidean: score = 2 q.r - |r|^2 = |q|^2 - d^2, ordered as -d
            NDArray qm = euclidean ? q.mul(2f) : q;
            NDArray bestValues = null;
            NDArray bestPositions = null;
            long base = 0;
            for (Block block : blocks) {
                NDArray rowsT = block.rows.transpose();
                NDArray scores = qm.matMul(rowsT); // (c, n), in m
                rowsT.close();
                if (euclidean) {
                    scores.addi(block.negNorms);
                }
                NDList top = scores.topK(Math.min(k, block.n), 1, true, true);
                scores.close();
                NDArray values = top.get(0);
                NDArray positions = top.get(1).addi(base);
                if (bestValues == null) {
                    bestValues = values;
                    bestPositions = positions;
                } else {
                    NDArray candValues = bestValues.concat(values, 1);
                    NDArray candPositions = bestPositions.concat(positions, 1);
                    NDList merged = candValues.topK(k, 1, true, true);
                    NDArray mergedPositions = candPositions.gather(merged.get(1), 1);
                    for (NDArray old : new NDArray[] {bestValues, bestPositions, values, positions,
                            candValues, candPositions, merged.get(1)}) {
                        old.close();
                    }
                    bestValues = merged.get(0);
                    bestPositions = mergedPositions;
                }
                base += block.n;
            }
            NDArray result = bestValues;
            if (euclidean) {
                NDArray qq = q.square().sum(new int[] {1}, true); // (c, 1)
                NDArray d2 = qq.sub(bestValues).maximum(0f);
                result = (squared ? d2 : d2.sqrt()).neg();
            }
            float[] values = result.toFloatArray();
            long[] positions = bestPositions.toLongArray();
            for (int i = 0; i < c; i++) {
                long[] rowIds = new long[k];
                for (int j = 0; j < k; j++) {
                    rowIds[j] = ids[(int) positions[i * k + j]];
                }
                outIds[offset + i] = rowIds;
                outScores[offset + i] = Arrays.copyOfRange(values, i * k, (i + 1) * k);
            }
        }
    }

    @Override
    public void save(Path file) throws IOException {
        lock.readLock().lock();
        try {
            checkOpen();
            JsonObject header = new JsonObject();
            header.addProperty("format", FORMAT);
            header.addProperty("version", VERSION);
            header.addProperty("distance", distance.name());
            header.addProperty("dimension", dimension);
            header.addProperty("size", size);
            header.addProperty("dtype", "float32");
            header.addProperty("byteOrder", "little");
            header.addProperty("normalized", normalize);
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
                IndexFiles.writeHeader(out, MAGIC, header);
                ByteBuffer idBytes = ByteBuffer.allocate(size * 8).order(ByteOrder.LITTLE_ENDIAN);
                idBytes.asLongBuffer().put(ids, 0, size);
                out.write(idBytes.array());
                for (Block block : blocks) {
                    // toByteBuffer is little-endian float32 on PyTorch; re-encode to be explicit
                    float[] rows = block.rows.toFloatArray();
                    ByteBuffer bytes = ByteBuffer.allocate(rows.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    bytes.asFloatBuffer().put(rows);
                    out.write(bytes.array());
                }
            }
        } finally {
            lock.readLock().unlock();
        }
        logger.debug("Saved an exact index of {} embeddings to {}", size, file);
    }

    /**
     * Reads an index written by {@link #save(Path)}, with the saved distance and default batch
     * and block sizes.
     *
     * @throws IOException naming the file if it is missing, not an index file, corrupt or
     *     truncated
     */
    public static ExactIndex load(Path file) throws IOException {
        return load(file, builder());
    }

    /**
     * Reads an index written by {@link #save(Path)}, taking batch size, block size and device
     * from {@code settings}; the distance and dimension come from the file. The file names its
     * distance: the distance of {@code settings} when it has that name (so an index of a distance
     * of one's own loads with {@code settings.setDistance(thatDistance)}), else the built-in
     * distance of that name.
     *
     * @throws IOException naming the file if it is missing, not an index file, corrupt or
     *     truncated
     */
    public static ExactIndex load(Path file, Builder settings) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no exact index file here");
        }
        long fileLength = Files.size(file);
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 20))) {
            int[] jsonLength = new int[1];
            JsonObject header = IndexFiles.readHeader(in, file, MAGIC, "an exact index", jsonLength);
            IndexFiles.require(header, file, "format", "version", "distance", "dimension", "size");
            int dimension;
            int size;
            try {
                if (!FORMAT.equals(header.get("format").getAsString())) {
                    throw new IOException(file + " holds format '" + header.get("format").getAsString()
                            + "', not " + FORMAT + ".");
                }
                if (header.get("version").getAsInt() != VERSION) {
                    throw new IOException(file + " has version " + header.get("version")
                            + "; this DML4J reads version " + VERSION + ".");
                }
                dimension = header.get("dimension").getAsInt();
                size = header.get("size").getAsInt();
            } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
                throw new IOException(file + " is corrupt: a header field has the wrong type.", e);
            }
            if (dimension < 0 || size < 0 || (size > 0 && dimension == 0)) {
                throw new IOException(file + " is corrupt: dimension " + dimension + ", size " + size + ".");
            }
            long expected = IndexFiles.headerBytes(MAGIC, jsonLength[0]) + size * 8L + (long) size * dimension * 4L;
            if (fileLength < expected) {
                throw new IOException(file + " is truncated: " + fileLength + " bytes, but its header ("
                        + size + " x " + dimension + ") needs " + expected + ".");
            }
            if (fileLength > expected) {
                throw new IOException(file + " is corrupt: " + fileLength + " bytes, but its header ("
                        + size + " x " + dimension + ") needs exactly " + expected + ".");
            }
            Distance distance = IndexFiles.readDistance(header, file, settings.distance);
            Builder b = settings.copy().setDistance(distance).optDimension(dimension);
            ExactIndex index = b.build();
            try {
                long[] ids = new long[size];
                byte[] idBytes = new byte[size * 8];
                in.readFully(idBytes);
                ByteBuffer.wrap(idBytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(ids);
                int rowsPerRead = Math.max(1, Math.min(index.blockSize, (1 << 26) / Math.max(1, dimension * 4)));
                byte[] buf = new byte[rowsPerRead * dimension * 4];
                index.lock.writeLock().lock();
                try {
                    for (int done = 0; done < size; done += rowsPerRead) {
                        int n = Math.min(rowsPerRead, size - done);
                        in.readFully(buf, 0, n * dimension * 4);
                        float[] rows = new float[n * dimension];
                        ByteBuffer.wrap(buf, 0, n * dimension * 4).order(ByteOrder.LITTLE_ENDIAN)
                                .asFloatBuffer().get(rows);
                        index.append(rows, dimension, Arrays.copyOfRange(ids, done, done + n), false);
                    }
                } finally {
                    index.lock.writeLock().unlock();
                }
            } catch (EOFException e) {
                index.close();
                throw new IOException(file + " is truncated: it ends inside its data.", e);
            } catch (IOException | RuntimeException e) {
                index.close();
                throw e;
            }
            logger.debug("Loaded an exact index of {} x {} from {}", size, dimension, file);
            return index;
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                blocks.clear();
                manager.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This ExactIndex is closed.");
        }
    }

    @Override
    public String toString() {
        return "ExactIndex{distance=" + distance + ", dimension=" + dimension + ", size=" + size
                + ", batchSize=" + batchSize + ", blockSize=" + blockSize + '}';
    }

    /** Builder for {@link ExactIndex}, in DJL's style. */
    public static final class Builder {
        private Distance distance = new CosineSimilarity();
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int blockSize = DEFAULT_BLOCK_SIZE;
        private int dimension;
        private ai.djl.Device device;

        private Builder() {}

        private Builder copy() {
            Builder b = new Builder();
            b.distance = distance;
            b.batchSize = batchSize;
            b.blockSize = blockSize;
            b.dimension = dimension;
            b.device = device;
            return b;
        }

        /**
         * Sets the distance (default {@link CosineSimilarity}): any distance an index can compute,
         * as its {@link Distance#indexMetric()} declares: {@link LpDistance} (raw or normalized,
         * plain or squared), {@link CosineSimilarity}, {@code DotProductSimilarity} or one of
         * one's own; {@link #build()} refuses a distance that is {@link
         * IndexMetric#NOT_INDEXABLE}, naming it.
         */
        public Builder setDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** Sets the queries per chunk (default {@value ExactIndex#DEFAULT_BATCH_SIZE}). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the gallery rows per block (default {@value ExactIndex#DEFAULT_BLOCK_SIZE}). The
         * working memory of a search is about two (batchSize, blockSize) float matrices.
         */
        public Builder optBlockSize(int blockSize) {
            this.blockSize = blockSize;
            return this;
        }

        /** Fixes the embedding dimension; by default the first add sets it. */
        public Builder optDimension(int dimension) {
            this.dimension = dimension;
            return this;
        }

        /** Sets the device of the gallery (default: the engine's default device). */
        public Builder optDevice(ai.djl.Device device) {
            this.device = device;
            return this;
        }

        /**
         * Validates the settings and builds an empty index.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public ExactIndex build() {
            IndexFiles.checkDistance(distance);
            if (batchSize < 1) {
                throw new IllegalArgumentException("The batchSize must be at least 1, but was " + batchSize + ".");
            }
            if (blockSize < 1) {
                throw new IllegalArgumentException("The blockSize must be at least 1, but was " + blockSize + ".");
            }
            if (dimension < 0) {
                throw new IllegalArgumentException("The dimension must not be negative, but was " + dimension + ".");
            }
            return new ExactIndex(this);
        }
    }
}
