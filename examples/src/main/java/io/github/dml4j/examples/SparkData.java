package io.github.dml4j.examples;

import io.github.dml4j.distance.Distance;
import io.github.dml4j.index.ExactSearch;
import io.github.dml4j.index.Neighbors;
import io.github.dml4j.index.TopK;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Generated embeddings for the Spark examples, made by the executors (nothing of size N on the
 * driver): identities with a random unit centre each, their rows the centre plus Gaussian noise
 * of norm about {@code spread}, L2-normalized (as IndexBenchmark's clustered data); and the exact
 * top-k of a few queries over a Dataset, by partition, as the reference of a recall.
 */
final class SparkData {

    static final StructType SCHEMA = DataTypes.createStructType(List.of(
            DataTypes.createStructField("id", DataTypes.LongType, false),
            DataTypes.createStructField("label", DataTypes.IntegerType, false),
            DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false)));

    private SparkData() {}

    /** Rows id 0..n-1, label = the identity (uniformly drawn from {@code identities}), embedding. */
    static Dataset<Row> clustered(SparkSession spark, long n, int dim, int identities, double spread, int partitions,
            long seed) {
        MapPartitionsFunction<Long, Row> rows = ids -> new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                return ids.hasNext();
            }

            @Override
            public Row next() {
                long id = ids.next();
                Random r = new Random(seed * 0x9E3779B97F4A7C15L + id);
                int label = r.nextInt(identities);
                return RowFactory.create(id, label, around(centre(label, dim, seed), spread, r));
            }
        };
        return spark.range(0, n, 1, partitions).as(Encoders.LONG()).mapPartitions(rows, Encoders.row(SCHEMA));
    }

    /** {@code count} queries around random identities (drawn with {@code seed + 1}). */
    static float[][] queries(int count, int dim, int identities, double spread, long seed) {
        Random r = new Random(seed + 1);
        float[][] q = new float[count][];
        for (int i = 0; i < count; i++) {
            q[i] = around(centre(r.nextInt(identities), dim, seed), spread, r);
        }
        return q;
    }

    private static float[] centre(int label, int dim, long seed) {
        Random r = new Random(seed * 1_000_003L + label);
        float[] c = new float[dim];
        for (int j = 0; j < dim; j++) {
            c[j] = (float) r.nextGaussian();
        }
        return normalize(c);
    }

    private static float[] around(float[] centre, double spread, Random r) {
        double sigma = spread / Math.sqrt(centre.length);
        float[] x = new float[centre.length];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (centre[j] + sigma * r.nextGaussian());
        }
        return normalize(x);
    }

    private static float[] normalize(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        float norm = (float) Math.sqrt(s);
        for (int j = 0; j < x.length; j++) {
            x[j] /= norm;
        }
        return x;
    }

    /**
     * The exact top-k of {@code queries} over the (id, embedding) rows of {@code data}: each
     * partition searched with {@link ExactSearch}, the partition lists merged with {@link TopK#merge}.
     */
    static Neighbors exactTopK(SparkSession spark, Dataset<Row> data, float[][] queries, int k, String distance) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[][]> q = sc.broadcast(queries);
        List<TopK> parts = data.select("id", "embedding").javaRDD().mapPartitions(it -> {
            List<long[]> idList = new ArrayList<>();
            List<float[]> rows = new ArrayList<>();
            while (it.hasNext()) {
                Row row = it.next();
                idList.add(new long[] {row.getLong(0)});
                List<Float> v = row.getList(1);
                float[] f = new float[v.size()];
                for (int j = 0; j < f.length; j++) {
                    f[j] = v.get(j);
                }
                rows.add(f);
            }
            if (rows.isEmpty()) {
                return java.util.Collections.emptyIterator();
            }
            ExactSearch search = ExactSearch.builder().optDistance(Distance.named(distance)).build();
            TopK local;
            try (ExactSearch.Gallery gallery = search.gallery(rows.toArray(new float[0][]), 0L)) {
                local = gallery.search(q.value(), Math.min(k, rows.size()), null);
            }
            long[][] ids = new long[local.queries()][];
            double[][] scores = new double[local.queries()][];
            for (int i = 0; i < ids.length; i++) {
                Integer[] order = new Integer[local.size(i)];
                Arrays.setAll(order, r -> r);
                TopK l = local;
                int qi = i;
                Arrays.sort(order, (a, b) -> TopK.compare(l.score(qi, a), idList.get((int) l.id(qi, a))[0],
                        l.score(qi, b), idList.get((int) l.id(qi, b))[0]));
                ids[i] = new long[order.length];
                scores[i] = new double[order.length];
                for (int r = 0; r < order.length; r++) {
                    ids[i][r] = idList.get((int) local.id(i, order[r]))[0];
                    scores[i][r] = local.score(i, order[r]);
                }
            }
            return List.of(new TopK(ids, scores)).iterator();
        }).collect();
        q.destroy();
        return TopK.merge(k, parts).toNeighbors();
    }
}
