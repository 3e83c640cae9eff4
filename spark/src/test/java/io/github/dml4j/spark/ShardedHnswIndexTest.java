package io.github.dml4j.spark;

import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.index.ExactIndex;
import io.github.dml4j.index.HnswIndex;
import io.github.dml4j.index.Neighbors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sharded HNSW in local[2] against exact search over the whole collection. */
class ShardedHnswIndexTest {

    private static final StructType SCHEMA = DataTypes.createStructType(List.of(
            DataTypes.createStructField("id", DataTypes.LongType, false),
            DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)));

    @TempDir
    Path dir;

    /** n vectors around n / 20 random centres, ids 1000 + i (so that ids are not row numbers). */
    static float[][] clustered(int n, int d, Random random) {
        float[][] centres = new float[Math.max(1, n / 20)][d];
        for (float[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = (float) random.nextGaussian();
            }
        }
        float[][] rows = new float[n][d];
        for (int i = 0; i < n; i++) {
            float[] c = centres[random.nextInt(centres.length)];
            for (int j = 0; j < d; j++) {
                rows[i][j] = c[j] + (float) (0.3 * random.nextGaussian());
            }
        }
        return rows;
    }

    @Test
    void shardsMergeToTheExactNeighboursAtHighRecall() throws IOException {
        SparkSession spark = TestSpark.session();
        Random random = new Random(3);
        int n = 4_000;
        float[][] rows = clustered(n, 32, random);
        List<Row> list = new ArrayList<>();
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1000L + i;
            list.add(RowFactory.create(ids[i], rows[i]));
        }
        Dataset<Row> data = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(list, 3), SCHEMA);
        String folder = dir.resolve("index").toString();
        ShardedHnswIndex built = ShardedHnswIndex.builder().setDistance(new CosineSimilarity()).optM(12)
                .optEfConstruction(100).build(data, folder);
        assertEquals(3, built.shards());
        assertEquals(n, built.size());
        for (int s = 0; s < 3; s++) {
            assertTrue(Files.isRegularFile(dir.resolve("index").resolve(String.format("shard-%05d.hnsw", s))));
        }

        float[][] queries = new float[200][];
        for (int q = 0; q < queries.length; q++) {
            float[] base = rows[random.nextInt(n)];
            queries[q] = new float[base.length];
            for (int j = 0; j < base.length; j++) {
                queries[q][j] = base[j] + (float) (0.1 * random.nextGaussian());
            }
        }
        ShardedHnswIndex index = ShardedHnswIndex.open(spark, folder);
        Neighbors approximate = index.search(queries, 10);
        Neighbors exact;
        try (ExactIndex reference = ExactIndex.builder().setDistance(new CosineSimilarity()).build()) {
            reference.add(rows, ids);
            exact = reference.search(queries, 10);
        }
        double recall = approximate.recallAgainst(exact);
        System.out.printf("ShardedHnswIndexTest: 3 shards of %d x 32, recall@10 against exact search %.4f%n", n, recall);
        assertTrue(recall >= 0.99, "recall@10 " + recall);
        for (int q = 0; q < queries.length; q++) {
            for (int r = 1; r < 10; r++) {
                assertTrue(approximate.score(q, r - 1) >= approximate.score(q, r), "sorted by score");
            }
        }
        // the same queries as a Dataset: searched and merged on the executors, the same neighbours
        List<Row> queryRows = new ArrayList<>();
        for (int q = 0; q < queries.length; q++) {
            queryRows.add(RowFactory.create(50_000L + q, queries[q]));
        }
        Dataset<Row> queryData = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(queryRows, 2), SCHEMA);
        List<Row> found = index.search(queryData, 10, HnswIndex.DEFAULT_EF).orderBy("id").collectAsList();
        assertEquals(queries.length, found.size());
        for (int q = 0; q < queries.length; q++) {
            Row row = found.get(q);
            assertEquals(50_000L + q, row.getLong(0));
            List<Long> neighbours = row.getList(1);
            List<Float> scores = row.getList(2);
            assertEquals(10, neighbours.size());
            for (int r = 0; r < 10; r++) {
                assertEquals(approximate.id(q, r), neighbours.get(r), "query " + q + " rank " + r);
                assertEquals(approximate.score(q, r), scores.get(r), 1e-6f, "query " + q + " rank " + r);
            }
        }

        // a second search reads no file: the executors keep their shards
        Files.delete(dir.resolve("index").resolve("shard-00000.hnsw"));
        assertEquals(approximate, index.search(queries, 10));

        // built again into the same folder (only the first 100 rows): the executors load the new shards
        ShardedHnswIndex rebuilt = ShardedHnswIndex.builder().setDistance(new CosineSimilarity())
                .build(data.filter("id < 1100"), folder);
        Neighbors again = rebuilt.search(queries, 10);
        for (long[] row : again.ids()) {
            for (long id : row) {
                assertTrue(id >= 1000 && id < 1100, "id " + id + " is not in the rebuilt index");
            }
        }
    }

    @Test
    void executorsKeepTheirShardsWithinTheBudget() throws IOException {
        SparkSession spark = TestSpark.session();
        Random random = new Random(5);
        float[][] rows = clustered(600, 8, random);
        List<Row> list = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            list.add(RowFactory.create((long) i, rows[i]));
        }
        Dataset<Row> data = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(list, 3), SCHEMA);
        ShardedHnswIndex index = ShardedHnswIndex.builder().setDistance(new CosineSimilarity())
                .build(data, dir.resolve("budget").toString());
        float[][] queries = java.util.Arrays.copyOf(rows, 50);
        Neighbors small;
        System.setProperty(ShardedHnswIndex.CACHE_BYTES_PROPERTY, "1");
        try {
            small = index.search(queries, 5); // each shard loaded drops the others
            assertEquals(1, ShardedHnswIndex.loadedShards());
        } finally {
            System.clearProperty(ShardedHnswIndex.CACHE_BYTES_PROPERTY);
        }
        assertEquals(small, index.search(queries, 5)); // the dropped shards read again, the same neighbours
        assertEquals(3, ShardedHnswIndex.loadedShards());
        for (int q = 0; q < queries.length; q++) {
            assertEquals(q, small.id(q, 0), "each row finds itself first");
        }
    }

    private String built(Dataset<Row> data) throws IOException {
        String folder = dir.resolve("small").toString();
        ShardedHnswIndex.builder().setDistance(new CosineSimilarity()).build(data, folder);
        return folder;
    }

    @Test
    void badInputIsRefusedWithTheProblemNamed() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> data = spark.createDataFrame(List.of(RowFactory.create(1L, new float[] {1, 0})), SCHEMA);
        ShardedHnswIndex.Builder builder = ShardedHnswIndex.builder().setDistance(new CosineSimilarity());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.build(data.drop("id"), dir.toString()));
        assertEquals("The embeddings have no column 'id' of ids (columns: [embedding]); add one, e.g. with zipWithIndex"
                + " or monotonically_increasing_id().", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ShardedHnswIndex.builder().build(data, dir.toString()));
        assertEquals("The distance is required: call setDistance(distance), e.g. cosine.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ShardedHnswIndex.open(spark, built(data))
                .search(data.withColumnRenamed("id", "key"), 1, 10));
        assertEquals("The queries have no column 'id' of ids (columns: [key, embedding]); add one, e.g. with"
                + " zipWithIndex or monotonically_increasing_id().", e.getMessage());
        Dataset<Row> wrongLength = spark.createDataFrame(List.of(RowFactory.create(7L, new float[] {1, 0}),
                RowFactory.create(8L, new float[] {1, 0, 0})), SCHEMA);
        e = assertThrows(IllegalArgumentException.class, () -> ShardedHnswIndex.open(spark, built(data))
                .search(wrongLength, 1, 10));
        assertEquals("The query with id 8 has 3 values but the index holds embeddings of 2.", e.getMessage());
        IOException io = assertThrows(IOException.class, () -> ShardedHnswIndex.open(spark, dir.toString()));
        assertEquals("The folder " + dir + " has no shards.json: it is not a sharded HNSW index (build one with"
                + " ShardedHnswIndex.builder()...build(embeddings, folder)).", io.getMessage());
    }
}
