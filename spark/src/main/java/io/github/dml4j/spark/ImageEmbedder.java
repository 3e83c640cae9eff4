package io.github.dml4j.spark;

import ai.djl.modality.cv.Image;
import io.github.dml4j.data.ImageFiles;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds images on a Spark cluster with an exported DML4J model directory: a Dataset of image
 * paths, or of Spark's {@code binaryFile} rows, becomes the same Dataset with an embedding column
 * ({@code array<float>}) and an error column, ready to be written as Parquet.
 *
 * <p>As DJL's Spark support does it: the model is loaded once per executor JVM (and shared by
 * its tasks), images are embedded inside {@code mapPartitions} in batches of {@link
 * Builder#optBatchSize(int) batchSize}, one forward pass per batch, and a partition is streamed
 * batch by batch, never held whole. The embeddings are those of {@link EmbeddingModel#embed(List)}
 * in one JVM: each image is resized and normalized as the model card says.
 *
 * <p>Input: a string column of paths or URIs ({@link Builder#optPathColumn(String) pathColumn},
 * default {@code path}), read through Hadoop's file systems (local, {@code hdfs:}, {@code s3a:}
 * ...) with the driver's Hadoop settings; or, when the Dataset also has a binary column
 * {@link Builder#optContentColumn(String) contentColumn} (default {@code content}, as {@link
 * #readImages(SparkSession, String)} and {@code spark.read().format("binaryFile")} give), the
 * bytes of that column. The output keeps every input column but the content and adds {@code
 * embedding} and {@code error}. An image that cannot be read or decoded (a truncated JPEG, a text
 * file) is never dropped: its row has a null embedding and the error naming its path; every
 * other row has a null error.
 *
 * <pre>{@code
 * ImageEmbedder embedder = ImageEmbedder.builder().setModel("hdfs:///models/shoes").optBatchSize(64).build();
 * Dataset<Row> embedded = embedder.embed(ImageEmbedder.readImages(spark, "hdfs:///photos"));
 * embedded.write().parquet("hdfs:///photos-embedded.parquet");
 * }</pre>
 */
public final class ImageEmbedder {

    private static final Logger logger = LoggerFactory.getLogger(ImageEmbedder.class);

    /** Default images per forward pass. */
    public static final int DEFAULT_BATCH_SIZE = 64;

    /** The image files {@link #readImages(SparkSession, String)} reads, by name. */
    public static final String IMAGE_GLOB = "*.{png,PNG,jpg,JPG,jpeg,JPEG,pgm,PGM,bmp,BMP,gif,GIF,tif,TIF,tiff,TIFF}";

    private final String model;
    private final int batchSize;
    private final String pathColumn;
    private final String contentColumn;
    private final String embeddingColumn;
    private final String errorColumn;

    private ImageEmbedder(Builder b) {
        this.model = b.model;
        this.batchSize = b.batchSize;
        this.pathColumn = b.pathColumn;
        this.contentColumn = b.contentColumn;
        this.embeddingColumn = b.embeddingColumn;
        this.errorColumn = b.errorColumn;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The image files under {@code folder} (recursively; the names in {@link #IMAGE_GLOB}) as
     * Spark's {@code binaryFile} rows: path, modificationTime, length, content.
     */
    public static Dataset<Row> readImages(SparkSession spark, String folder) {
        return spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", IMAGE_GLOB)
                .load(folder);
    }

    /** The model directory (a path or URI). */
    public String getModel() {
        return model;
    }

    /** Images per forward pass. */
    public int getBatchSize() {
        return batchSize;
    }

    /**
     * The images with an embedding column and an error column, computed lazily (when the
     * Dataset is written or collected).
     *
     * @throws IllegalArgumentException naming the column if the path column is missing or not a
     *     string, the content column is not binary, or an output column exists already
     * @throws UncheckedIOException if the model directory has no model card
     */
    public Dataset<Row> embed(Dataset<Row> images) {
        StructType in = images.schema();
        List<String> names = Arrays.asList(in.fieldNames());
        if (!names.contains(pathColumn)) {
            throw new IllegalArgumentException("The images have no column '" + pathColumn + "' of paths (columns: "
                    + names + "); name it with optPathColumn.");
        }
        if (!in.apply(pathColumn).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("The column '" + pathColumn + "' holds " + in.apply(pathColumn).dataType()
                    .simpleString() + ", not the paths of the images as strings.");
        }
        int contentIndex = names.indexOf(contentColumn);
        if (contentIndex >= 0 && !in.apply(contentColumn).dataType().equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("The column '" + contentColumn + "' holds " + in.apply(contentColumn)
                    .dataType().simpleString() + ", not the images' bytes.");
        }
        for (String out : List.of(embeddingColumn, errorColumn)) {
            if (names.contains(out)) {
                throw new IllegalArgumentException("The images already have a column '" + out
                        + "': choose another name with optEmbeddingColumn / optErrorColumn.");
            }
        }
        HadoopFiles files = HadoopFiles.of(images.sparkSession().sparkContext().hadoopConfiguration());
        try {
            if (!files.hasFile(model, ModelCard.FILE_NAME)) {
                throw new IOException("The model directory " + model + " has no " + ModelCard.FILE_NAME
                        + ": give the directory an EmbeddingModel was saved to.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        List<StructField> fields = new ArrayList<>();
        int[] kept = new int[in.size() - (contentIndex >= 0 ? 1 : 0)];
        for (int i = 0, j = 0; i < in.size(); i++) {
            if (i != contentIndex) {
                fields.add(in.fields()[i]);
                kept[j++] = i;
            }
        }
        fields.add(DataTypes.createStructField(embeddingColumn, DataTypes.createArrayType(DataTypes.FloatType, false), true));
        fields.add(DataTypes.createStructField(errorColumn, DataTypes.StringType, true));
        StructType out = DataTypes.createStructType(fields);
        EmbedPartition task = new EmbedPartition(model, files, batchSize, names.indexOf(pathColumn), contentIndex, kept);
        return images.mapPartitions(task, Encoders.row(out));
    }

    @Override
    public String toString() {
        return "ImageEmbedder{model=" + model + ", batchSize=" + batchSize + '}';
    }

    /** The work of one partition: rows in, rows with embedding and error out, a batch at a time. */
    private static final class EmbedPartition implements MapPartitionsFunction<Row, Row> {

        private static final long serialVersionUID = 1L;

        private final String model;
        private final HadoopFiles files;
        private final int batchSize;
        private final int pathIndex;
        private final int contentIndex;
        private final int[] kept;

        EmbedPartition(String model, HadoopFiles files, int batchSize, int pathIndex, int contentIndex, int[] kept) {
            this.model = model;
            this.files = files;
            this.batchSize = batchSize;
            this.pathIndex = pathIndex;
            this.contentIndex = contentIndex;
            this.kept = kept;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            if (!rows.hasNext()) {
                return rows;
            }
            EmbeddingModel embedder = ExecutorModels.get(model, files);
            return new Iterator<>() {
                private final List<Row> ready = new ArrayList<>();
                private int next;

                @Override
                public boolean hasNext() {
                    if (next == ready.size()) {
                        ready.clear();
                        next = 0;
                        if (rows.hasNext()) {
                            embedBatch(embedder, rows, ready);
                        }
                    }
                    return next < ready.size();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return ready.get(next++);
                }
            };
        }

        private void embedBatch(EmbeddingModel embedder, Iterator<Row> rows, List<Row> out) {
            List<Row> batch = new ArrayList<>(batchSize);
            while (batch.size() < batchSize && rows.hasNext()) {
                batch.add(rows.next());
            }
            Image[] images = new Image[batch.size()];
            String[] errors = new String[batch.size()];
            List<Image> decoded = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                Row row = batch.get(i);
                String path = row.getString(pathIndex);
                byte[] bytes;
                try {
                    bytes = contentIndex >= 0 && !row.isNullAt(contentIndex)
                            ? (byte[]) row.get(contentIndex) : files.readAll(path);
                } catch (IOException | RuntimeException e) {
                    errors[i] = "The image file " + path + " cannot be read: " + e.getMessage();
                    continue;
                }
                try {
                    images[i] = ImageFiles.decode(bytes, path);
                    decoded.add(images[i]);
                } catch (IOException | RuntimeException e) {
                    String message = String.valueOf(e.getMessage());
                    errors[i] = message.contains(path) ? message : "The image file " + path + " cannot be decoded: " + message;
                }
            }
            float[][] embeddings = new float[batch.size()][];
            try {
                float[][] all = embedder.embed(decoded);
                for (int i = 0, j = 0; i < batch.size(); i++) {
                    if (images[i] != null) {
                        embeddings[i] = all[j++];
                    }
                }
            } catch (RuntimeException batchFailure) {
                // find the image the engine refused, so that only its row carries the error
                for (int i = 0; i < batch.size(); i++) {
                    if (images[i] != null) {
                        try {
                            embeddings[i] = embedder.embed(images[i]);
                        } catch (RuntimeException e) {
                            errors[i] = "Embedding the image " + batch.get(i).getString(pathIndex) + " failed: "
                                    + e.getMessage();
                        }
                    }
                }
            }
            int failed = 0;
            for (int i = 0; i < batch.size(); i++) {
                Row row = batch.get(i);
                Object[] values = new Object[kept.length + 2];
                for (int c = 0; c < kept.length; c++) {
                    values[c] = row.get(kept[c]);
                }
                values[kept.length] = embeddings[i];
                values[kept.length + 1] = errors[i];
                failed += errors[i] == null ? 0 : 1;
                out.add(RowFactory.create(values));
            }
            if (failed > 0) {
                logger.warn("{} of {} images could not be embedded; their rows carry the error", failed, batch.size());
            }
        }
    }

    /** Builder of an {@link ImageEmbedder}: {@link #setModel} is required. */
    public static final class Builder {

        private String model;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private String pathColumn = "path";
        private String contentColumn = "content";
        private String embeddingColumn = "embedding";
        private String errorColumn = "error";

        private Builder() {}

        /**
         * The model directory an {@link EmbeddingModel} was saved to, a local path (reachable by
         * every executor) or a URI of a file system the cluster reads ({@code hdfs://...}).
         */
        public Builder setModel(String directory) {
            this.model = directory;
            return this;
        }

        /** Images per forward pass (default {@value ImageEmbedder#DEFAULT_BATCH_SIZE}). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** The column of image paths or URIs (default {@code path}). */
        public Builder optPathColumn(String name) {
            this.pathColumn = name;
            return this;
        }

        /** The column of image bytes, used when present (default {@code content}, as binaryFile). */
        public Builder optContentColumn(String name) {
            this.contentColumn = name;
            return this;
        }

        /** The output column of embeddings (default {@code embedding}). */
        public Builder optEmbeddingColumn(String name) {
            this.embeddingColumn = name;
            return this;
        }

        /** The output column of errors (default {@code error}). */
        public Builder optErrorColumn(String name) {
            this.errorColumn = name;
            return this;
        }

        /**
         * Builds the embedder.
         *
         * @throws IllegalArgumentException naming the field if the model is missing, the batch size
         *     is not positive or a column name is empty
         */
        public ImageEmbedder build() {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("The model directory is required: call setModel(directory).");
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("The batch size must be at least 1, got " + batchSize + ".");
            }
            for (String[] c : new String[][] {{"pathColumn", pathColumn}, {"contentColumn", contentColumn},
                    {"embeddingColumn", embeddingColumn}, {"errorColumn", errorColumn}}) {
                if (c[1] == null || c[1].isBlank()) {
                    throw new IllegalArgumentException("The " + c[0] + " must be a column name, got '" + c[1] + "'.");
                }
            }
            if (embeddingColumn.equals(errorColumn)) {
                throw new IllegalArgumentException("The embedding and error columns must differ, both are '"
                        + errorColumn + "'.");
            }
            return new ImageEmbedder(this);
        }
    }
}
