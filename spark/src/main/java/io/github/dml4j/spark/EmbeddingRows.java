package io.github.dml4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reading (label, embedding) rows of a Dataset into contiguous blocks with global ids, the unit
 * of work of the distributed jobs: a partition of the id-numbered rows becomes one {@link Block}
 * whose rows have the ids {@code firstId .. firstId + size - 1}.
 */
final class EmbeddingRows {

    private EmbeddingRows() {}

    /** One partition's rows: global ids firstId.., labels (or null), row-major values. */
    static final class Block implements Serializable {
        private static final long serialVersionUID = 1L;

        final int partition;
        final long firstId;
        final long[] keys; // the id column's values, or null
        final int[] labels;
        final float[] rows;
        final int dimension;

        Block(int partition, long firstId, long[] keys, int[] labels, float[] rows, int dimension) {
            this.partition = partition;
            this.firstId = firstId;
            this.keys = keys;
            this.labels = labels;
            this.rows = rows;
            this.dimension = dimension;
        }

        int size() {
            return rows.length / dimension;
        }
    }

    /**
     * Checks that {@code data} has the embedding column (array of float or double) and, when
     * {@code labelColumn} is not null, an integer label column, and that no embedding is null.
     *
     * @param what the set's name in messages ("embeddings", "queries", "gallery")
     * @throws IllegalArgumentException naming the column and the problem
     */
    static void check(Dataset<Row> data, String what, String embeddingColumn, String labelColumn) {
        StructType schema = data.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(embeddingColumn)) {
            throw new IllegalArgumentException("The " + what + " have no column '" + embeddingColumn + "' (columns: "
                    + names + ").");
        }
        DataType type = schema.apply(embeddingColumn).dataType();
        if (!(type instanceof ArrayType a) || !(a.elementType().equals(DataTypes.FloatType)
                || a.elementType().equals(DataTypes.DoubleType))) {
            throw new IllegalArgumentException("The column '" + embeddingColumn + "' of the " + what + " holds "
                    + type.simpleString() + ", not array<float> or array<double>.");
        }
        if (labelColumn != null) {
            if (!names.contains(labelColumn)) {
                throw new IllegalArgumentException("The " + what + " have no column '" + labelColumn + "' (columns: "
                        + names + ").");
            }
            DataType lt = schema.apply(labelColumn).dataType();
            if (!(lt.equals(DataTypes.IntegerType) || lt.equals(DataTypes.LongType) || lt.equals(DataTypes.ShortType)
                    || lt.equals(DataTypes.ByteType))) {
                throw new IllegalArgumentException("The column '" + labelColumn + "' of the " + what + " holds "
                        + lt.simpleString() + ", not integer labels.");
            }
        }
        long missing = data.filter(functions.col(embeddingColumn).isNull()
                .or(labelColumn == null ? functions.lit(false) : functions.col(labelColumn).isNull())).count();
        if (missing > 0) {
            throw new IllegalArgumentException(missing + " rows of the " + what + " have no " + (labelColumn == null
                    ? "embedding" : "embedding or label") + " (null): remove them first (for ImageEmbedder's output,"
                    + " keep the rows whose error is null).");
        }
    }

    /** Checks that {@code data} has a long or int id column without nulls. */
    static void checkIds(Dataset<Row> data, String what, String idColumn) {
        List<String> names = Arrays.asList(data.schema().fieldNames());
        if (!names.contains(idColumn)) {
            throw new IllegalArgumentException("The " + what + " have no column '" + idColumn + "' of ids (columns: "
                    + names + "); add one, e.g. with zipWithIndex or monotonically_increasing_id().");
        }
        DataType idType = data.schema().apply(idColumn).dataType();
        if (!(idType.equals(DataTypes.LongType) || idType.equals(DataTypes.IntegerType))) {
            throw new IllegalArgumentException("The column '" + idColumn + "' holds " + idType.simpleString()
                    + ", not long ids.");
        }
        long nullIds = data.filter(functions.col(idColumn).isNull()).count();
        if (nullIds > 0) {
            throw new IllegalArgumentException(nullIds + " rows of the " + what + " have no id (null).");
        }
    }

    /**
     * The rows as blocks, one per partition of {@code partitions} partitions, numbered in
     * partition order; cached (call {@code unpersist} when done).
     */
    static JavaRDD<Block> blocks(Dataset<Row> data, String embeddingColumn, String labelColumn, int partitions) {
        return blocks(data, embeddingColumn, labelColumn, null, partitions);
    }

    /** As {@link #blocks(Dataset, String, String, int)}, each block with its rows' ids when {@code idColumn} is set. */
    static JavaRDD<Block> blocks(Dataset<Row> data, String embeddingColumn, String labelColumn, String idColumn,
            int partitions) {
        boolean labelled = labelColumn != null;
        boolean keyed = idColumn != null;
        Dataset<Row> selected = data.select(labelled ? functions.col(labelColumn).cast(DataTypes.LongType)
                : functions.lit(0L), functions.col(embeddingColumn), keyed ? functions.col(idColumn)
                .cast(DataTypes.LongType) : functions.lit(0L));
        JavaRDD<Row> rows = selected.javaRDD();
        rows = rows.getNumPartitions() == partitions ? rows : rows.repartition(partitions);
        // zipWithIndex numbers the rows partition by partition: each partition is one contiguous range
        JavaRDD<Block> blocks = rows.zipWithIndex().mapPartitionsWithIndex((index, it) -> {
            List<Block> out = new ArrayList<>(1);
            if (it.hasNext()) {
                out.add(toBlock(index, it, labelled, keyed));
            }
            return out.iterator();
        }, true);
        return blocks.cache();
    }

    private static Block toBlock(int partition, Iterator<Tuple2<Row, Long>> it, boolean labelled, boolean keyed) {
        long firstId = -1;
        int dimension = -1;
        int n = 0;
        long[] keys = new long[1024];
        int[] labels = new int[1024];
        float[] values = null;
        while (it.hasNext()) {
            Tuple2<Row, Long> t = it.next();
            Row row = t._1();
            if (firstId < 0) {
                firstId = t._2();
            }
            List<Object> vector = row.getList(1);
            if (dimension < 0) {
                dimension = vector.size();
                if (dimension == 0) {
                    throw new IllegalArgumentException("Row " + t._2() + " has an empty embedding.");
                }
                values = new float[1024 * dimension];
            } else if (vector.size() != dimension) {
                throw new IllegalArgumentException("Row " + t._2() + " has an embedding of " + vector.size()
                        + " values but row " + firstId + " has " + dimension + ": all must have one dimension.");
            }
            if (n == labels.length) {
                keys = Arrays.copyOf(keys, n * 2);
                labels = Arrays.copyOf(labels, n * 2);
                values = Arrays.copyOf(values, n * 2 * dimension);
            }
            long label = row.getLong(0);
            if (label != (int) label) {
                throw new IllegalArgumentException("Row " + t._2() + " has the label " + label
                        + ", outside the int range.");
            }
            labels[n] = (int) label;
            keys[n] = row.getLong(2);
            for (int d = 0; d < dimension; d++) {
                values[n * dimension + d] = ((Number) vector.get(d)).floatValue();
            }
            n++;
        }
        return new Block(partition, firstId, keyed ? Arrays.copyOf(keys, n) : null,
                labelled ? Arrays.copyOf(labels, n) : null,
                Arrays.copyOf(values, n * dimension), dimension);
    }

    /** The array column {@code column} of a row (float or double values) as floats. */
    static float[] floats(Row row, int column) {
        List<Object> values = row.getList(column);
        float[] v = new float[values.size()];
        for (int d = 0; d < v.length; d++) {
            v[d] = ((Number) values.get(d)).floatValue();
        }
        return v;
    }

    /** Label -> number of rows, over all blocks. */
    static Map<Integer, Long> labelCounts(JavaRDD<Block> blocks) {
        return blocks.flatMap(b -> Arrays.stream(b.labels).boxed().iterator()).countByValue();
    }
}
