package io.github.dml4j.examples;

import io.github.dml4j.distance.Distance;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.spark.DistributedRetrievalMetrics;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exact retrieval metrics on Apache Spark (every row a query against all the others) of an
 * embedding Parquet with a label column, or of generated clustered embeddings ({@code
 * --generate N}); {@code --compare} computes the same metrics with {@link RetrievalMetrics} in
 * this JVM and prints the largest difference.
 */
@Command(name = "SparkEvaluate", mixinStandardHelpOptions = true,
        description = "Distributed exact retrieval metrics (P@1, R-Precision, MAP@R, Recall@K) of an embedding Parquet.")
public final class SparkEvaluate implements Callable<Integer> {

    @Option(names = "--embeddings", description = "Parquet with 'embedding' and 'label' columns (or, with --generate,"
            + " where the generated rows are written; default: none, they stay in memory).")
    String embeddings;

    @Option(names = "--generate", description = "Evaluate N generated clustered embeddings.")
    long generate;

    @Option(names = "--dim", defaultValue = "64", description = "With --generate: dimension (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--per-identity", defaultValue = "100",
            description = "With --generate: rows per identity on average (default ${DEFAULT-VALUE}).")
    int perIdentity;

    @Option(names = "--spread", defaultValue = "1.0",
            description = "With --generate: noise around an identity's centre (default ${DEFAULT-VALUE}).")
    double spread;

    @Option(names = "--distance", defaultValue = "l2", description = "cosine, dot, l2, l2_normalized, squared_l2,"
            + " squared_l2_normalized (default ${DEFAULT-VALUE}).")
    String distance;

    @Option(names = "--partitions", defaultValue = "4", description = "Query blocks = gallery partitions (default"
            + " ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--queries", defaultValue = "0", description = "Only the first N rows are queries, against all rows"
            + " (each excluded from its own ranking by id); 0 = leave-one-out over every row (default ${DEFAULT-VALUE}).")
    long queries;

    @Option(names = "--compare", description = "Also compute the metrics in this JVM and print the largest difference.")
    boolean compare;

    @Option(names = "--master", description = "Spark master, e.g. local[2] (default: spark-submit's, or local[2]).")
    String master;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        OptionChecks checks = new OptionChecks(this).atLeast("--generate", generate, 0).atLeast("--dim", dim, 1)
                .atLeast("--per-identity", perIdentity, 1).notNegative("--spread", spread)
                .atLeast("--partitions", partitions, 1).notNegative("--queries", queries)
                .require(generate > 0 || embeddings != null, "give --embeddings PARQUET or --generate N");
        Distance d = null;
        try {
            d = Distance.named(distance);
        } catch (IllegalArgumentException e) {
            checks.require(false, "--distance: " + e.getMessage());
        }
        checks.check();
        SparkSession spark = SparkJobs.session("DML4J SparkEvaluate", master);
        try {
            Dataset<Row> data;
            if (generate > 0) {
                int identities = (int) Math.max(1, generate / perIdentity);
                data = SparkData.clustered(spark, generate, dim, identities, spread, partitions, seed);
                if (embeddings != null) {
                    data.write().mode("overwrite").parquet(embeddings);
                    data = spark.read().parquet(embeddings);
                } else {
                    data = data.cache();
                }
                System.out.printf(Locale.ROOT, "%,d x %d generated embeddings, %,d identities, spread %.2f%n", generate,
                        dim, identities, spread);
            } else {
                data = spark.read().parquet(embeddings);
            }
            // one numbering for both runs: the partition order of these partitions
            data = data.select("label", "embedding").repartition(partitions).cache();
            long n = data.count();
            Dataset<Row> queryRows = null;
            if (queries > 0) {
                // ids in the order compare collects the rows: the first N are the queries
                data = data.withColumn("id", functions.monotonically_increasing_id()).cache();
                queryRows = data.orderBy("id").limit((int) Math.min(queries, n));
            }
            long t0 = System.nanoTime();
            DistributedRetrievalMetrics metrics = DistributedRetrievalMetrics.builder().optDistance(d)
                    .optPartitions(partitions).optIdColumn(queries > 0 ? "id" : null).build();
            RetrievalReport distributed = queries > 0 ? metrics.compute(queryRows, data) : metrics.compute(data);
            double distributedSeconds = seconds(t0);
            System.out.printf(Locale.ROOT, "distributed (%d partitions, %d tasks), %,d embeddings%s: %.1f s%n  %s%n",
                    partitions, partitions * partitions, n, queries > 0 ? String.format(Locale.ROOT,
                            ", the first %,d as queries", Math.min(queries, n)) : "", distributedSeconds, distributed);
            if (compare) {
                List<Row> rows = (queries > 0 ? data.orderBy("id") : data).collectAsList();
                float[][] x = new float[rows.size()][];
                int[] labels = new int[rows.size()];
                for (int i = 0; i < x.length; i++) {
                    labels[i] = rows.get(i).getInt(0);
                    List<Float> v = rows.get(i).getList(1);
                    x[i] = new float[v.size()];
                    for (int j = 0; j < x[i].length; j++) {
                        x[i][j] = v.get(j);
                    }
                }
                rows = null;
                long t1 = System.nanoTime();
                RetrievalMetrics single = RetrievalMetrics.builder().optDistance(d).build();
                RetrievalReport one;
                if (queries > 0) {
                    int q = (int) Math.min(queries, n);
                    int[] self = java.util.stream.IntStream.range(0, q).toArray();
                    one = single.compute(java.util.Arrays.copyOf(x, q), java.util.Arrays.copyOf(labels, q), x, labels,
                            self);
                } else {
                    one = single.compute(x, labels);
                }
                System.out.printf(Locale.ROOT, "one JVM: %.1f s%n  %s%n", seconds(t1), one);
                System.out.printf(Locale.ROOT, "largest difference: %.3g%n", largestDifference(one, distributed));
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static double largestDifference(RetrievalReport a, RetrievalReport b) {
        double worst = 0;
        double[] x = {a.precisionAt1(), a.rPrecision(), a.meanAveragePrecisionAtR(), a.meanAveragePrecision(),
            a.meanReciprocalRank()};
        double[] y = {b.precisionAt1(), b.rPrecision(), b.meanAveragePrecisionAtR(), b.meanAveragePrecision(),
            b.meanReciprocalRank()};
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        for (var e : a.recallAtK().entrySet()) {
            worst = Math.max(worst, Math.abs(e.getValue() - b.recallAtK().get(e.getKey())));
        }
        for (int i = 0; i < a.cmc().length; i++) {
            worst = Math.max(worst, Math.abs(a.cmc()[i] - b.cmc()[i]));
        }
        if (a.evaluatedQueries() != b.evaluatedQueries() || a.k() != b.k()) {
            return Double.POSITIVE_INFINITY;
        }
        return worst;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Runs the job; {@code --help} lists the options. */
    public static void main(String[] args) {
        SparkJobs.quietLogs();
        System.exit(CommandLines.execute(new SparkEvaluate(), args));
    }
}
