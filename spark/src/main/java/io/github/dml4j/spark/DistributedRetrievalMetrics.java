package io.github.dml4j.spark;

import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.eval.RetrievalAccumulator;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.index.ExactSearch;
import io.github.dml4j.index.TopK;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Exact retrieval metrics on Spark, for embedding sets too large for one machine: Precision@1,
 * R-Precision, MAP@R, MAP, MRR, Recall@K, CMC and full-ranking mAP, the same numbers as {@link
 * RetrievalMetrics} computes in one JVM (definitions there and in {@link RetrievalAccumulator}).
 *
 * <p><b>How.</b> The rows are numbered and split into partitions; each partition is a block of
 * queries and a gallery partition at once. Every (query block, gallery partition) pair is one
 * task: an {@link ExactSearch} gallery of that partition on the engine finds each query's top
 * {@code depth} within it (the query's own row excluded in leave-one-out), with global ids.
 * The partial lists of a query block are merged pairwise by {@link TopK#merge} into the top
 * {@code depth} against the whole gallery, summed into a {@link RetrievalAccumulator} where the
 * block's merge ends, and the accumulators are merged on the driver. No task holds more than
 * one gallery partition and one query block, and only label counts (one number per class) come
 * to the driver. Scores are recomputed in double precision and ties are broken by id, so the
 * top-k of any partitioning merge into exactly the top-k of the whole gallery: the metrics equal
 * those of {@link RetrievalMetrics} on the rows in the numbering used here (partition order
 * after {@link Builder#optPartitions(int) repartitioning}; it matters only for exact ties).
 *
 * <p>Work and data moved: every task computes a (block, partition) score matrix in chunks;
 * the shuffle carries {@code queries x depth x partitions} (id, score, label) entries, so fewer,
 * larger partitions move less. Input: a Dataset with an embedding column ({@code array<float>}
 * or {@code array<double>}, as {@link ImageEmbedder} writes) and an integer label column.
 *
 * <pre>{@code
 * RetrievalReport report = DistributedRetrievalMetrics.builder().optPartitions(8).build()
 *         .compute(spark.read().parquet("embedded.parquet"));
 * }</pre>
 */
public final class DistributedRetrievalMetrics {

    private static final Logger logger = LoggerFactory.getLogger(DistributedRetrievalMetrics.class);

    private final String distance;
    private final Integer k;
    private final int[] recallAtK;
    private final int cmcRanks;
    private final int partitions;
    private final int queryBlockSize;
    private final String embeddingColumn;
    private final String labelColumn;
    private final String idColumn;

    private DistributedRetrievalMetrics(Builder b) {
        this.distance = b.distance.name();
        this.k = b.k;
        this.recallAtK = b.recallAtK.clone();
        this.cmcRanks = b.cmcRanks;
        this.partitions = b.partitions;
        this.queryBlockSize = b.queryBlockSize;
        this.embeddingColumn = b.embeddingColumn;
        this.labelColumn = b.labelColumn;
        this.idColumn = b.idColumn;
    }

    /**
     * A builder; defaults as {@link RetrievalMetrics}: raw Euclidean distance, k = largest class
     * size minus one, Recall@1, 2, 4, 8, 10 CMC ranks; Spark's default parallelism as the number
     * of partitions; columns {@code embedding} and {@code label}.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Every row a query against all the other rows, itself excluded (leave-one-out), as {@link
     * RetrievalMetrics#compute(float[][], int[])}.
     *
     * @throws IllegalArgumentException naming the column or row if a column is missing or of the
     *     wrong type, a row has no embedding or label, or the embeddings differ in length
     */
    public RetrievalReport compute(Dataset<Row> embeddings) {
        EmbeddingRows.check(embeddings, "embeddings", embeddingColumn, labelColumn);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(embeddings.sparkSession().sparkContext());
        JavaRDD<EmbeddingRows.Block> blocks = EmbeddingRows.blocks(embeddings, embeddingColumn, labelColumn,
                partitions > 0 ? partitions : sc.defaultParallelism());
        try {
            dimension(blocks, "embeddings");
            Map<Integer, Long> counts = EmbeddingRows.labelCounts(blocks);
            long n = counts.values().stream().mapToLong(Long::longValue).sum();
            long largest = counts.values().stream().mapToLong(Long::longValue).max().orElse(0);
            int kEff = (int) Math.min(k == null ? largest - 1 : k, n - 1);
            warnIfCapped(largest - 1);
            if (kEff < 1 || largest < 2) {
                return nothingToEvaluate(Math.max(kEff, 0), n);
            }
            return run(sc, blocks, blocks, counts, kEff, depth(kEff, n - 1), Exclusion.SELF);
        } finally {
            blocks.unpersist();
        }
    }

    /**
     * Queries against a gallery, as {@link RetrievalMetrics#compute(float[][], int[], float[][],
     * int[], int[])}. Without an {@link Builder#optIdColumn(String) id column} the sets are
     * separate and nothing is excluded. With one, a query whose id is also a gallery row's id is
     * that row (sampled from the collection, say): it is never returned for itself and not
     * counted among its relevant rows. k, if set, must not exceed the gallery size (minus the
     * query's own row when queries are in the gallery).
     *
     * @throws IllegalArgumentException naming the set, column, id or row if a column is missing
     *     or of the wrong type, a row has no embedding, label or id, the dimensions differ, a
     *     gallery id is not unique, a query in the gallery has another label than its gallery
     *     row, or k is larger than the gallery
     */
    public RetrievalReport compute(Dataset<Row> queries, Dataset<Row> gallery) {
        EmbeddingRows.check(queries, "queries", embeddingColumn, labelColumn);
        EmbeddingRows.check(gallery, "gallery", embeddingColumn, labelColumn);
        Map<Integer, Long> inGalleryByLabel = idColumn == null ? Map.of() : queriesInGallery(queries, gallery);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(queries.sparkSession().sparkContext());
        int parts = partitions > 0 ? partitions : sc.defaultParallelism();
        JavaRDD<EmbeddingRows.Block> queryBlocks = EmbeddingRows.blocks(queries, embeddingColumn, labelColumn, idColumn,
                parts);
        JavaRDD<EmbeddingRows.Block> galleryBlocks = EmbeddingRows.blocks(gallery, embeddingColumn, labelColumn,
                idColumn, parts);
        try {
            int dq = dimension(queryBlocks, "queries");
            int dg = dimension(galleryBlocks, "gallery");
            if (dq != dg) {
                throw new IllegalArgumentException("The queries have " + dq + " values per embedding but the gallery has "
                        + dg + ": both must come from the same embedding model.");
            }
            Map<Integer, Long> galleryCounts = EmbeddingRows.labelCounts(galleryBlocks);
            Map<Integer, Long> queryCounts = EmbeddingRows.labelCounts(queryBlocks);
            long n = galleryCounts.values().stream().mapToLong(Long::longValue).sum();
            long q = queryCounts.values().stream().mapToLong(Long::longValue).sum();
            boolean contained = !inGalleryByLabel.isEmpty();
            long candidates = contained ? n - 1 : n;
            if (k != null && k > candidates) {
                throw new IllegalArgumentException("k = " + k + " is larger than the gallery, which has " + candidates
                        + " candidates per query" + (contained ? " (its " + n + " rows minus the query's own)" : "")
                        + ".");
            }
            // the largest G_q: a label's count, less one if every query of the label is in the gallery
            long largest = queryCounts.entrySet().stream().mapToLong(e -> galleryCounts.getOrDefault(e.getKey(), 0L)
                    - (inGalleryByLabel.getOrDefault(e.getKey(), 0L).equals(e.getValue()) ? 1 : 0)).max().orElse(0);
            int kEff = k != null ? k : (int) Math.min(Math.max(largest, 1), Math.max(candidates, 1));
            if (candidates < 1 || largest == 0) {
                return nothingToEvaluate(kEff, q);
            }
            if (k != null && k < largest) {
                warnIfCapped(largest);
            }
            return run(sc, queryBlocks, galleryBlocks, galleryCounts, kEff, depth(kEff, candidates),
                    contained ? Exclusion.BY_ID : Exclusion.NONE);
        } finally {
            queryBlocks.unpersist();
            galleryBlocks.unpersist();
        }
    }

    /**
     * Checks the id columns and returns, per label, how many queries are in the gallery (the
     * same id); empty when none is.
     */
    private Map<Integer, Long> queriesInGallery(Dataset<Row> queries, Dataset<Row> gallery) {
        EmbeddingRows.checkIds(queries, "queries", idColumn);
        EmbeddingRows.checkIds(gallery, "gallery", idColumn);
        Column id = functions.col(idColumn);
        List<Row> repeated = gallery.groupBy(id).count().filter(functions.col("count").gt(1)).limit(1).collectAsList();
        if (!repeated.isEmpty()) {
            throw new IllegalArgumentException("The gallery has " + repeated.get(0).getLong(1) + " rows with "
                    + idColumn + " " + repeated.get(0).get(0) + ": ids must be unique to tell which queries are in the"
                    + " gallery.");
        }
        Dataset<Row> matched = queries.select(id.cast(DataTypes.LongType).as("q_id"),
                        functions.col(labelColumn).cast(DataTypes.LongType).as("q_label"))
                .join(gallery.select(id.cast(DataTypes.LongType).as("g_id"),
                        functions.col(labelColumn).cast(DataTypes.LongType).as("g_label")),
                        functions.col("q_id").equalTo(functions.col("g_id")))
                .persist(); // read twice: the label check, then the counts
        try {
            List<Row> relabelled = matched.filter(functions.col("q_label").notEqual(functions.col("g_label")))
                    .limit(1).collectAsList();
            if (!relabelled.isEmpty()) {
                Row r = relabelled.get(0);
                throw new IllegalArgumentException("The query with " + idColumn + " " + r.getLong(0) + " has label "
                        + r.getLong(1) + " but the gallery row with that id has label " + r.getLong(3) + ": a query in"
                        + " the gallery must keep its label.");
            }
            Map<Integer, Long> byLabel = new HashMap<>();
            for (Row r : matched.groupBy("q_label").count().collectAsList()) {
                byLabel.put((int) r.getLong(0), r.getLong(1));
            }
            return byLabel;
        } finally {
            matched.unpersist();
        }
    }

    private RetrievalReport run(JavaSparkContext sc, JavaRDD<EmbeddingRows.Block> queries,
            JavaRDD<EmbeddingRows.Block> gallery, Map<Integer, Long> galleryCounts, int kEff, int depth,
            Exclusion exclusion) {
        long start = System.nanoTime();
        Broadcast<HashMap<Integer, Long>> counts = sc.broadcast(new HashMap<>(galleryCounts));
        String distanceName = distance;
        int blockSize = queryBlockSize;
        int[] ks = recallAtK;
        int ranks = cmcRanks;
        RetrievalAccumulator sums = queries.cartesian(gallery)
                .mapToPair(pair -> new Tuple2<>(pair._1().partition,
                        search(pair._1(), pair._2(), distanceName, blockSize, depth, exclusion)))
                .reduceByKey((a, b) -> a.merge(b, depth))
                .values()
                .map(p -> p.accumulate(kEff, ks, ranks, counts.value()))
                .reduce(RetrievalAccumulator::merge);
        counts.destroy();
        RetrievalReport report = sums.report();
        logger.info("Distributed retrieval metrics of {} queries (k = {}, depth {}, {} x {} partitions) in {} ms",
                report.evaluatedQueries() + report.loneQueries(), kEff, depth, queries.getNumPartitions(),
                gallery.getNumPartitions(), (System.nanoTime() - start) / 1_000_000);
        return report;
    }

    /** One task: a query block's top-{@code depth} within one gallery partition, with labels. */
    private static Partial search(EmbeddingRows.Block q, EmbeddingRows.Block g, String distanceName, int blockSize,
            int depth, Exclusion exclusion) {
        ExactSearch search = ExactSearch.builder().optDistance(Distance.named(distanceName))
                .optQueryBlockSize(blockSize).build();
        long[] excluded = null;
        boolean[] inGallery = new boolean[q.size()];
        if (exclusion == Exclusion.SELF) {
            excluded = new long[q.size()];
            for (int i = 0; i < excluded.length; i++) {
                excluded[i] = q.firstId + i;
            }
            Arrays.fill(inGallery, true);
        } else if (exclusion == Exclusion.BY_ID) {
            excluded = new long[q.size()];
            Arrays.fill(excluded, ExactSearch.NO_EXCLUSION);
            Map<Long, List<Integer>> queriesById = new HashMap<>();
            for (int i = 0; i < q.keys.length; i++) {
                queriesById.computeIfAbsent(q.keys[i], key -> new ArrayList<>(1)).add(i);
            }
            for (int row = 0; row < g.keys.length; row++) {
                List<Integer> same = queriesById.get(g.keys[row]);
                if (same != null) {
                    for (int i : same) {
                        excluded[i] = g.firstId + row;
                        inGallery[i] = true;
                    }
                }
            }
        }
        TopK top;
        try (ExactSearch.Gallery rows = search.gallery(g.rows, g.dimension, g.firstId)) {
            top = rows.search(q.rows, depth, excluded);
        }
        int[][] labels = new int[top.queries()][];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = new int[top.size(i)];
            for (int r = 0; r < labels[i].length; r++) {
                labels[i][r] = g.labels[(int) (top.id(i, r) - g.firstId)];
            }
        }
        return new Partial(q.labels, inGallery, top, labels);
    }

    /**
     * Which gallery row, if any, a query never finds; a query found in the gallery has one
     * relevant row fewer than its label's gallery count.
     */
    private enum Exclusion {
        /** Separate sets. */
        NONE,
        /** Leave-one-out: the query's own row. */
        SELF,
        /** The gallery row with the query's id, found per partition. */
        BY_ID
    }

    private int depth(int kEff, long candidates) {
        int depth = Math.max(kEff, cmcRanks);
        if (recallAtK.length > 0) {
            depth = Math.max(depth, recallAtK[recallAtK.length - 1]);
        }
        return (int) Math.min(depth, candidates);
    }

    private static int dimension(JavaRDD<EmbeddingRows.Block> blocks, String what) {
        List<Integer> dims = blocks.map(b -> b.dimension).distinct().collect();
        if (dims.isEmpty()) {
            throw new IllegalArgumentException("The " + what + " are empty: give at least one row.");
        }
        if (dims.size() > 1) {
            throw new IllegalArgumentException("The " + what + " have embeddings of different lengths " + dims
                    + ": all must come from one model.");
        }
        return dims.get(0);
    }

    private void warnIfCapped(long largestR) {
        if (k != null && k < largestR) {
            logger.warn("k = {} is smaller than the largest class size minus one ({}): R is capped at k,"
                    + " so R-Precision and MAP@R are computed at k for the larger classes.", k, largestR);
        }
    }

    private static RetrievalReport nothingToEvaluate(int kEff, long queries) {
        logger.warn("No query has another embedding with its label: the metrics are NaN.");
        return new RetrievalReport(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                kEff, 0, Math.toIntExact(queries));
    }

    @Override
    public String toString() {
        return "DistributedRetrievalMetrics{distance=" + distance + ", k=" + (k == null ? "auto" : k) + ", recallAtK="
                + Arrays.toString(recallAtK) + ", cmcRanks=" + cmcRanks + ", partitions="
                + (partitions > 0 ? partitions : "default") + '}';
    }

    /** A query block's neighbours so far (ids, scores, labels), merged partition by partition. */
    private static final class Partial implements Serializable {
        private static final long serialVersionUID = 1L;

        private final int[] queryLabels;
        private final boolean[] inGallery;
        private final TopK top;
        private final int[][] labels;

        Partial(int[] queryLabels, boolean[] inGallery, TopK top, int[][] labels) {
            this.queryLabels = queryLabels;
            this.inGallery = inGallery;
            this.top = top;
            this.labels = labels;
        }

        /** The top-{@code depth} of both, with the labels carried along. */
        Partial merge(Partial other, int depth) {
            TopK merged = TopK.merge(depth, List.of(top, other.top));
            int[][] mergedLabels = new int[merged.queries()][];
            for (int q = 0; q < mergedLabels.length; q++) {
                mergedLabels[q] = new int[merged.size(q)];
                int a = 0;
                int b = 0;
                for (int r = 0; r < mergedLabels[q].length; r++) {
                    // the merge takes the head of one of the two lists at every rank
                    if (a < top.size(q) && top.id(q, a) == merged.id(q, r)) {
                        mergedLabels[q][r] = labels[q][a++];
                    } else {
                        mergedLabels[q][r] = other.labels[q][b++];
                    }
                }
            }
            boolean[] found = inGallery.clone();
            for (int q = 0; q < found.length; q++) {
                found[q] |= other.inGallery[q];
            }
            return new Partial(queryLabels, found, merged, mergedLabels);
        }

        /** The metrics of these queries; a query's relevant rows are its label's gallery count, less itself if found. */
        RetrievalAccumulator accumulate(int k, int[] recallAtK, int cmcRanks, Map<Integer, Long> galleryCounts) {
            RetrievalAccumulator sums = new RetrievalAccumulator(k, recallAtK, cmcRanks);
            for (int q = 0; q < queryLabels.length; q++) {
                sums.add(queryLabels[q], labels[q],
                        galleryCounts.getOrDefault(queryLabels[q], 0L) - (inGallery[q] ? 1 : 0));
            }
            return sums;
        }
    }

    /** Builder of {@link DistributedRetrievalMetrics}; every setting is optional. */
    public static final class Builder {

        private Distance distance = LpDistance.raw();
        private Integer k;
        private int[] recallAtK = RetrievalMetrics.DEFAULT_RECALL_AT_K.clone();
        private int cmcRanks = RetrievalMetrics.DEFAULT_CMC_RANKS;
        private int partitions;
        private int queryBlockSize = ExactSearch.DEFAULT_QUERY_BLOCK_SIZE;
        private String embeddingColumn = "embedding";
        private String labelColumn = "label";
        private String idColumn;

        private Builder() {}

        /**
         * The distance that ranks neighbours (default {@link LpDistance#raw()}); one of the
         * built-in distances ({@link Distance#named}), which the executors rebuild by name.
         */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** How many neighbours the PML metrics look at; null (default) for the largest class size minus one. */
        public Builder optK(Integer k) {
            this.k = k;
            return this;
        }

        /** The K of Recall@K (default 1, 2, 4, 8); none for no Recall@K. */
        public Builder optRecallAtK(int... recallAtK) {
            this.recallAtK = recallAtK == null ? null : recallAtK.clone();
            return this;
        }

        /** The length of the CMC curve (default {@value RetrievalMetrics#DEFAULT_CMC_RANKS}); 0 for none. */
        public Builder optCmcRanks(int cmcRanks) {
            this.cmcRanks = cmcRanks;
            return this;
        }

        /**
         * The number of partitions, each a query block and a gallery partition (default: Spark's
         * default parallelism); there are partitions&sup2; search tasks.
         */
        public Builder optPartitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** Queries per matrix product inside a task (default {@value ExactSearch#DEFAULT_QUERY_BLOCK_SIZE}). */
        public Builder optQueryBlockSize(int queryBlockSize) {
            this.queryBlockSize = queryBlockSize;
            return this;
        }

        /** The column of embeddings (default {@code embedding}). */
        public Builder optEmbeddingColumn(String name) {
            this.embeddingColumn = name;
            return this;
        }

        /** The column of integer labels (default {@code label}). */
        public Builder optLabelColumn(String name) {
            this.labelColumn = name;
            return this;
        }

        /**
         * The column of long ids that tells which queries are gallery rows, for {@link
         * #compute(Dataset, Dataset)} (default none: the sets are separate).
         */
        public Builder optIdColumn(String name) {
            this.idColumn = name;
            return this;
        }

        /**
         * Builds the job.
         *
         * @throws IllegalArgumentException naming the setting if it is out of range, or the
         *     distance is not a built-in one
         */
        public DistributedRetrievalMetrics build() {
            if (distance == null) {
                throw new IllegalArgumentException("The distance must not be null.");
            }
            try {
                Distance.named(distance.name());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("The distance '" + distance.name() + "' is not built in: the"
                        + " executors rebuild the distance by name, so use cosine, dot, l2, l2_normalized, squared_l2"
                        + " or squared_l2_normalized.", e);
            }
            if (k != null && k < 1) {
                throw new IllegalArgumentException("k must be at least 1, but was " + k + ".");
            }
            if (recallAtK == null) {
                throw new IllegalArgumentException("The recallAtK must not be null; give none for no Recall@K.");
            }
            recallAtK = Arrays.stream(recallAtK).distinct().sorted().toArray();
            if (recallAtK.length > 0 && recallAtK[0] < 1) {
                throw new IllegalArgumentException("Every K of recallAtK must be at least 1, but got "
                        + Arrays.toString(recallAtK) + ".");
            }
            if (cmcRanks < 0) {
                throw new IllegalArgumentException("The cmcRanks must not be negative, but was " + cmcRanks + ".");
            }
            if (partitions < 0) {
                throw new IllegalArgumentException("The partitions must be at least 1 (or 0 for Spark's default),"
                        + " but was " + partitions + ".");
            }
            if (queryBlockSize < 1) {
                throw new IllegalArgumentException("The queryBlockSize must be at least 1, but was " + queryBlockSize
                        + ".");
            }
            return new DistributedRetrievalMetrics(this);
        }
    }
}
