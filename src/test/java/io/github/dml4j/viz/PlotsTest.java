package io.github.dml4j.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.dml4j.eval.RocCurve;
import io.github.dml4j.provenance.EpochResult;
import io.github.dml4j.provenance.TrainingHistory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    @TempDir
    Path dir;

    /** Reads a PNG back and checks its size and that it shows something: colours and ink. */
    static BufferedImage checkPng(Path file, int width, int height) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " exists");
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " is an image ImageIO can read");
        assertEquals(width, image.getWidth());
        assertEquals(height, image.getHeight());
        Set<Integer> colours = new HashSet<>();
        long ink = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    ink++;
                }
            }
        }
        assertTrue(colours.size() >= 8, "pixel variety: " + colours.size() + " colours");
        double share = ink / (double) (width * height);
        assertTrue(share > 0.01 && share < 0.9, "not blank, not filled: " + share);
        return image;
    }

    /** Scores where positives tend to score higher: Gaussian 1 against 0, unit variance. */
    static RocCurve roc(int pairs, long seed) {
        Random random = new Random(seed);
        double[] scores = new double[pairs];
        boolean[] same = new boolean[pairs];
        for (int i = 0; i < pairs; i++) {
            same[i] = i % 4 == 0;
            scores[i] = random.nextGaussian() + (same[i] ? 1.5 : 0);
        }
        return RocCurve.of(scores, same);
    }

    /** Interleaved Gaussian blobs: label c centred at 10 * e_c. */
    static float[][] blobs(int classes, int perClass, int dim, long seed, int[] labelsOut) {
        Random random = new Random(seed);
        float[][] x = new float[classes * perClass][dim];
        for (int i = 0; i < x.length; i++) {
            int c = i % classes;
            labelsOut[i] = c;
            for (int j = 0; j < dim; j++) {
                x[i][j] = (float) random.nextGaussian() + (j == c % dim ? 10f : 0f);
            }
        }
        return x;
    }

    @Test
    void rocPlotWritesAPngOfTheRequestedSize() throws IOException {
        RocCurve roc = roc(4000, 1);
        Path linear = dir.resolve("a/b/roc.png"); // parent folders are created
        RocPlot plot = RocPlot.builder().setRoc(roc).optSize(640, 480).optThreshold(0.7).build();
        plot.write(linear);
        checkPng(linear, 640, 480);
        Path log = dir.resolve("roc_log.png");
        RocPlot.builder().setRoc(roc).optLogFar(true).optThreshold(roc.thresholdAtFar(1e-3))
                .optTitle("Log FAR").build().write(log);
        checkPng(log, 800, 600);
        assertTrue(plot.operatingPoint().isPresent());
    }

    @Test
    void operatingPointIsTheCurvesPointForTheThreshold() {
        // scores 0.9 (same), 0.8 (different), 0.7 (same), 0.6 (different)
        RocCurve roc = RocCurve.of(new double[] {0.9, 0.8, 0.7, 0.6}, new boolean[] {true, false, true, false});
        assertEquals(new RocPlot.OperatingPoint(0.95, 0, 0), RocPlot.operatingPoint(roc, 0.95));
        assertEquals(new RocPlot.OperatingPoint(0.9, 0, 0.5), RocPlot.operatingPoint(roc, 0.9));
        assertEquals(new RocPlot.OperatingPoint(0.75, 0.5, 0.5), RocPlot.operatingPoint(roc, 0.75));
        assertEquals(new RocPlot.OperatingPoint(0.7, 0.5, 1), RocPlot.operatingPoint(roc, 0.7));
        assertEquals(new RocPlot.OperatingPoint(-5, 1, 1), RocPlot.operatingPoint(roc, -5));
        // at the threshold of a FAR, the operating point has that curve's TAR
        RocCurve big = roc(2000, 3);
        RocPlot.OperatingPoint op = RocPlot.operatingPoint(big, big.thresholdAtFar(0.01));
        assertEquals(big.tarAtFar(0.01), op.tar());
        assertTrue(op.far() <= 0.01);
    }

    @Test
    void largeCurvesAreThinnedWithoutLosingTheirEnds() throws IOException {
        RocCurve roc = roc(200_000, 2);
        double[][] thinned = Plot.thin(roc.fpr(), roc.tpr(), false, 800, 600);
        assertTrue(thinned[0].length < roc.size() / 10, thinned[0].length + " of " + roc.size());
        assertEquals(0.0, thinned[0][0]);
        assertEquals(1.0, thinned[0][thinned[0].length - 1]);
        assertEquals(1.0, thinned[1][thinned[1].length - 1]);
        // every dropped point lies within a pixel of the kept staircase: check the largest gap
        for (int i = 1; i < thinned[0].length; i++) {
            assertTrue(thinned[0][i] >= thinned[0][i - 1] && thinned[1][i] >= thinned[1][i - 1]);
        }
        Path png = dir.resolve("big.png");
        RocPlot.builder().setRoc(roc).optLogFar(true).build().write(png);
        checkPng(png, 800, 600);
    }

    @Test
    void embeddingMapWritesAPngAndCapsLabelsAndPoints() throws IOException {
        int[] labels = new int[30 * 40];
        float[][] x = blobs(30, 40, 16, 5, labels);
        labels[0] = 99; // a label with one point: not among the 20 most frequent
        EmbeddingMap map = EmbeddingMap.builder().setEmbeddings(x).setLabels(labels)
                .optMaxPoints(500).optSeed(7).optSize(900, 700)
                .optLabelNames(Map.of(1, "Ada", 2, "Grace")).build();
        assertEquals(500, map.shownIndices().length);
        assertEquals(500, map.points().length);
        assertEquals(20, map.ownLabels().length);
        assertFalse(java.util.Arrays.stream(map.ownLabels()).anyMatch(l -> l == 99));
        Path png = dir.resolve("map.png");
        map.write(png);
        checkPng(png, 900, 700);

        EmbeddingMap again = EmbeddingMap.builder().setEmbeddings(x).setLabels(labels)
                .optMaxPoints(500).optSeed(7).build();
        assertArrayEquals(map.shownIndices(), again.shownIndices(), "the same seed draws the same sample");
        assertEquals(map.pca(), again.pca());
        EmbeddingMap other = EmbeddingMap.builder().setEmbeddings(x).setLabels(labels)
                .optMaxPoints(500).optSeed(8).build();
        assertFalse(java.util.Arrays.equals(map.shownIndices(), other.shownIndices()));
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingMap fromArray = EmbeddingMap.builder().setEmbeddings(manager.create(x)).setLabels(labels)
                    .optMaxPoints(500).optSeed(7).build();
            assertArrayEquals(map.shownIndices(), fromArray.shownIndices());
            float[][] a = map.points();
            float[][] b = fromArray.points();
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i], 1e-4f);
            }
        }
    }

    @Test
    void embeddingMapShowsTheDirectionThatSeparatesTwoIdentities() {
        // two identities apart along u, little spread elsewhere: PC1 separates them
        double[] u = PcaTest.orthonormal(1, 12, 6)[0];
        Random random = new Random(6);
        float[][] x = new float[200][12];
        int[] labels = new int[200];
        for (int i = 0; i < x.length; i++) {
            labels[i] = i % 2;
            double t = labels[i] == 0 ? -5 : 5;
            for (int j = 0; j < 12; j++) {
                x[i][j] = (float) (t * u[j] + 0.3 * random.nextGaussian());
            }
        }
        EmbeddingMap map = EmbeddingMap.builder().setEmbeddings(x).setLabels(labels).build();
        assertEquals(1.0, Math.abs(PcaTest.dot(map.pca().components()[0], u)), 1e-3);
        assertTrue(map.pca().explainedVarianceRatio()[0] > 0.95);
        float[][] p = map.points();
        for (int i = 0; i < p.length; i++) {
            assertEquals(Math.signum(p[0][0]) * (labels[i] == labels[0] ? 1 : -1), Math.signum(p[i][0]), "point " + i);
        }
    }

    @Test
    void embeddingMapRejectsBadInput() {
        float[][] x = {{1f, 2f}, {3f, 4f}, {5f, 7f}};
        assertEquals("There are 3 embeddings but 2 labels: give one label per embedding.",
                assertThrows(IllegalArgumentException.class,
                        () -> EmbeddingMap.builder().setEmbeddings(x).setLabels(new int[2]).build()).getMessage());
        assertEquals("A map needs at least 2 embeddings, but there are 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> EmbeddingMap.builder().setEmbeddings(new float[0][]).setLabels(new int[0]).build())
                        .getMessage());
        assertEquals("The embeddings are required: call setEmbeddings.",
                assertThrows(IllegalArgumentException.class,
                        () -> EmbeddingMap.builder().setLabels(new int[2]).build()).getMessage());
        assertEquals("The labels are required: call setLabels.",
                assertThrows(IllegalArgumentException.class,
                        () -> EmbeddingMap.builder().setEmbeddings(x).build()).getMessage());
        assertEquals("A 2-D map needs embeddings of at least 2 dimensions, but they have 1.",
                assertThrows(IllegalArgumentException.class,
                        () -> EmbeddingMap.builder().setEmbeddings(new float[][] {{1f}, {2f}})
                                .setLabels(new int[2]).build()).getMessage());
        assertEquals("The maxLabels must be at least 1, but was 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> EmbeddingMap.builder().setEmbeddings(x).setLabels(new int[3]).optMaxLabels(0).build())
                        .getMessage());
        assertEquals("The width must be between 100 and 10000 pixels, but was 50.",
                assertThrows(IllegalArgumentException.class,
                        () -> EmbeddingMap.builder().setEmbeddings(x).setLabels(new int[3]).optSize(50, 400).build())
                        .getMessage());
        assertEquals("The height must be between 100 and 10000 pixels, but was 20000.",
                assertThrows(IllegalArgumentException.class,
                        () -> RocPlot.builder().setRoc(roc(10, 1)).optSize(400, 20_000).build()).getMessage());
        assertEquals("The ROC curve is required: call setRoc.",
                assertThrows(IllegalArgumentException.class, () -> RocPlot.builder().build()).getMessage());
    }

    @Test
    void trainingCurvesWriteLossAndMetrics() throws IOException {
        List<EpochResult> epochs = new ArrayList<>();
        for (int e = 1; e <= 8; e++) {
            epochs.add(new EpochResult(e, e == 3 ? Double.NaN : 1.0 / e, 100, 12_800, 10));
        }
        TrainingHistory history = new TrainingHistory(null, epochs);
        TrainingCurves curves = TrainingCurves.builder().setHistory(history)
                .addMetric("val P@1", new double[] {0.5, 0.6, 0.7, 0.72, 0.75, 0.77, 0.78, 0.8})
                .addMetric("val MAP@R", new double[] {Double.NaN, 0.3, Double.NaN, 0.35, 0.4, 0.42, 0.43, 0.45})
                .optSize(700, 400).build();
        assertEquals(List.of("val P@1", "val MAP@R"), curves.metricNames());
        Path png = dir.resolve("training.png");
        curves.write(png);
        checkPng(png, 700, 400);
        Path lossOnly = dir.resolve("loss.png");
        TrainingCurves.builder().setHistory(history).build().write(lossOnly);
        checkPng(lossOnly, 800, 600);

        assertEquals("The metric 'acc' has 2 values but the history has 8 epochs: give one value per epoch.",
                assertThrows(IllegalArgumentException.class, () -> TrainingCurves.builder().setHistory(history)
                        .addMetric("acc", new double[2]).build()).getMessage());
        assertEquals("The metric name 'acc' is used twice.",
                assertThrows(IllegalArgumentException.class, () -> TrainingCurves.builder().setHistory(history)
                        .addMetric("acc", new double[8]).addMetric("acc", new double[8]).build()).getMessage());
        assertEquals("The history has no epochs: there is nothing to plot.",
                assertThrows(IllegalArgumentException.class,
                        () -> TrainingCurves.builder().setHistory(new TrainingHistory(null, List.of())).build())
                        .getMessage());
        assertEquals("The history is required: call setHistory.",
                assertThrows(IllegalArgumentException.class, () -> TrainingCurves.builder().build()).getMessage());
    }

    @Test
    void writeReplacesAtomicallyAndExplainsUnwritablePaths() throws IOException {
        RocPlot plot = RocPlot.builder().setRoc(roc(500, 4)).optSize(300, 200).build();
        Path png = dir.resolve("roc.png");
        Files.writeString(png, "an old file");
        plot.write(png);
        checkPng(png, 300, 200);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList(), "no temporary file is left behind");
        }

        Path file = dir.resolve("not-a-folder");
        Files.writeString(file, "x");
        Path inside = file.resolve("sub/roc.png");
        assertEquals("Cannot write the plot to " + inside + ": " + file + " is a file, not a folder.",
                assertThrows(IOException.class, () -> plot.write(inside)).getMessage());
        Path folder = Files.createDirectory(dir.resolve("folder.png"));
        assertEquals("Cannot write the plot to " + folder + ": it is a folder.",
                assertThrows(IOException.class, () -> plot.write(folder)).getMessage());
        assertEquals("x", Files.readString(file), "nothing was overwritten");
    }

    @Test
    void verificationPlotsWriteAllFilesOrNone() throws IOException {
        int[] labels = new int[5 * 30];
        float[][] x = blobs(5, 30, 8, 9, labels);
        RocCurve roc = roc(1000, 5);
        List<Path> written = VerificationPlots.write(dir.resolve("report"), roc, 0.8, x, labels);
        assertEquals(List.of(dir.resolve("report/roc.png"), dir.resolve("report/roc_log_far.png"),
                dir.resolve("report/embeddings.png")), written);
        for (Path p : written) {
            checkPng(p, Plot.DEFAULT_WIDTH, Plot.DEFAULT_HEIGHT);
        }
        Path bad = dir.resolve("bad");
        assertEquals("There are 150 embeddings but 3 labels: give one label per embedding.",
                assertThrows(IllegalArgumentException.class,
                        () -> VerificationPlots.write(bad, roc, x, new int[3])).getMessage());
        assertFalse(Files.exists(bad), "bad input fails before anything is written");
    }
}
