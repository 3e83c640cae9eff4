package io.github.dml4j.spark;

import ai.djl.modality.cv.Image;
import io.github.dml4j.data.ImageFiles;
import io.github.dml4j.data.IdxReader;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.inference.EmbeddingModel;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark embedding of 300 Fashion-MNIST test images (from the repository's sample) written as PNG files, against {@link
 * EmbeddingModel#embed(List)} in this JVM, with a corrupt file among them.
 */
class ImageEmbedderTest {

    /** The repository's Fashion-MNIST sample (test images among them), shipped with the examples. */
    private static final Path FASHION_MNIST = Path.of("../examples/src/main/resources/fashion-mnist-sample");
    private static final Path MODEL = Path.of("src/test/resources/models/v1-convnet");
    private static final int IMAGES = 300;

    @TempDir
    static Path dir;

    private static Path images;
    private static Path corrupt;

    @BeforeAll
    static void writeImages() throws IOException {
        LabeledImages test = IdxReader.read(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz"),
                FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz"));
        images = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < IMAGES; i++) {
            byte[] pixels = test.imageBytes(i);
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, 28, 28, pixels);
            ImageIO.write(image, "png", images.resolve(String.format("%05d.png", i)).toFile());
        }
        byte[] png = Files.readAllBytes(images.resolve("00000.png"));
        corrupt = images.resolve("corrupt.png");
        Files.write(corrupt, java.util.Arrays.copyOf(png, png.length / 2));
    }

    private static Map<String, float[]> expected() throws IOException {
        Map<String, float[]> result = new HashMap<>();
        try (EmbeddingModel model = EmbeddingModel.load(MODEL)) {
            List<Image> decoded = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < IMAGES; i++) {
                Path p = images.resolve(String.format("%05d.png", i));
                decoded.add(ImageFiles.read(p));
                names.add(p.getFileName().toString());
            }
            float[][] embeddings = model.embed(decoded);
            for (int i = 0; i < IMAGES; i++) {
                result.put(names.get(i), embeddings[i]);
            }
        }
        return result;
    }

    private static void assertSameEmbeddings(List<Row> rows, Map<String, float[]> expected) {
        assertEquals(IMAGES + 1, rows.size(), "every image, the corrupt one included, has a row");
        double worst = 0;
        int checked = 0;
        for (Row row : rows) {
            String path = row.getAs("path");
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (name.equals("corrupt.png")) {
                assertNull(row.getAs("embedding"));
                String error = row.getAs("error");
                assertNotNull(error);
                assertTrue(error.startsWith("The PNG file " + path + " is corrupt: "), error);
                continue;
            }
            assertNull(row.getAs("error"), name);
            float[] want = expected.get(name);
            List<Float> got = row.getList(row.fieldIndex("embedding"));
            assertEquals(want.length, got.size());
            for (int d = 0; d < want.length; d++) {
                worst = Math.max(worst, Math.abs(want[d] - got.get(d)));
            }
            checked++;
        }
        assertEquals(IMAGES, checked);
        System.out.printf("ImageEmbedderTest: %d images, largest difference to EmbeddingModel.embed %.3g%n", checked, worst);
        assertTrue(worst <= 1e-5, "largest difference " + worst);
    }

    @Test
    void binaryFilesEmbedAsInOneJvmAndTheCorruptFileIsReported() throws IOException {
        SparkSession spark = TestSpark.session();
        Dataset<Row> files = ImageEmbedder.readImages(spark, images.toString()).repartition(3);
        ImageEmbedder embedder = ImageEmbedder.builder().setModel(MODEL.toAbsolutePath().toString()).optBatchSize(32).build();
        Path out = dir.resolve("embedded.parquet");
        embedder.embed(files).write().parquet(out.toString());
        Dataset<Row> written = spark.read().parquet(out.toString());
        assertEquals(List.of("path", "modificationTime", "length", "embedding", "error"), List.of(written.columns()));
        assertSameEmbeddings(written.collectAsList(), expected());
    }

    @Test
    void pathsAreReadByTheExecutors() throws IOException {
        SparkSession spark = TestSpark.session();
        List<String> paths = new ArrayList<>();
        try (var s = Files.list(images)) {
            s.forEach(p -> paths.add(p.toUri().toString()));
        }
        Dataset<Row> rows = spark.createDataset(paths, Encoders.STRING()).toDF("path").repartition(2);
        ImageEmbedder embedder = ImageEmbedder.builder().setModel(MODEL.toString()).optBatchSize(50).build();
        assertSameEmbeddings(embedder.embed(rows).collectAsList(), expected());
    }

    @Test
    void missingFilesLandInTheErrorColumn() {
        SparkSession spark = TestSpark.session();
        String missing = dir.resolve("no-such.png").toString();
        Dataset<Row> rows = spark.createDataset(List.of(missing), Encoders.STRING()).toDF("path");
        Row row = ImageEmbedder.builder().setModel(MODEL.toString()).build().embed(rows).collectAsList().get(0);
        assertNull(row.getAs("embedding"));
        String error = row.getAs("error");
        assertTrue(error.startsWith("The image file " + missing + " cannot be read: "), error);
    }

    @Test
    void badInputIsRefusedWithTheColumnNamed() {
        SparkSession spark = TestSpark.session();
        ImageEmbedder embedder = ImageEmbedder.builder().setModel(MODEL.toString()).build();
        Dataset<Row> noPath = spark.createDataset(List.of("a.png"), Encoders.STRING()).toDF("file");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> embedder.embed(noPath));
        assertEquals("The images have no column 'path' of paths (columns: [file]); name it with optPathColumn.",
                e.getMessage());
        Dataset<Row> numbers = spark.createDataset(List.of(1L), Encoders.LONG()).toDF("path");
        e = assertThrows(IllegalArgumentException.class, () -> embedder.embed(numbers));
        assertEquals("The column 'path' holds bigint, not the paths of the images as strings.", e.getMessage());
        Dataset<Row> taken = spark.createDataset(List.of("a.png"), Encoders.STRING()).toDF("path")
                .withColumn("error", org.apache.spark.sql.functions.lit("x"));
        e = assertThrows(IllegalArgumentException.class, () -> embedder.embed(taken));
        assertEquals("The images already have a column 'error': choose another name with optEmbeddingColumn /"
                + " optErrorColumn.", e.getMessage());
        Dataset<Row> paths = spark.createDataset(List.of("a.png"), Encoders.STRING()).toDF("path");
        String notModel = dir.toString();
        UncheckedIOException io = assertThrows(UncheckedIOException.class,
                () -> ImageEmbedder.builder().setModel(notModel).build().embed(paths));
        assertEquals("The model directory " + notModel + " has no model-card.json: give the directory an"
                + " EmbeddingModel was saved to.", io.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> ImageEmbedder.builder().build());
        assertEquals("The model directory is required: call setModel(directory).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageEmbedder.builder().setModel("m").optBatchSize(0).build());
        assertEquals("The batch size must be at least 1, got 0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageEmbedder.builder().setModel("m").optErrorColumn("embedding").build());
        assertEquals("The embedding and error columns must differ, both are 'embedding'.", e.getMessage());
    }
}
