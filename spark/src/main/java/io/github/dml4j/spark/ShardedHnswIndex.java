package io.github.dml4j.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.index.HnswIndex;
import io.github.dml4j.index.Neighbors;
import io.github.dml4j.index.TopK;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Approximate k-nearest-neighbour search sharded over a Spark cluster: one {@link HnswIndex}
 * (hnswlib) per partition of an embedding Dataset, saved as files in one folder (beside the
 * Parquet of the embeddings, on any file system Spark reads), and a search that fans the queries
 * out to every shard and merges the shards' top-k into the top-k of the whole collection.
 *
 * <p><b>Build.</b> {@link Builder#build(Dataset, String)} builds each partition's graph in its own task
 * (with {@link Builder#optThreads(int) threads} insertion threads, default 1: one per task slot)
 * and writes {@code shard-NNNNN.hnsw} files in the core's index format plus {@code
 * shards.json} (distance, dimension, sizes). The ids are the Dataset's long {@link
 * Builder#optIdColumn(String) id column}, unique across the whole Dataset; they are what a search
 * returns.
 *
 * <p><b>Search.</b> {@link #search(float[][], int)} runs one task per shard; each executor keeps
 * the shards it has loaded (one copy per JVM, as {@link ImageEmbedder} keeps models, keyed by
 * the build recorded in the manifest, within a budget: {@link #CACHE_BYTES_PROPERTY}), so later
 * searches read no file. Each shard returns its
 * top-k per query, and the driver merges them with {@link TopK#merge} (score, then id). Query
 * sets too large for the driver are given as a Dataset ({@link #search(Dataset, int, int)}):
 * every (query partition, shard) pair is then a task, the merge runs on the executors, and the
 * result is a Dataset of (id, neighbors, scores) rows. With each shard searched at recall r, the
 * merged top-k has recall about r as well: a true neighbour is lost only if its own shard misses
 * it.
 *
 * <pre>{@code
 * ShardedHnswIndex.builder().setDistance(new CosineSimilarity())
 *         .build(embeddings.repartition(16), "hdfs:///photos/index");
 * ShardedHnswIndex index = ShardedHnswIndex.open(spark, "hdfs:///photos/index");
 * Neighbors top10 = index.search(queries, 10);
 * index.search(spark.read().parquet("hdfs:///photos/new.parquet"), 10, 100)
 *         .write().parquet("hdfs:///photos/new-neighbours.parquet");
 * }</pre>
 */
public final class ShardedHnswIndex implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger logger = LoggerFactory.getLogger(ShardedHnswIndex.class);

    /** The file that lists the shards, in the index folder. */
    public static final String MANIFEST = "shards.json";

    /** The column of neighbour ids in the result of a Dataset search. */
    public static final String NEIGHBORS_COLUMN = "neighbors";

    /** The column of neighbour scores in the result of a Dataset search. */
    public static final String SCORES_COLUMN = "scores";

    /** Queries searched together in one task of a Dataset search. */
    static final int QUERY_BLOCK = 4096;

    static final String FORMAT = "dml4j-sharded-hnsw";
    static final int VERSION = 1;

    /**
     * The JVM property that bounds the bytes of shard files an executor keeps loaded (default
     * 40% of its maximum heap); the least recently searched shards are dropped first.
     */
    public static final String CACHE_BYTES_PROPERTY = "dml4j.shardCacheBytes";

    /** Shards loaded in this JVM, by build and location, least recently searched first. */
    private static final ShardCache LOADED = new ShardCache();

    private final transient SparkSession spark;
    private final String folder;
    private final String distance;
    private final int dimension;
    private final long size;
    private final List<String> shards;
    private final String buildId;
    private final HadoopFiles files;

    private ShardedHnswIndex(SparkSession spark, String folder, String distance, int dimension, long size,
            List<String> shards, String buildId, HadoopFiles files) {
        this.spark = spark;
        this.folder = folder;
        this.distance = distance;
        this.dimension = dimension;
        this.size = size;
        this.shards = List.copyOf(shards);
        this.buildId = buildId;
        this.files = files;
    }

    /** A builder of shards: {@link Builder#setDistance} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the index in {@code folder} written by {@link Builder#build(Dataset, String)}; the
     * shards are loaded by the executors on the first search.
     *
     * @throws IOException naming the manifest if it is missing or corrupt
     */
    public static ShardedHnswIndex open(SparkSession spark, String folder) throws IOException {
        HadoopFiles files = HadoopFiles.of(spark.sparkContext().hadoopConfiguration());
        String manifest = new org.apache.hadoop.fs.Path(folder, MANIFEST).toString();
        if (!files.hasFile(folder, MANIFEST)) {
            throw new IOException("The folder " + folder + " has no " + MANIFEST + ": it is not a sharded HNSW index"
                    + " (build one with ShardedHnswIndex.builder()...build(embeddings, folder)).");
        }
        try {
            JsonObject json = new Gson().fromJson(new String(files.readAll(manifest), StandardCharsets.UTF_8),
                    JsonObject.class);
            if (json == null || !json.has("format") || !FORMAT.equals(json.get("format").getAsString())) {
                throw new IOException(manifest + " is not the manifest of a sharded HNSW index.");
            }
            if (json.get("version").getAsInt() != VERSION) {
                throw new IOException(manifest + " has version " + json.get("version") + "; this DML4J reads version "
                        + VERSION + ".");
            }
            List<String> shards = new ArrayList<>();
            for (var shard : json.getAsJsonArray("shards")) {
                shards.add(new org.apache.hadoop.fs.Path(folder, shard.getAsJsonObject().get("file").getAsString())
                        .toString());
            }
            return new ShardedHnswIndex(spark, folder, json.get("distance").getAsString(),
                    json.get("dimension").getAsInt(), json.get("size").getAsLong(), shards,
                    json.get("buildId").getAsString(), files);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NullPointerException e) {
            throw new IOException(manifest + " is corrupt: " + e.getMessage(), e);
        }
    }

    /** The number of shards this JVM holds loaded, of every index. */
    static int loadedShards() {
        return LOADED.size();
    }

    /** The folder of the shards. */
    public String folder() {
        return folder;
    }

    /** The number of shards. */
    public int shards() {
        return shards.size();
    }

    /** The number of embeddings over all shards. */
    public long size() {
        return size;
    }

    /** The length of the embeddings. */
    public int dimension() {
        return dimension;
    }

    /** The name of the distance ({@link Distance#named}). */
    public String distance() {
        return distance;
    }

    /**
     * The k nearest embeddings of each query over all shards, by score (higher = closer) then id.
     *
     * @param queries (Q, dimension) queries
     * @param k neighbours per query, at least 1 and at most {@link #size()}
     * @param ef HNSW candidates per shard search (at least k; higher is more exact and slower)
     * @throws IllegalArgumentException if k or ef is out of range or a query has the wrong length
     */
    public Neighbors search(float[][] queries, int k, int ef) {
        checkK(k, ef);
        for (int q = 0; q < queries.length; q++) {
            if (queries[q].length != dimension) {
                throw new IllegalArgumentException("Query " + q + " has " + queries[q].length
                        + " values but the index holds embeddings of " + dimension + ".");
            }
        }
        if (queries.length == 0) {
            return new Neighbors(new long[0][], new float[0][]);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        var broadcast = sc.broadcast(queries);
        HadoopFiles shardFiles = files;
        String distanceName = distance;
        String build = buildId;
        List<TopK> parts = sc.parallelize(shards, shards.size())
                .map(shard -> searchShard(shard, build, shardFiles, distanceName, broadcast.value(), k, ef))
                .collect();
        broadcast.destroy();
        return TopK.merge(k, parts).toNeighbors();
    }

    /** As {@link #search(float[][], int, int)} with ef = max(k, {@value HnswIndex#DEFAULT_EF}). */
    public Neighbors search(float[][] queries, int k) {
        return search(queries, k, Math.max(k, HnswIndex.DEFAULT_EF));
    }

    /**
     * The k nearest embeddings of every row of a query Dataset, computed on the cluster: for
     * query sets too large for the driver (a whole collection searched against itself, for
     * near-duplicates). Every (query partition, shard) pair is one task, in blocks of 4,096
     * queries; the shards' top-k of a block are merged by {@link TopK#merge} (score,
     * then id) before leaving the executors. The query Dataset is read once per shard: cache it
     * if it is expensive to compute.
     *
     * @param queries rows with a long (or int) {@code idColumn} and an {@code embeddingColumn}
     *     of {@code array<float>} or {@code array<double>} of this index's dimension
     * @param k neighbours per query, at least 1 and at most {@link #size()}
     * @param ef HNSW candidates per shard search (at least k)
     * @return a lazy Dataset of one row per query: {@code idColumn} (long), {@value
     *     #NEIGHBORS_COLUMN} ({@code array<long>}, best first) and {@value #SCORES_COLUMN}
     *     ({@code array<float>}, higher = closer)
     * @throws IllegalArgumentException naming the column or query id if a column is missing or
     *     of the wrong type, a row has a null id or embedding, an embedding has the wrong length,
     *     or k or ef is out of range
     */
    public Dataset<Row> search(Dataset<Row> queries, String idColumn, String embeddingColumn, int k, int ef) {
        checkK(k, ef);
        EmbeddingRows.checkIds(queries, "queries", idColumn);
        EmbeddingRows.check(queries, "queries", embeddingColumn, null);
        Dataset<Row> selected = queries.select(functions.col(idColumn).cast(DataTypes.LongType),
                functions.col(embeddingColumn));
        List<Row> wrong = selected.filter(functions.size(functions.col(embeddingColumn)).notEqual(dimension))
                .limit(1).collectAsList();
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException("The query with " + idColumn + " " + wrong.get(0).getLong(0) + " has "
                    + wrong.get(0).getList(1).size() + " values but the index holds embeddings of " + dimension + ".");
        }
        JavaRDD<QueryBlock> blocks = selected.javaRDD().mapPartitionsWithIndex(QueryBlock::of, true);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(queries.sparkSession().sparkContext());
        HadoopFiles shardFiles = files;
        String distanceName = distance;
        String build = buildId;
        JavaRDD<Row> rows = blocks.cartesian(sc.parallelize(shards, shards.size()))
                .mapToPair(pair -> new Tuple2<>(pair._1().key, new Found(pair._1().ids, searchShard(pair._2(), build,
                        shardFiles, distanceName, pair._1().rows, k, ef))))
                .reduceByKey((a, b) -> new Found(a.ids, TopK.merge(k, List.of(a.top, b.top))))
                .values()
                .flatMap(Found::rows);
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField(idColumn, DataTypes.LongType, false),
                DataTypes.createStructField(NEIGHBORS_COLUMN, DataTypes.createArrayType(DataTypes.LongType, false), false),
                DataTypes.createStructField(SCORES_COLUMN, DataTypes.createArrayType(DataTypes.FloatType, false), false)));
        return queries.sparkSession().createDataFrame(rows, schema);
    }

    /** As {@link #search(Dataset, String, String, int, int)} with the columns {@code id} and {@code embedding}. */
    public Dataset<Row> search(Dataset<Row> queries, int k, int ef) {
        return search(queries, "id", "embedding", k, ef);
    }

    private void checkK(int k, int ef) {
        if (k < 1 || k > size) {
            throw new IllegalArgumentException("k must be between 1 and the index size " + size + ", but was " + k + ".");
        }
        if (ef < k) {
            throw new IllegalArgumentException("ef must be at least k = " + k + ", but was " + ef + ".");
        }
    }

    /** Up to {@value #QUERY_BLOCK} queries of one partition, searched together in one task per shard. */
    private static final class QueryBlock implements Serializable {
        private static final long serialVersionUID = 1L;

        final long key;
        final long[] ids;
        final float[][] rows;

        private QueryBlock(long key, long[] ids, float[][] rows) {
            this.key = key;
            this.ids = ids;
            this.rows = rows;
        }

        static java.util.Iterator<QueryBlock> of(int partition, java.util.Iterator<Row> it) {
            List<QueryBlock> out = new ArrayList<>();
            List<float[]> rows = new ArrayList<>();
            long[] ids = new long[QUERY_BLOCK];
            while (it.hasNext()) {
                Row row = it.next();
                ids[rows.size()] = row.getLong(0);
                rows.add(EmbeddingRows.floats(row, 1));
                if (rows.size() == QUERY_BLOCK || !it.hasNext()) {
                    long key = ((long) partition << 32) | out.size();
                    out.add(new QueryBlock(key, Arrays.copyOf(ids, rows.size()), rows.toArray(new float[0][])));
                    rows.clear();
                }
            }
            return out.iterator();
        }
    }

    /** A block's query ids and their top-k so far. */
    private static final class Found implements Serializable {
        private static final long serialVersionUID = 1L;

        final long[] ids;
        final TopK top;

        Found(long[] ids, TopK top) {
            this.ids = ids;
            this.top = top;
        }

        java.util.Iterator<Row> rows() {
            List<Row> out = new ArrayList<>(ids.length);
            for (int q = 0; q < ids.length; q++) {
                long[] neighbours = new long[top.size(q)];
                float[] scores = new float[neighbours.length];
                for (int r = 0; r < neighbours.length; r++) {
                    neighbours[r] = top.id(q, r);
                    scores[r] = (float) top.score(q, r);
                }
                out.add(RowFactory.create(ids[q], neighbours, scores));
            }
            return out.iterator();
        }
    }

    private static TopK searchShard(String shard, String buildId, HadoopFiles files, String distance, float[][] queries,
            int k, int ef) throws IOException {
        // keyed by the build too: an index built again into the same folder is loaded again
        HnswIndex index = LOADED.get(buildId + " " + shard, () -> {
            Path local = Files.createTempFile("dml4j-shard-", ".hnsw");
            try {
                files.download(shard, local);
                return new ShardCache.Loaded(HnswIndex.load(local, Distance.named(distance)), Files.size(local));
            } finally {
                Files.deleteIfExists(local);
            }
        });
        synchronized (index) {
            index.setEf(ef);
        }
        Neighbors found = index.search(queries, Math.min(k, index.size()));
        long[][] ids = new long[queries.length][];
        double[][] scores = new double[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            long[] rowIds = found.idsOf(q);
            float[] rowScores = found.scoresOf(q);
            Integer[] order = IntStream.range(0, rowIds.length).boxed().toArray(Integer[]::new);
            // the order of TopK: score, then id (hnswlib leaves equal distances in any order)
            Arrays.sort(order, (a, b) -> TopK.compare(rowScores[a], rowIds[a], rowScores[b], rowIds[b]));
            ids[q] = new long[order.length];
            scores[q] = new double[order.length];
            for (int r = 0; r < order.length; r++) {
                ids[q][r] = rowIds[order[r]];
                scores[q][r] = rowScores[order[r]];
            }
        }
        return new TopK(ids, scores);
    }

    @Override
    public String toString() {
        return "ShardedHnswIndex{" + folder + ", " + shards.size() + " shards, " + size + " x " + dimension + ", "
                + distance + '}';
    }

    /** Builds the shards of a {@link ShardedHnswIndex}: {@link #setDistance} is required. */
    public static final class Builder implements Serializable {

        private static final long serialVersionUID = 1L;

        private String distance;
        private int m = HnswIndex.DEFAULT_M;
        private int efConstruction = HnswIndex.DEFAULT_EF_CONSTRUCTION;
        private int ef = HnswIndex.DEFAULT_EF;
        private int threads = 1;
        private String idColumn = "id";
        private String embeddingColumn = "embedding";

        private Builder() {}

        /** The distance (a built-in one, {@link Distance#named}: the executors rebuild it by name). */
        public Builder setDistance(Distance distance) {
            this.distance = distance == null ? null : distance.name();
            return this;
        }

        /** Links per node (default {@value HnswIndex#DEFAULT_M}). */
        public Builder optM(int m) {
            this.m = m;
            return this;
        }

        /** Candidates while building (default {@value HnswIndex#DEFAULT_EF_CONSTRUCTION}). */
        public Builder optEfConstruction(int efConstruction) {
            this.efConstruction = efConstruction;
            return this;
        }

        /** Candidates while searching, stored with each shard (default {@value HnswIndex#DEFAULT_EF}). */
        public Builder optEf(int ef) {
            this.ef = ef;
            return this;
        }

        /** Insertion threads per shard (default 1: a Spark task uses one core). */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        /** The column of unique long ids (default {@code id}). */
        public Builder optIdColumn(String name) {
            this.idColumn = name;
            return this;
        }

        /** The column of embeddings (default {@code embedding}). */
        public Builder optEmbeddingColumn(String name) {
            this.embeddingColumn = name;
            return this;
        }

        /**
         * Builds one HNSW shard per partition of {@code embeddings} and writes them, with the
         * manifest, into {@code folder} (created; shard files and manifest already there are
         * replaced).
         *
         * @return the index, ready to search
         * @throws IllegalArgumentException naming the setting or column if a setting is out of
         *     range, the distance is not built in, a column is missing or of the wrong type, or a
         *     row has a null id or embedding
         * @throws IOException if writing fails
         */
        public ShardedHnswIndex build(Dataset<Row> embeddings, String folder) throws IOException {
            check();
            EmbeddingRows.checkIds(embeddings, "embeddings", idColumn);
            EmbeddingRows.check(embeddings, "embeddings", embeddingColumn, null);
            SparkSession spark = embeddings.sparkSession();
            HadoopFiles files = HadoopFiles.of(spark.sparkContext().hadoopConfiguration());
            Builder settings = this;
            long start = System.nanoTime();
            List<Tuple2<Integer, long[]>> built = embeddings
                    .select(functions.col(idColumn).cast(DataTypes.LongType), functions.col(embeddingColumn))
                    .javaRDD()
                    .mapPartitionsWithIndex((partition, rows) -> {
                        List<Tuple2<Integer, long[]>> out = new ArrayList<>(1);
                        if (rows.hasNext()) {
                            out.add(new Tuple2<>(partition, settings.buildShard(partition, rows, folder, files)));
                        }
                        return out.iterator();
                    }, true)
                    .collect();
            int dim = -1;
            long total = 0;
            JsonArray shards = new JsonArray();
            for (Tuple2<Integer, long[]> shard : built) {
                if (dim >= 0 && dim != shard._2()[1]) {
                    throw new IllegalArgumentException("The embeddings have different lengths (" + dim + " and "
                            + shard._2()[1] + "): all must come from one model.");
                }
                dim = (int) shard._2()[1];
                total += shard._2()[0];
                JsonObject s = new JsonObject();
                s.addProperty("file", shardName(shard._1()));
                s.addProperty("size", shard._2()[0]);
                shards.add(s);
            }
            if (total == 0) {
                throw new IllegalArgumentException("The embeddings are empty: give at least one row.");
            }
            JsonObject manifest = new JsonObject();
            manifest.addProperty("format", FORMAT);
            manifest.addProperty("version", VERSION);
            manifest.addProperty("buildId", java.util.UUID.randomUUID().toString());
            manifest.addProperty("distance", distance);
            manifest.addProperty("dimension", dim);
            manifest.addProperty("size", total);
            manifest.addProperty("m", m);
            manifest.addProperty("efConstruction", efConstruction);
            manifest.addProperty("ef", ef);
            manifest.add("shards", shards);
            Path local = Files.createTempFile("dml4j-shards-", ".json");
            try {
                Files.writeString(local, new GsonBuilder().setPrettyPrinting().create().toJson(manifest));
                files.upload(local, new org.apache.hadoop.fs.Path(folder, MANIFEST).toString());
            } finally {
                Files.deleteIfExists(local);
            }
            logger.info("Built {} HNSW shards of {} embeddings in {} in {} s", built.size(), total, folder,
                    (System.nanoTime() - start) / 1_000_000_000);
            return open(spark, folder);
        }

        /** Builds and uploads one shard; returns {size, dimension}. */
        private long[] buildShard(int partition, java.util.Iterator<Row> rows, String folder, HadoopFiles files)
                throws IOException {
            List<float[]> vectors = new ArrayList<>();
            long[] ids = new long[1024];
            while (rows.hasNext()) {
                Row row = rows.next();
                if (vectors.size() == ids.length) {
                    ids = Arrays.copyOf(ids, ids.length * 2);
                }
                ids[vectors.size()] = row.getLong(0);
                vectors.add(EmbeddingRows.floats(row, 1));
            }
            int n = vectors.size();
            try (HnswIndex index = HnswIndex.builder().setDistance(Distance.named(distance)).optM(m)
                    .optEfConstruction(efConstruction).optEf(ef).optThreads(threads).optInitialCapacity(n).build()) {
                index.add(vectors.toArray(new float[0][]), Arrays.copyOf(ids, n));
                Path local = Files.createTempFile("dml4j-shard-", ".hnsw");
                try {
                    index.save(local);
                    files.upload(local, new org.apache.hadoop.fs.Path(folder, shardName(partition)).toString());
                } finally {
                    Files.deleteIfExists(local);
                }
                return new long[] {n, index.dimension()};
            } catch (IOException e) {
                throw new UncheckedIOException("Writing shard " + partition + " to " + folder + " failed: "
                        + e.getMessage(), e);
            }
        }

        private static String shardName(int partition) {
            return String.format("shard-%05d.hnsw", partition);
        }

        private void check() {
            if (distance == null) {
                throw new IllegalArgumentException("The distance is required: call setDistance(distance), e.g. "
                        + new CosineSimilarity().name() + ".");
            }
            try {
                Distance.named(distance);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("The distance '" + distance + "' is not built in: the executors"
                        + " rebuild the distance by name, so use cosine, dot, l2, l2_normalized, squared_l2 or"
                        + " squared_l2_normalized.", e);
            }
            // the core's checks, with its messages
            HnswIndex.builder().setDistance(Distance.named(distance)).optM(m).optEfConstruction(efConstruction).optEf(ef)
                    .optThreads(threads).build().close();
        }
    }
}
