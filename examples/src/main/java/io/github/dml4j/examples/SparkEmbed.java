package io.github.dml4j.examples;

import ai.djl.modality.cv.Image;
import io.github.dml4j.data.ImageFiles;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.spark.ImageEmbedder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Batch embedding on Apache Spark: every image under a folder (any file system Spark reads) is
 * embedded with an exported model, one model per executor, and written as Parquet with its
 * path, an {@code embedding} column and an {@code error} column (images that cannot be decoded
 * are kept, with the reason). Runs in local mode by default; on a cluster, submit the same class
 * with spark-submit (see the README).
 */
@Command(name = "SparkEmbed", mixinStandardHelpOptions = true,
        description = "Embeds a folder of images with an exported model on Spark and writes Parquet.")
public final class SparkEmbed implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Exported model directory (local path, or a URI such"
            + " as hdfs://... the executors can read).")
    String model;

    @Option(names = "--images", required = true, description = "Folder of images, read recursively (JPEG, PNG, PGM,"
            + " BMP, GIF, TIFF).")
    String images;

    @Option(names = "--out", required = true, description = "Parquet output (a folder; replaced if it exists).")
    String out;

    @Option(names = "--master", description = "Spark master, e.g. local[2] (default: the one spark-submit sets, or"
            + " local[2]).")
    String master;

    @Option(names = "--batch-size", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = ImageEmbedder.DEFAULT_BATCH_SIZE;

    @Option(names = "--partitions", description = "Partitions to split the images into (default: Spark's own).")
    int partitions;

    @Option(names = "--compare", description = "Afterwards, embed the same images in this JVM with EmbeddingModel.embed"
            + " and print the largest difference (local paths only).")
    boolean compare;

    @Override
    public Integer call() throws IOException {
        OptionChecks checks = new OptionChecks(this).atLeast("--batch-size", batchSize, 1).atLeast("--partitions",
                partitions, 0);
        if (!images.contains("://")) {
            checks.directory("--images", Path.of(images));
        }
        if (!model.contains("://")) {
            checks.directory("--model", Path.of(model));
        }
        checks.check();
        ImageEmbedder embedder = ImageEmbedder.builder().setModel(model).optBatchSize(batchSize).build();
        SparkSession spark = SparkJobs.session("DML4J SparkEmbed", master);
        try {
            long start = System.nanoTime();
            Dataset<Row> files = ImageEmbedder.readImages(spark, images);
            if (partitions > 0) {
                files = files.repartition(partitions);
            }
            embedder.embed(files).write().mode("overwrite").parquet(out);
            double seconds = (System.nanoTime() - start) / 1e9;
            Dataset<Row> written = spark.read().parquet(out);
            long total = written.count();
            List<Row> errors = written.filter("error IS NOT NULL").select("path", "error").collectAsList();
            System.out.printf(Locale.ROOT, "embedded %d images (%d could not be read) in %.1f s, %.0f images/s, into %s%n",
                    total - errors.size(), errors.size(), seconds, total / seconds, out);
            if (compare) {
                compareWithOneJvm(written);
            }
            errors.stream().limit(10).forEach(r -> System.out.println("  error: " + r.getString(1)));
            if (errors.size() > 10) {
                System.out.println("  ... and " + (errors.size() - 10) + " more (the error column of " + out + ")");
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Embeds the decoded images again with {@link EmbeddingModel#embed(List)} and prints the largest difference. */
    private void compareWithOneJvm(Dataset<Row> written) throws IOException {
        List<Row> rows = written.filter("error IS NULL").select("path", "embedding").collectAsList();
        double worst = 0;
        try (EmbeddingModel local = EmbeddingModel.load(Path.of(model))) {
            for (int start = 0; start < rows.size(); start += EmbeddingModel.BATCH_SIZE) {
                List<Row> batch = rows.subList(start, Math.min(rows.size(), start + EmbeddingModel.BATCH_SIZE));
                List<Image> images = new ArrayList<>();
                for (Row r : batch) {
                    images.add(ImageFiles.read(Path.of(URI.create(r.getString(0)))));
                }
                float[][] expected = local.embed(images);
                for (int i = 0; i < batch.size(); i++) {
                    List<Float> got = batch.get(i).getList(1);
                    for (int d = 0; d < expected[i].length; d++) {
                        worst = Math.max(worst, Math.abs(expected[i][d] - got.get(d)));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "compared %d embeddings with EmbeddingModel.embed in one JVM: largest"
                + " difference %.3g%n", rows.size(), worst);
    }

    /** Runs the job; {@code --help} lists the options. */
    public static void main(String[] args) {
        SparkJobs.quietLogs();
        System.exit(CommandLines.execute(new SparkEmbed(), args));
    }
}
