package io.github.dml4j.examples;

import ai.djl.engine.Engine;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.index.ExactIndex;
import io.github.dml4j.index.ExactSearch;
import io.github.dml4j.index.HnswIndex;
import io.github.dml4j.index.Neighbors;
import io.github.dml4j.index.TopK;
import java.io.Console;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exact versus HNSW search on L2-normalized embeddings (cosine similarity): build time, HNSW
 * recall@k against the exact index for a sweep of search widths ef, queries per second of both,
 * and the peak resident memory of the process.
 *
 * <p>Two kinds of data: {@code clustered} (the default) imitates trained embeddings of many
 * identities, each a random unit centre with its images spread around it and queries drawn
 * from the same identities; {@code random} is uniform on the sphere, the hardest case for HNSW
 * because it has no structure at all. {@code --exact-only} skips HNSW to measure the exact
 * index alone, for example on 1,000,000 x 128.
 *
 * <p>Two more modes: {@code --all-vs-all} times an exact all-against-all top-k of the n
 * vectors with Euclidean distance ({@link ExactSearch.Gallery#searchAll}, which scores each
 * pair once; each vector is also its own first neighbour, as in FAISS {@code
 * IndexFlatL2.search(x, k)}) and prints {@code all_vs_all_s} (the engine loaded first);
 * {@code examples/reference/faiss_all_vs_all.py} times FAISS on the same task. {@code
 * --metrics} computes the exact retrieval metrics (leave-one-out, Euclidean) of n labelled
 * vectors ({@code clustered}: the identity is the label) with a progress bar, and prints the
 * report, {@code metrics_s} and the peak resident memory.
 */
@Command(name = "IndexBenchmark", mixinStandardHelpOptions = true,
        description = "Builds an exact and an HNSW index over embeddings and compares recall and speed.")
public final class IndexBenchmark implements Callable<Integer> {

    enum Data { clustered, random }

    @Option(names = "--n", defaultValue = "100000", description = "Gallery size (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--dim", defaultValue = "128", description = "Embedding size (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--queries", defaultValue = "1000", description = "Number of queries (default ${DEFAULT-VALUE}).")
    int queries;

    @Option(names = "--k", defaultValue = "10", description = "Neighbours per query (default ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--data", defaultValue = "clustered",
            description = "Embeddings: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Data data;

    @Option(names = "--per-identity", defaultValue = "10",
            description = "Clustered data: images per identity (default ${DEFAULT-VALUE}).")
    int perIdentity;

    @Option(names = "--spread", defaultValue = "0.35",
            description = "Clustered data: noise around an identity's centre, per unit vector (default ${DEFAULT-VALUE}).")
    double spread;

    @Option(names = "--m", defaultValue = "32", description = "HNSW links per node (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--ef-construction", defaultValue = "200", description = "HNSW build candidates (default ${DEFAULT-VALUE}).")
    int efConstruction;

    @Option(names = "--ef", defaultValue = "50,100,200,400", split = ",",
            description = "HNSW search candidates, one run each (default ${DEFAULT-VALUE}).")
    List<Integer> efs;

    @Option(names = "--exact-only", description = "Measure the exact index only.")
    boolean exactOnly;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--all-vs-all", description = "Time an exact all-against-all top-k (Euclidean) of the n vectors.")
    boolean allVsAll;

    @Option(names = "--metrics", description = "Exact retrieval metrics (leave-one-out) of n labelled vectors.")
    boolean metrics;

    @Option(names = "--metric-queries", defaultValue = "0",
            description = "--metrics: only the first N rows are queries (against all n rows, themselves excluded);"
                    + " 0 = every row (default ${DEFAULT-VALUE}).")
    int metricQueries;

    @Option(names = "--query-block", defaultValue = "1024",
            description = "--all-vs-all/--metrics: queries per block (default ${DEFAULT-VALUE}).")
    int queryBlock;

    @Option(names = "--gallery-block", defaultValue = "65536",
            description = "--all-vs-all/--metrics: gallery rows per block (default ${DEFAULT-VALUE}).")
    int galleryBlock;

    @Override
    public Integer call() {
        new OptionChecks(this)
                .atLeast("--n", n, 1)
                .atLeast("--dim", dim, 1)
                .atLeast("--queries", queries, 1)
                .between("--k", k, 1, Math.max(1, n))
                .atLeast("--per-identity", perIdentity, 1)
                .notNegative("--spread", spread)
                .atLeast("--m", m, 2)
                .atLeast("--ef-construction", efConstruction, 1)
                .require(efs.stream().allMatch(ef -> ef >= 1), "every --ef must be positive, got " + efs)
                .between("--metric-queries", metricQueries, 0, n)
                .atLeast("--query-block", queryBlock, 1)
                .atLeast("--gallery-block", galleryBlock, 1)
                .require(!(allVsAll && metrics), "--all-vs-all and --metrics are separate runs: give one")
                .check();
        if (allVsAll) {
            return allVsAll();
        }
        if (metrics) {
            return metrics();
        }
        Random random = new Random(seed);
        float[][] centres = data == Data.clustered ? randomUnit(Math.max(1, n / perIdentity), dim, random) : null;
        float[][] gallery = data == Data.clustered ? around(centres, n, random) : randomUnit(n, dim, random);
        float[][] query = data == Data.clustered ? around(centres, queries, random) : randomUnit(queries, dim, random);
        long[] ids = new long[n];
        Arrays.setAll(ids, i -> i);
        System.out.printf(Locale.ROOT, "Gallery %,d x %d (%s%s), %,d queries, k = %d, cosine similarity%n", n, dim, data,
                data == Data.clustered ? String.format(Locale.ROOT, ": %,d identities, spread %.2f", centres.length,
                        spread) : "", queries, k);
        Neighbors truth;
        try (ExactIndex exact = ExactIndex.builder().setDistance(new CosineSimilarity()).build()) {
            long t0 = System.nanoTime();
            exact.add(gallery, ids);
            double build = seconds(t0);
            exact.search(Arrays.copyOf(query, Math.min(queries, 64)), k); // warm-up
            double[] times = new double[3];
            Neighbors result = null;
            for (int r = 0; r < times.length; r++) {
                t0 = System.nanoTime();
                result = exact.search(query, k);
                times[r] = seconds(t0);
            }
            truth = result;
            System.out.printf(Locale.ROOT, "exact: build %.2f s, %.0f queries/s (median of 3), gallery on the engine %.0f MB%n",
                    build, queries / median(times), (double) n * dim * 4 / 1e6);
        }
        System.out.printf(Locale.ROOT, "peak resident memory after exact search: %.0f MB%n", ProcessMemory.peakResidentMb());
        if (exactOnly) {
            return 0;
        }
        try (HnswIndex hnsw = HnswIndex.builder().setDistance(new CosineSimilarity())
                .optM(m).optEfConstruction(efConstruction).optInitialCapacity(n).build()) {
            long t0 = System.nanoTime();
            hnsw.add(gallery, ids);
            System.out.printf(Locale.ROOT, "HNSW: M = %d, efConstruction = %d, build %.1f s%n", m, efConstruction,
                    seconds(t0));
            System.out.printf(Locale.ROOT, "%8s %14s %12s%n", "ef", "recall@" + k, "queries/s");
            for (int ef : efs) {
                hnsw.setEf(Math.max(ef, k));
                hnsw.search(Arrays.copyOf(query, Math.min(queries, 64)), k); // warm-up
                double[] times = new double[3];
                Neighbors approx = null;
                for (int r = 0; r < times.length; r++) {
                    t0 = System.nanoTime();
                    approx = hnsw.search(query, k);
                    times[r] = seconds(t0);
                }
                System.out.printf(Locale.ROOT, "%8d %14.4f %12.0f%n", hnsw.getEf(), approx.recallAgainst(truth),
                        queries / median(times));
            }
        }
        System.out.printf(Locale.ROOT, "peak resident memory: %.0f MB; engine threads %s%n", ProcessMemory.peakResidentMb(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        return 0;
    }

    /** Exact all-against-all top-k of n random or clustered vectors, Euclidean, self included. */
    private int allVsAll() {
        float[][] x = data(new int[n]);
        System.out.printf(Locale.ROOT, "All-against-all exact top-%d of %,d x %d %s vectors, Euclidean, engine threads %s%n",
                k, n, dim, data, System.getProperty("ai.djl.pytorch.num_threads", "default"));
        ExactSearch search = ExactSearch.builder().optDistance(LpDistance.raw()).optQueryBlockSize(queryBlock)
                .optGalleryBlockSize(galleryBlock).build();
        Engine.getInstance(); // loads the native engine before the clock starts, as Python imports faiss before
        long t0 = System.nanoTime();
        TopK top;
        try (ExactSearch.Gallery gallery = search.gallery(x, 0L)) {
            top = gallery.searchAll(k, false); // each pair scored once: the distance is symmetric
        }
        double s = seconds(t0);
        long selfFirst = 0;
        for (int q = 0; q < n; q++) {
            selfFirst += top.id(q, 0) == q ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "all_vs_all_s %.2f%n", s);
        System.out.printf(Locale.ROOT, "queries whose nearest neighbour is themselves: %,d of %,d; peak resident memory %.0f MB%n",
                selfFirst, n, ProcessMemory.peakResidentMb());
        return 0;
    }

    /** Exact retrieval metrics, leave-one-out, of n labelled vectors, with a progress bar. */
    private int metrics() {
        int[] labels = new int[n];
        float[][] x = data(labels);
        System.out.printf(Locale.ROOT, "Exact retrieval metrics of %,d x %d %s vectors (%s, Euclidean), engine threads %s%n",
                n, dim, data, metricQueries == 0 ? "leave-one-out"
                        : String.format(Locale.ROOT, "the first %,d rows as queries, themselves excluded", metricQueries),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        Console console = System.console();
        PrintWriter bar = console == null ? null : console.writer();
        long[] lastDraw = {0};
        long t0 = System.nanoTime();
        RetrievalMetrics retrieval = RetrievalMetrics.builder().optBatchSize(queryBlock)
                .optGalleryBlockSize(galleryBlock).optProgress((done, total) -> {
                    long now = System.nanoTime();
                    double elapsed = (now - t0) / 1e9;
                    if (bar == null) { // not a terminal: a line per percent
                        if (done * 100 / total != (done - Math.min(done, queryBlock)) * 100 / total || done == total) {
                            System.out.printf(Locale.ROOT, "progress %,d/%,d queries, %.0f s, about %.0f s left, resident"
                                    + " %.0f MB%n", done, total, elapsed, elapsed / done * (total - done),
                                    ProcessMemory.residentMb());
                        }
                        return;
                    }
                    if (done < total && now - lastDraw[0] < 500_000_000L) {
                        return;
                    }
                    lastDraw[0] = now;
                    int filled = (int) (30 * done / total);
                    bar.printf(Locale.ROOT, "\r[%s%s] %,d/%,d queries, %.0f s, about %.0f s left", "=".repeat(filled),
                            " ".repeat(30 - filled), done, total, elapsed, elapsed / done * (total - done));
                    if (done == total) {
                        bar.println();
                    }
                    bar.flush();
                }).build();
        RetrievalReport report;
        if (metricQueries == 0) {
            report = retrieval.compute(x, labels);
        } else { // the first rows as queries, each excluded from its own ranking
            int[] rows = new int[metricQueries];
            Arrays.setAll(rows, i -> i);
            report = retrieval.compute(Arrays.copyOf(x, metricQueries), Arrays.copyOf(labels, metricQueries), x, labels,
                    rows);
        }
        double s = seconds(t0);
        System.out.println(report);
        System.out.printf(Locale.ROOT, "metrics_s %.1f%n", s);
        System.out.printf(Locale.ROOT, "peak_rss_mb %.0f%n", ProcessMemory.peakResidentMb());
        return 0;
    }

    /** n vectors of the chosen kind; {@code labels} receives each row's identity (clustered) or 0. */
    private float[][] data(int[] labels) {
        Random random = new Random(seed);
        if (data == Data.random) {
            return randomUnit(n, dim, random);
        }
        float[][] centres = randomUnit(Math.max(1, n / perIdentity), dim, random);
        return around(centres, n, random, labels);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static float[][] randomUnit(int rows, int d, Random r) {
        float[][] x = new float[rows][d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) r.nextGaussian();
            }
            normalize(row);
        }
        return x;
    }

    /** Rows of {@code centres[i % centres.length]} plus Gaussian noise of norm about {@code spread}, normalized. */
    private float[][] around(float[][] centres, int rows, Random r) {
        return around(centres, rows, r, null);
    }

    /** As {@link #around(float[][], int, Random)}, writing each row's centre into {@code labels} if given. */
    private float[][] around(float[][] centres, int rows, Random r, int[] labels) {
        float[][] x = new float[rows][dim];
        double sigma = spread / Math.sqrt(dim);
        for (int i = 0; i < rows; i++) {
            int centre = r.nextInt(centres.length);
            if (labels != null) {
                labels[i] = centre;
            }
            float[] c = centres[centre];
            for (int j = 0; j < dim; j++) {
                x[i][j] = (float) (c[j] + sigma * r.nextGaussian());
            }
            normalize(x[i]);
        }
        return x;
    }

    private static void normalize(float[] row) {
        double s = 0;
        for (float v : row) {
            s += v * v;
        }
        float norm = (float) Math.sqrt(s);
        for (int j = 0; j < row.length; j++) {
            row[j] /= norm;
        }
    }

    /** Runs the benchmark; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new IndexBenchmark(), args));
    }
}
