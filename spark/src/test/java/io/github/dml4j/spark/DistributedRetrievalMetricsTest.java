package io.github.dml4j.spark;

import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Distributed exact metrics in local[2] against {@link RetrievalMetrics} in one JVM. */
class DistributedRetrievalMetricsTest {

    private static final StructType SCHEMA = DataTypes.createStructType(List.of(
            DataTypes.createStructField("label", DataTypes.IntegerType, false),
            DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)));

    /**
     * n clustered rows: class sizes from 1 to 79 (so some classes are singletons), centres
     * N(0, 1), points centre + N(0, spread), so that neighbour lists mix classes.
     */
    static float[][] clustered(int n, int d, int[] labels, long seed) {
        Random random = new Random(seed);
        float[][] rows = new float[n][d];
        int label = 0;
        float[] centre = new float[d];
        int left = 0;
        for (int i = 0; i < n; i++) {
            if (left == 0) {
                label++;
                left = 1 + random.nextInt(79);
                for (int j = 0; j < d; j++) {
                    centre[j] = (float) random.nextGaussian();
                }
            }
            labels[i] = label;
            for (int j = 0; j < d; j++) {
                rows[i][j] = centre[j] + (float) (0.6 * random.nextGaussian());
            }
            left--;
        }
        return rows;
    }

    /** The rows as a Dataset of {@code partitions} contiguous partitions, in order. */
    static Dataset<Row> dataset(float[][] rows, int[] labels, int partitions) {
        SparkSession spark = TestSpark.session();
        List<Row> list = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            list.add(RowFactory.create(labels[i], rows[i]));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(sc.parallelize(list, partitions), SCHEMA);
    }

    static void assertSameReport(RetrievalReport expected, RetrievalReport actual) {
        System.out.println("one JVM:     " + expected);
        System.out.println("distributed: " + actual);
        double tolerance = 1e-9;
        assertEquals(expected.k(), actual.k());
        assertEquals(expected.evaluatedQueries(), actual.evaluatedQueries());
        assertEquals(expected.loneQueries(), actual.loneQueries());
        assertEquals(expected.precisionAt1(), actual.precisionAt1(), tolerance);
        assertEquals(expected.rPrecision(), actual.rPrecision(), tolerance);
        assertEquals(expected.meanAveragePrecisionAtR(), actual.meanAveragePrecisionAtR(), tolerance);
        assertEquals(expected.meanAveragePrecision(), actual.meanAveragePrecision(), tolerance);
        assertEquals(expected.meanReciprocalRank(), actual.meanReciprocalRank(), tolerance);
        assertEquals(expected.meanAveragePrecisionFullRanking(), actual.meanAveragePrecisionFullRanking(), tolerance);
        assertEquals(expected.truncatedQueries(), actual.truncatedQueries());
        assertEquals(expected.recallAtK().keySet(), actual.recallAtK().keySet());
        expected.recallAtK().forEach((k, v) -> assertEquals(v, actual.recallAtK().get(k), tolerance, "R@" + k));
        assertArrayEquals(expected.cmc(), actual.cmc(), tolerance);
    }

    @Test
    void leaveOneOutEqualsOneJvm() {
        int n = 5_000;
        int[] labels = new int[n];
        float[][] rows = clustered(n, 16, labels, 7);
        RetrievalReport expected = RetrievalMetrics.builder().optRecallAtK(1, 2, 4, 8, 16).build().compute(rows, labels);
        RetrievalReport actual = DistributedRetrievalMetrics.builder().optPartitions(4).optRecallAtK(1, 2, 4, 8, 16)
                .optQueryBlockSize(300).build().compute(dataset(rows, labels, 4));
        assertTrue(expected.loneQueries() > 0 && expected.precisionAt1() > 0.3 && expected.precisionAt1() < 0.99,
                expected::toString);
        assertSameReport(expected, actual);
    }

    @Test
    void queriesAgainstASeparateGalleryEqualOneJvm() {
        int n = 2_000;
        int[] labels = new int[n];
        float[][] rows = clustered(n, 16, labels, 11);
        // every third row a query, the others the gallery
        List<float[]> q = new ArrayList<>();
        List<float[]> g = new ArrayList<>();
        List<Integer> ql = new ArrayList<>();
        List<Integer> gl = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (i % 3 == 0 ? q : g).add(rows[i]);
            (i % 3 == 0 ? ql : gl).add(labels[i]);
        }
        float[][] queries = q.toArray(new float[0][]);
        float[][] gallery = g.toArray(new float[0][]);
        int[] queryLabels = ql.stream().mapToInt(Integer::intValue).toArray();
        int[] galleryLabels = gl.stream().mapToInt(Integer::intValue).toArray();
        RetrievalReport expected = RetrievalMetrics.builder().optDistance(new CosineSimilarity()).build()
                .compute(queries, queryLabels, gallery, galleryLabels, null);
        RetrievalReport actual = DistributedRetrievalMetrics.builder().optDistance(new CosineSimilarity())
                .optPartitions(3).build()
                .compute(dataset(queries, queryLabels, 3), dataset(gallery, galleryLabels, 3));
        assertSameReport(expected, actual);
    }

    private static final StructType KEYED = DataTypes.createStructType(List.of(
            DataTypes.createStructField("id", DataTypes.LongType, false),
            DataTypes.createStructField("label", DataTypes.IntegerType, false),
            DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)));

    static Dataset<Row> keyed(long[] ids, int[] labels, float[][] rows, int partitions) {
        SparkSession spark = TestSpark.session();
        List<Row> list = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            list.add(RowFactory.create(ids[i], labels[i], rows[i]));
        }
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(list,
                partitions), KEYED);
    }

    @Test
    void queriesFoundInTheGalleryByIdEqualOneJvm() {
        int n = 2_400;
        int[] labels = new int[n];
        float[][] rows = clustered(n, 16, labels, 13);
        // ids 10000 + row; the gallery: the rows not divisible by 6 (2,000); the queries: every fourth gallery row
        // (same id) and the 400 rows divisible by 6, of the same classes but not in the gallery
        List<Integer> galleryRows = new ArrayList<>();
        List<Integer> queryRows = new ArrayList<>();
        List<Integer> rowInGallery = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % 6 != 0) {
                if (galleryRows.size() % 4 == 0) {
                    queryRows.add(i);
                    rowInGallery.add(galleryRows.size());
                }
                galleryRows.add(i);
            }
        }
        for (int i = 0; i < n; i += 6) {
            queryRows.add(i);
            rowInGallery.add(-1);
        }
        int g = galleryRows.size();
        float[][] gallery = new float[g][];
        int[] galleryLabels = new int[g];
        long[] galleryIds = new long[g];
        for (int j = 0; j < g; j++) {
            gallery[j] = rows[galleryRows.get(j)];
            galleryLabels[j] = labels[galleryRows.get(j)];
            galleryIds[j] = 10_000L + galleryRows.get(j);
        }
        int q = queryRows.size();
        float[][] queries = new float[q][];
        int[] queryLabels = new int[q];
        long[] queryIds = new long[q];
        int[] galleryRowOfQuery = new int[q];
        for (int i = 0; i < q; i++) {
            int row = queryRows.get(i);
            queries[i] = rows[row];
            queryLabels[i] = labels[row];
            queryIds[i] = 10_000L + row;
            galleryRowOfQuery[i] = rowInGallery.get(i);
        }
        RetrievalReport expected = RetrievalMetrics.builder().optRecallAtK(1, 4, 16).build()
                .compute(queries, queryLabels, gallery, galleryLabels, galleryRowOfQuery);
        DistributedRetrievalMetrics metrics = DistributedRetrievalMetrics.builder().optRecallAtK(1, 4, 16)
                .optIdColumn("id").optPartitions(3).build();
        RetrievalReport actual = metrics.compute(keyed(queryIds, queryLabels, queries, 2),
                keyed(galleryIds, galleryLabels, gallery, 3));
        assertTrue(expected.precisionAt1() > 0.3 && expected.precisionAt1() < 0.99, expected::toString);
        assertSameReport(expected, actual);
        // without the id column the query rows find themselves: a different, better-looking report
        RetrievalReport separate = DistributedRetrievalMetrics.builder().optRecallAtK(1, 4, 16).optPartitions(3)
                .build().compute(keyed(queryIds, queryLabels, queries, 2), keyed(galleryIds, galleryLabels, gallery, 3));
        assertTrue(separate.precisionAt1() > actual.precisionAt1(), separate + " against " + actual);

        // a query in the gallery with another label, and a gallery id given twice
        int[] relabelled = queryLabels.clone();
        relabelled[1] = 999;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> metrics.compute(
                keyed(queryIds, relabelled, queries, 2), keyed(galleryIds, galleryLabels, gallery, 3)));
        assertEquals("The query with id 10005 has label 999 but the gallery row with that id has label "
                + galleryLabels[4] + ": a query in the gallery must keep its label.", e.getMessage());
        long[] twice = galleryIds.clone();
        twice[7] = twice[6];
        e = assertThrows(IllegalArgumentException.class, () -> metrics.compute(
                keyed(queryIds, queryLabels, queries, 2), keyed(twice, galleryLabels, gallery, 3)));
        assertEquals("The gallery has 2 rows with id 10008: ids must be unique to tell which queries are in the"
                + " gallery.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> metrics.compute(
                keyed(queryIds, queryLabels, queries, 2).drop("id"), keyed(galleryIds, galleryLabels, gallery, 3)));
        assertEquals("The queries have no column 'id' of ids (columns: [label, embedding]); add one, e.g. with"
                + " zipWithIndex or monotonically_increasing_id().", e.getMessage());
    }

    @Test
    void badInputIsRefusedWithTheProblemNamed() {
        int[] labels = {1, 1, 2};
        float[][] rows = {{0, 1}, {1, 0}, {1, 1}};
        Dataset<Row> data = dataset(rows, labels, 1);
        DistributedRetrievalMetrics metrics = DistributedRetrievalMetrics.builder().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> metrics.compute(data.drop("label")));
        assertEquals("The embeddings have no column 'label' (columns: [embedding]).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> metrics.compute(data.withColumn("embedding", org.apache.spark.sql.functions.lit("x"))));
        assertEquals("The column 'embedding' of the embeddings holds string, not array<float> or array<double>.",
                e.getMessage());
        Dataset<Row> withNull = data.union(TestSpark.session().createDataFrame(
                List.of(RowFactory.create(3, null)), SCHEMA));
        e = assertThrows(IllegalArgumentException.class, () -> metrics.compute(withNull));
        assertEquals("1 rows of the embeddings have no embedding or label (null): remove them first (for ImageEmbedder's"
                + " output, keep the rows whose error is null).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DistributedRetrievalMetrics.builder().optK(5).build()
                .compute(data, data));
        assertEquals("k = 5 is larger than the gallery, which has 3 candidates per query.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DistributedRetrievalMetrics.builder().optPartitions(-1)
                .build());
        assertEquals("The partitions must be at least 1 (or 0 for Spark's default), but was -1.", e.getMessage());
    }
}
