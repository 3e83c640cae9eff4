package io.github.dml4j.spark;

import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.index.Neighbors;
import java.io.IOException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.monotonically_increasing_id;

/**
 * The README's Spark code blocks (fenced {@code java spark}, so that the core's ReadmeTour
 * leaves them to this module), line for line, so that they compile as written; {@link
 * ReadmeSparkTourTest} checks the two agree.
 */
final class ReadmeSparkTour {

    private ReadmeSparkTour() {}

    static Object[] sparkSection(SparkSession spark, Dataset<Row> labelled, float[][] queries) throws IOException {
        // images (binaryFile rows, or any Dataset with a "path" column) -> embedding (array<float>) + error
        ImageEmbedder embedder = ImageEmbedder.builder().setModel("hdfs:///models/shoes").optBatchSize(64).build();
        Dataset<Row> embedded = embedder.embed(ImageEmbedder.readImages(spark, "hdfs:///photos"));
        embedded.write().parquet("hdfs:///photos.parquet");  // images that fail to decode: null embedding, error names the path

        // exact P@1, R-Precision, MAP@R, Recall@K, CMC of embeddings too many for one machine (label + embedding columns)
        RetrievalReport report = DistributedRetrievalMetrics.builder().optPartitions(8).build().compute(labelled);

        // one HNSW shard per partition, saved in a folder; queries fan out to every shard, top-k merged
        ShardedHnswIndex.builder().setDistance(new CosineSimilarity())
                .build(embedded.filter("error IS NULL").withColumn("id", monotonically_increasing_id()), "hdfs:///photos.hnsw");
        Neighbors top10 = ShardedHnswIndex.open(spark, "hdfs:///photos.hnsw").search(queries, 10);
        // query sets too large for the driver: a Dataset (id, embedding) in, a Dataset (id, neighbors, scores) out
        ShardedHnswIndex.open(spark, "hdfs:///photos.hnsw").search(embedded.filter("error IS NULL")
                .withColumn("id", monotonically_increasing_id()), 10, 100).write().parquet("hdfs:///photos-neighbours.parquet");
        return new Object[] {report, top10};
    }
}
