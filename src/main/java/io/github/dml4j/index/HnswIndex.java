package io.github.dml4j.index;

import ai.djl.ndarray.NDArray;
import com.github.jelmerk.hnswlib.core.DistanceFunction;
import com.github.jelmerk.hnswlib.core.DistanceFunctions;
import com.github.jelmerk.hnswlib.core.Index;
import com.github.jelmerk.hnswlib.core.Item;
import com.github.jelmerk.hnswlib.core.SearchResult;
import com.google.gson.JsonObject;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.DotProductSimilarity;
import io.github.dml4j.distance.IndexMetric;
import io.github.dml4j.distance.LpDistance;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Approximate k-nearest-neighbour search with a hierarchical navigable small-world graph
 * (HNSW, Malkov and Yashunin 2018), on <a href="https://github.com/jelmerk/hnswlib">hnswlib-core</a>.
 *
 * <p>Same API and scores as {@link ExactIndex}: higher = closer. The distance's {@link
 * IndexMetric} chooses hnswlib's metric, and vectors are L2-normalized at insertion when {@link
 * Distance#isNormalizeEmbeddings()}. Inner-product distances (cosine similarity, dot product)
 * use hnswlib's inner-product distance (1 - dot) and are reported as the similarity (for
 * unnormalized vectors an approximation the graph does not guarantee); Euclidean distances (raw
 * or normalized, plain or squared) use its Euclidean distance and are reported negated.
 *
 * <p>Quality and speed are set by {@link Builder#optM(int) M} (links per node),
 * {@link Builder#optEfConstruction(int) efConstruction} (candidates while building) and {@link
 * #setEf(int) ef} (candidates while searching, at least k). The gallery and the graph live on
 * the Java heap (about {@code N (4 D + 8 M + 60)} bytes); the capacity grows as entries are
 * added. Adds run on {@link Builder#optThreads(int) threads} threads, a multi-query search in
 * parallel on the common fork-join pool.
 *
 * <p>Files: {@code DML4JHNS}, a little-endian int32 header length, a JSON header (format,
 * version, distance, dimension, size, M, efConstruction, ef), then hnswlib's own serialized
 * index. {@link #load(Path)} names the file in every error.
 *
 * <p>Ids must be unique: adding an id already present fails. Thread-safe: searches run
 * concurrently; {@code add} is exclusive.
 */
public final class HnswIndex implements EmbeddingIndex {

    private static final Logger logger = LoggerFactory.getLogger(HnswIndex.class);

    /** Default links per node. */
    public static final int DEFAULT_M = 16;

    /** Default candidate list size while building. */
    public static final int DEFAULT_EF_CONSTRUCTION = 200;

    /** Default candidate list size while searching. */
    public static final int DEFAULT_EF = 100;

    static final byte[] MAGIC = {'D', 'M', 'L', '4', 'J', 'H', 'N', 'S'};
    static final String FORMAT = "dml4j-hnsw-index";
    static final int VERSION = 1;

    /** A gallery entry as hnswlib stores it. */
    record Entry(Long id, float[] vector) implements Item<Long, float[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public int dimensions() {
            return vector.length;
        }
    }

    private enum Kind {
        INNER_PRODUCT, EUCLIDEAN
    }

    private final Distance distance;
    private final Kind kind;
    private final boolean normalize;
    private final boolean squared;
    private final int m;
    private final int efConstruction;
    private final int threads;
    private final int initialCapacity;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile int ef;
    private int dimension;
    private com.github.jelmerk.hnswlib.core.hnsw.HnswIndex<Long, float[], Entry, Float> graph;
    private boolean closed;

    private HnswIndex(Builder b) {
        this.distance = b.distance;
        this.m = b.m;
        this.efConstruction = b.efConstruction;
        this.ef = b.ef;
        this.threads = b.threads;
        this.initialCapacity = b.initialCapacity;
        this.dimension = b.dimension;
        IndexMetric metric = IndexMetric.of(distance);
        kind = metric == IndexMetric.INNER_PRODUCT ? Kind.INNER_PRODUCT : Kind.EUCLIDEAN;
        normalize = distance.isNormalizeEmbeddings();
        squared = metric.isSquared();
    }

    /**
     * Returns a builder; defaults: cosine similarity, M = 16, efConstruction = 200, ef = 100,
     * initial capacity 1,024 (grows), all processors for adds, dimension set by the first add.
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Distance getDistance() {
        return distance;
    }

    /** Links per node. */
    public int getM() {
        return m;
    }

    /** Candidate list size while building. */
    public int getEfConstruction() {
        return efConstruction;
    }

    /** Candidate list size while searching (the search uses at least k). */
    public int getEf() {
        return ef;
    }

    /**
     * Sets the candidate list size while searching: larger is slower and more accurate.
     *
     * @throws IllegalArgumentException if {@code ef < 1}
     */
    public void setEf(int ef) {
        if (ef < 1) {
            throw new IllegalArgumentException("ef must be at least 1, but was " + ef + ".");
        }
        this.ef = ef;
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
            return graph == null ? 0 : graph.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void add(float[][] embeddings, long[] ids) {
        float[] flat = IndexFiles.flatten(embeddings, dimension(), "embeddings");
        addFlat(flat, embeddings[0].length, ids);
    }

    @Override
    public void add(NDArray embeddings, long[] ids) {
        float[] flat = IndexFiles.flatten(embeddings, dimension(), "embeddings");
        addFlat(flat, (int) embeddings.getShape().get(1), ids);
    }

    private void addFlat(float[] flat, int d, long[] ids) {
        int n = flat.length / d;
        IndexFiles.checkIds(ids, n);
        lock.writeLock().lock();
        try {
            checkOpen();
            IndexFiles.checkDimension(d, dimension, "embeddings");
            Set<Long> seen = new HashSet<>(n * 2);
            for (long id : ids) {
                if (!seen.add(id) || (graph != null && graph.contains(id))) {
                    throw new IllegalArgumentException(
                            "The id " + id + " is given twice: ids in an HnswIndex must be unique.");
                }
            }
            List<Entry> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                float[] v = new float[d];
                System.arraycopy(flat, i * d, v, 0, d);
                items.add(new Entry(ids[i], prepare(v)));
            }
            if (graph == null) {
                dimension = d;
                graph = newGraph(d, Math.max(initialCapacity, n));
            } else if (graph.size() + n > graph.getMaxItemCount()) {
                graph.resize(Math.max(graph.size() + n, graph.getMaxItemCount() * 2));
            }
            long start = System.nanoTime();
            graph.addAll(items, threads, (done, max) -> { }, Index.DEFAULT_PROGRESS_UPDATE_INTERVAL);
            logger.debug("Added {} embeddings to an HNSW index in {} ms", n, (System.nanoTime() - start) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while adding to the HNSW index.", e);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private com.github.jelmerk.hnswlib.core.hnsw.HnswIndex<Long, float[], Entry, Float> newGraph(int d, int capacity) {
        DistanceFunction<float[], Float> function =
                kind == Kind.EUCLIDEAN ? DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE : DistanceFunctions.FLOAT_INNER_PRODUCT;
        return com.github.jelmerk.hnswlib.core.hnsw.HnswIndex.newBuilder(d, function, capacity)
                .withM(m)
                .withEfConstruction(efConstruction)
                .withEf(ef)
                .build();
    }

    /** L2-normalizes in place when the distance needs it (as {@code Normalization.l2}). */
    private float[] prepare(float[] v) {
        if (normalize) {
            double s = 0;
            for (float x : v) {
                s += (double) x * x;
            }
            float norm = (float) Math.max(Math.sqrt(s), 1e-12);
            for (int i = 0; i < v.length; i++) {
                v[i] /= norm;
            }
        }
        return v;
    }

    private float toScore(float hnswDistance) {
        return switch (kind) {
            case INNER_PRODUCT -> 1f - hnswDistance;
            case EUCLIDEAN -> squared ? -(hnswDistance * hnswDistance) : -hnswDistance;
        };
    }

    @Override
    public Neighbors search(float[][] queries, int k) {
        return searchFlat(IndexFiles.flatten(queries, dimension(), "queries"), k);
    }

    @Override
    public Neighbors search(NDArray queries, int k) {
        return searchFlat(IndexFiles.flatten(queries, dimension(), "queries"), k);
    }

    private Neighbors searchFlat(float[] flat, int k) {
        lock.readLock().lock();
        try {
            checkOpen();
            IndexFiles.checkK(k, graph == null ? 0 : graph.size());
            int d = dimension;
            int q = flat.length / d;
            long[][] ids = new long[q][];
            float[][] scores = new float[q][];
            // hnswlib reads ef at search time; the graph's ef is not thread-safe to change per
            // query, so it is set once here under the read lock (ef is volatile)
            int efNow = Math.max(ef, k);
            if (graph.getEf() != efNow) {
                synchronized (this) {
                    graph.setEf(efNow);
                }
            }
            IntStream range = IntStream.range(0, q);
            (q > 1 ? range.parallel() : range).forEach(i -> {
                float[] v = new float[d];
                System.arraycopy(flat, i * d, v, 0, d);
                List<SearchResult<Entry, Float>> found = graph.findNearest(prepare(v), k);
                long[] rowIds = new long[found.size()];
                float[] rowScores = new float[found.size()];
                for (int j = 0; j < found.size(); j++) {
                    rowIds[j] = found.get(j).item().id();
                    rowScores[j] = toScore(found.get(j).distance());
                }
                ids[i] = rowIds;
                scores[i] = rowScores;
            });
            return new Neighbors(ids, scores);
        } finally {
            lock.readLock().unlock();
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
            header.addProperty("size", graph == null ? 0 : graph.size());
            header.addProperty("m", m);
            header.addProperty("efConstruction", efConstruction);
            header.addProperty("ef", ef);
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
                IndexFiles.writeHeader(out, MAGIC, header);
                if (graph != null) {
                    graph.save(out);
                }
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Reads an index written by {@link #save(Path)}, with its distance, dimension, M,
     * efConstruction and ef; adds use all processors.
     *
     * @throws IOException naming the file if it is missing, not an HNSW index file, corrupt or
     *     truncated
     */
    public static HnswIndex load(Path file) throws IOException {
        return load(file, null);
    }

    /**
     * Reads an index written by {@link #save(Path)} as {@link #load(Path)} does, taking {@code
     * distance} when the file names it: the way to load an index of a distance of one's own.
     * A file that names a built-in distance other than {@code distance} loads with that one.
     *
     * @param distance the distance to use when its name is the file's, or null
     * @throws IllegalArgumentException naming the distance when it is not indexable
     * @throws IOException naming the file if it is missing, not an HNSW index file, corrupt or
     *     truncated, or names a distance that is neither {@code distance} nor built in
     */
    public static HnswIndex load(Path file, Distance distance) throws IOException {
        if (distance != null) {
            IndexFiles.checkDistance(distance);
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no HNSW index file here");
        }
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 20))) {
            JsonObject header = IndexFiles.readHeader(in, file, MAGIC, "an HNSW index", new int[1]);
            IndexFiles.require(header, file, "format", "version", "distance", "dimension", "size", "m",
                    "efConstruction", "ef");
            Builder b = builder();
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
                b.setDistance(IndexFiles.readDistance(header, file, distance))
                        .optDimension(header.get("dimension").getAsInt())
                        .optM(header.get("m").getAsInt())
                        .optEfConstruction(header.get("efConstruction").getAsInt())
                        .optEf(header.get("ef").getAsInt());
                size = header.get("size").getAsInt();
            } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
                throw new IOException(file + " is corrupt: a header field has the wrong type.", e);
            }
            HnswIndex index;
            try {
                index = b.build();
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " is corrupt: " + e.getMessage(), e);
            }
            if (size > 0) {
                try {
                    index.graph = com.github.jelmerk.hnswlib.core.hnsw.HnswIndex.load(in, HnswIndex.class.getClassLoader());
                } catch (IOException | RuntimeException e) {
                    throw new IOException(file + " is corrupt or truncated: its HNSW graph cannot be read ("
                            + e + ").", e);
                }
                if (index.graph.size() != size || index.graph.getDimensions() != index.dimension) {
                    throw new IOException(file + " is corrupt: its header says " + size + " x " + index.dimension
                            + " but the graph holds " + index.graph.size() + " x " + index.graph.getDimensions() + ".");
                }
            }
            logger.debug("Loaded an HNSW index of {} embeddings from {}", size, file);
            return index;
        }
    }

    /** Drops the graph; the heap it used is reclaimed by the garbage collector. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            graph = null;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This HnswIndex is closed.");
        }
    }

    @Override
    public String toString() {
        return "HnswIndex{distance=" + distance + ", dimension=" + dimension + ", size=" + size()
                + ", m=" + m + ", efConstruction=" + efConstruction + ", ef=" + ef + '}';
    }

    /** Builder for {@link HnswIndex}, in DJL's style. */
    public static final class Builder {
        private Distance distance = new CosineSimilarity();
        private int m = DEFAULT_M;
        private int efConstruction = DEFAULT_EF_CONSTRUCTION;
        private int ef = DEFAULT_EF;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int initialCapacity = 1024;
        private int dimension;

        private Builder() {}

        /**
         * Sets the distance (default {@link CosineSimilarity}): any distance an index can compute,
         * as its {@link Distance#indexMetric()} declares: {@link LpDistance}, {@link
         * CosineSimilarity}, {@link DotProductSimilarity} or one of one's own; {@link #build()}
         * refuses a distance that is {@link IndexMetric#NOT_INDEXABLE}, naming it.
         */
        public Builder setDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** Sets the links per node (default {@value HnswIndex#DEFAULT_M}). */
        public Builder optM(int m) {
            this.m = m;
            return this;
        }

        /** Sets the build-time candidate list size (default {@value HnswIndex#DEFAULT_EF_CONSTRUCTION}). */
        public Builder optEfConstruction(int efConstruction) {
            this.efConstruction = efConstruction;
            return this;
        }

        /** Sets the search-time candidate list size (default {@value HnswIndex#DEFAULT_EF}). */
        public Builder optEf(int ef) {
            this.ef = ef;
            return this;
        }

        /** Sets the threads that insert entries (default: available processors). */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Sets the initial capacity; it grows as needed (default 1,024). */
        public Builder optInitialCapacity(int initialCapacity) {
            this.initialCapacity = initialCapacity;
            return this;
        }

        /** Fixes the embedding dimension; by default the first add sets it. */
        public Builder optDimension(int dimension) {
            this.dimension = dimension;
            return this;
        }

        /**
         * Validates the settings and builds an empty index.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public HnswIndex build() {
            IndexFiles.checkDistance(distance);
            check(m >= 2, "M must be at least 2, but was " + m + ".");
            check(efConstruction >= 1, "efConstruction must be at least 1, but was " + efConstruction + ".");
            check(ef >= 1, "ef must be at least 1, but was " + ef + ".");
            check(threads >= 1, "threads must be at least 1, but was " + threads + ".");
            check(initialCapacity >= 1, "initialCapacity must be at least 1, but was " + initialCapacity + ".");
            check(dimension >= 0, "The dimension must not be negative, but was " + dimension + ".");
            return new HnswIndex(this);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
