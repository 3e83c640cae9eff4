/**
 * DML4J on Apache Spark (module {@code dml4j-spark}; the core library never depends on Spark):
 * the jobs that outgrow one machine, with an exported model directory, the way DJL's own Spark
 * support runs models (one model per executor JVM, batched prediction inside {@code
 * mapPartitions}).
 *
 * <ul>
 *   <li>{@link io.github.dml4j.spark.ImageEmbedder}: a Dataset of image paths or of Spark's
 *       {@code binaryFile} rows to a Dataset with an {@code embedding} column ({@code
 *       array<float>}) and an {@code error} column, written as Parquet by the caller;
 *   <li>{@link io.github.dml4j.spark.DistributedRetrievalMetrics}: exact retrieval metrics
 *       (P@1, R-Precision, MAP@R, Recall@K, CMC, mAP) of embeddings too many for one machine, by
 *       query blocks against gallery partitions and a merge of their top-k lists; equal to the
 *       core's {@code RetrievalMetrics} in one JVM.
 * </ul>
 *
 * <p>Spark 3.5 with Scala 2.12 is a provided dependency: the cluster brings it; {@code mvn
 * package -Pshade} builds the jar for {@code spark-submit} with DML4J, DJL and libtorch inside.
 * On Java 17 the JVMs need Spark's usual {@code --add-opens} options (Spark's own launchers set
 * them; see the module's pom for the list used by the tests).
 */
package io.github.dml4j.spark;
