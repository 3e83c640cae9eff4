package io.github.dml4j.examples;

import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.index.ExactIndex;
import io.github.dml4j.index.HnswIndex;
import io.github.dml4j.index.Neighbors;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exact versus HNSW search on random L2-normalized embeddings (cosine similarity): build time,
 * HNSW recall@k against the exact index, queries per second of both, and the peak resident
 * memory of the process. Uniformly random vectors are the hardest case for HNSW (no cluster
 * structure), so the recall on trained embeddings is usually higher at the same settings.
 */
@Command(name = "IndexBenchmark", mixinStandardHelpOptions = true,
        description = "Builds an exact and an HNSW index over random embeddings and compares recall and speed.")
public final class IndexBenchmark implements Callable<Integer> {

    @Option(names = "--n", defaultValue = "100000", description = "Gallery size (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--dim", defaultValue = "128", description = "Embedding size (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--queries", defaultValue = "1000", description = "Number of queries (default ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--k", defaultValue = "10", description = "Neighbours per query (default ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--m", defaultValue = "32", description = "HNSW links per node (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--ef-construction", defaultValue = "200", description = "HNSW build candidates (default ${DEFAULT-VALUE}).")
    int efConstruction;

    @Option(names = "--ef", defaultValue = "400", description = "HNSW search candidates (default ${DEFAULT-VALUE}).")
    int ef;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (n < 1 || dim < 1 || queries < 1 || k < 1 || k > n) {
            System.err.println("IndexBenchmark needs --n, --dim, --queries >= 1 and 1 <= --k <= --n.");
            return 2;
        }
        float[][] gallery = randomUnit(n, dim, seed);
        float[][] query = randomUnit(queries, dim, seed + 1);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        System.out.printf(Locale.ROOT, "Gallery %,d x %d, %,d queries, k = %d, cosine similarity%n", n, dim, queries, k);
        try (ExactIndex exact = ExactIndex.builder().setDistance(new CosineSimilarity()).build();
                HnswIndex hnsw = HnswIndex.builder().setDistance(new CosineSimilarity())
                        .optM(m).optEfConstruction(efConstruction).optEf(ef).optInitialCapacity(n).build()) {
            long t0 = System.nanoTime();
            exact.add(gallery, ids);
            double exactBuild = seconds(t0);
            t0 = System.nanoTime();
            hnsw.add(gallery, ids);
            double hnswBuild = seconds(t0);

            exact.search(java.util.Arrays.copyOf(query, Math.min(queries, 64)), k); // warm-up
            t0 = System.nanoTime();
            Neighbors truth = exact.search(query, k);
            double exactSearch = seconds(t0);
            hnsw.search(java.util.Arrays.copyOf(query, Math.min(queries, 64)), k); // warm-up
            t0 = System.nanoTime();
            Neighbors approx = hnsw.search(query, k);
            double hnswSearch = seconds(t0);
            double recall = approx.recallAgainst(truth);

            System.out.printf(Locale.ROOT, "%-28s %12s %12s%n", "", "exact", "HNSW");
            System.out.printf(Locale.ROOT, "%-28s %12.2f %12.2f%n", "build time (s)", exactBuild, hnswBuild);
            System.out.printf(Locale.ROOT, "%-28s %12.2f %12.2f%n", "search time (s)", exactSearch, hnswSearch);
            System.out.printf(Locale.ROOT, "%-28s %12.0f %12.0f%n", "queries per second", queries / exactSearch, queries / hnswSearch);
            System.out.printf(Locale.ROOT, "%-28s %12s %12.4f%n", "recall@" + k + " vs exact", "1", recall);
            System.out.printf(Locale.ROOT, "HNSW M = %d, efConstruction = %d, ef = %d; engine threads %s%n",
                    m, efConstruction, ef, System.getProperty("ai.djl.pytorch.num_threads", "default"));
        }
        System.out.printf(Locale.ROOT, "peak resident memory: %.0f MB%n", ProcessMemory.peakResidentMb());
        return 0;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static float[][] randomUnit(int rows, int d, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[rows][d];
        for (float[] row : x) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                row[j] = (float) r.nextGaussian();
                s += row[j] * row[j];
            }
            float norm = (float) Math.sqrt(s);
            for (int j = 0; j < d; j++) {
                row[j] /= norm;
            }
        }
        return x;
    }

    /** Runs the benchmark; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new IndexBenchmark()).execute(args));
    }
}
