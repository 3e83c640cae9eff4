package io.github.dml4j.examples;

import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.index.Neighbors;
import io.github.dml4j.spark.ShardedHnswIndex;
import java.io.IOException;
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
 * Sharded approximate search on Apache Spark: one HNSW index per partition of an embedding
 * Parquet (SparkEmbed's output, or generated clustered embeddings with {@code --generate N}),
 * saved beside it, then a batch of queries fanned out to the shards and the top-k merged; the
 * recall@k against exact search over the whole collection is printed.
 */
@Command(name = "SparkSearch", mixinStandardHelpOptions = true,
        description = "Builds one HNSW shard per partition of an embedding Parquet, searches them and prints recall@k.")
public final class SparkSearch implements Callable<Integer> {

    @Option(names = "--embeddings", required = true, description = "Parquet with an embedding column (and an id column,"
            + " or one is added); with --generate it is written first.")
    String embeddings;

    @Option(names = "--index", description = "Folder for the shards (default: the Parquet's path + '.hnsw').")
    String index;

    @Option(names = "--generate", description = "Write N generated clustered embeddings to --embeddings first.")
    long generate;

    @Option(names = "--dim", defaultValue = "128", description = "With --generate: dimension (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--per-identity", defaultValue = "10",
            description = "With --generate: rows per identity (default ${DEFAULT-VALUE}).")
    int perIdentity;

    @Option(names = "--spread", defaultValue = "0.35",
            description = "With --generate: noise around an identity's centre (default ${DEFAULT-VALUE}).")
    double spread;

    @Option(names = "--shards", defaultValue = "4", description = "HNSW shards, one per partition (default ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--queries", defaultValue = "1000", description = "Queries (default ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--k", defaultValue = "10", description = "Neighbours per query (default ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--m", defaultValue = "16", description = "HNSW links per node (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--ef-construction", defaultValue = "100",
            description = "HNSW build candidates (default ${DEFAULT-VALUE}).")
    int efConstruction;

    @Option(names = "--ef", defaultValue = "100", split = ",", description = "HNSW search candidates, or a list of"
            + " them to sweep with one build, e.g. 100,400,800 (default ${DEFAULT-VALUE}).")
    List<Integer> ef;

    @Option(names = "--neighbours-out", description = "Also search every embedding against the index as a Dataset"
            + " (on the executors) and write its k neighbours as Parquet (id, neighbors, scores) here.")
    String neighboursOut;

    @Option(names = "--master", description = "Spark master, e.g. local[2] (default: spark-submit's, or local[2]).")
    String master;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        new OptionChecks(this).atLeast("--generate", generate, 0).atLeast("--dim", dim, 1)
                .atLeast("--per-identity", perIdentity, 1).notNegative("--spread", spread).atLeast("--shards", shards, 1)
                .atLeast("--queries", queries, 1).atLeast("--k", k, 1).atLeast("--m", m, 2)
                .atLeast("--ef-construction", efConstruction, 1)
                .atLeast("--ef", ef.stream().mapToInt(Integer::intValue).min().orElse(0), k, "--k")
                .check();
        int firstEf = ef.get(0);
        String folder = index != null ? index : embeddings.replaceAll("/+$", "") + ".hnsw";
        SparkSession spark = SparkJobs.session("DML4J SparkSearch", master);
        try {
            int identities = (int) Math.max(1, generate / perIdentity);
            long t0 = System.nanoTime();
            if (generate > 0) {
                SparkData.clustered(spark, generate, dim, identities, spread, shards, seed)
                        .write().mode("overwrite").parquet(embeddings);
                System.out.printf(Locale.ROOT, "generated %,d x %d clustered embeddings (%,d identities, spread %.2f)"
                        + " in %.1f s into %s%n", generate, dim, identities, spread, seconds(t0), embeddings);
            }
            Dataset<Row> data = spark.read().parquet(embeddings);
            if (!List.of(data.columns()).contains("id")) {
                data = data.withColumn("id", functions.monotonically_increasing_id());
            }
            data = data.select("id", "embedding").repartition(shards).cache();
            long n = data.count();

            long t1 = System.nanoTime();
            ShardedHnswIndex built = ShardedHnswIndex.builder().setDistance(new CosineSimilarity()).optM(m)
                    .optEfConstruction(efConstruction).optEf(firstEf).build(data, folder);
            System.out.printf(Locale.ROOT, "built %d HNSW shards of %,d embeddings (M %d, efConstruction %d) in %.1f s"
                    + " into %s%n", built.shards(), n, m, efConstruction, seconds(t1), folder);

            float[][] q = generate > 0 ? SparkData.queries(queries, dim, identities, spread, seed)
                    : sampleQueries(data, queries);
            ShardedHnswIndex opened = ShardedHnswIndex.open(spark, folder);
            opened.search(q, k, firstEf); // loads the shards on the executors
            long t3 = System.nanoTime();
            Neighbors exact = SparkData.exactTopK(spark, data, q, k, new CosineSimilarity().name());
            double exactSeconds = seconds(t3);
            System.out.printf(Locale.ROOT, "exact search of %,d queries by partition: %.1f s%n", q.length, exactSeconds);
            for (int e : ef) {
                long t2 = System.nanoTime();
                Neighbors approximate = opened.search(q, k, e);
                double searchSeconds = seconds(t2);
                System.out.printf(Locale.ROOT, "%,d queries, k = %d, ef %d: sharded HNSW %.2f s (%.0f queries/s), exact %.1f s;"
                        + " recall@%d %.4f%n", q.length, k, e, searchSeconds, q.length / searchSeconds, exactSeconds, k,
                        approximate.recallAgainst(exact));
            }
            if (neighboursOut != null) {
                long t4 = System.nanoTime();
                opened.search(data, k, firstEf).write().mode("overwrite").parquet(neighboursOut);
                double s = seconds(t4);
                System.out.printf(Locale.ROOT, "every embedding searched as a Dataset (ef %d): %,d rows of %d neighbours in"
                        + " %.1f s (%.0f queries/s) into %s%n", firstEf, n, k, s, n / s, neighboursOut);
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static float[][] sampleQueries(Dataset<Row> data, int count) {
        List<Row> rows = data.limit(count).collectAsList();
        float[][] q = new float[rows.size()][];
        for (int i = 0; i < q.length; i++) {
            List<Float> v = rows.get(i).getList(1);
            q[i] = new float[v.size()];
            for (int j = 0; j < q[i].length; j++) {
                q[i][j] = v.get(j);
            }
        }
        return q;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Runs the job; {@code --help} lists the options. */
    public static void main(String[] args) {
        SparkJobs.quietLogs();
        System.exit(CommandLines.execute(new SparkSearch(), args));
    }
}
