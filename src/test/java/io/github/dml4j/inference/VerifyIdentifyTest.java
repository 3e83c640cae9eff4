package io.github.dml4j.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.eval.IdentificationReport;
import io.github.dml4j.eval.PairScores;
import io.github.dml4j.eval.ThresholdCalibration;
import io.github.dml4j.index.ExactIndex;
import io.github.dml4j.index.HnswIndex;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyIdentifyTest {

    @TempDir
    Path temp;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private EmbeddingModel cosineModel() {
        return EmbeddingModel.of(TestModels.net(manager, new int[] {8, 16}, 16, 1, true));
    }

    private static Image image(LabeledImages images, int index) {
        return TestModels.grayImage(images.imageBytes(index), 28, 28);
    }

    @Test
    void verifyWithoutThresholdSaysHowToCalibrate() {
        try (EmbeddingModel model = cosineModel()) {
            LabeledImages images = TestModels.randomImages(2, 1, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Verifier.of(model));
            assertEquals("The model card has no calibrated threshold, so same/different cannot be decided. Calibrate "
                    + "one on held-out pairs of identities not used in training: score them (eval.PairScores), then "
                    + "model.withCalibration(ThresholdCalibration.forTargetFar(scores, same, 1e-3)) or "
                    + "ThresholdCalibration.bestAccuracy(scores, same), and save that model; examples/run "
                    + "FaceVerification does this.", e.getMessage());
            // an explicit threshold needs no calibration
            Verification v = Verifier.of(model, 0.5).verify(image(images, 0), image(images, 0));
            assertTrue(v.same());
            assertEquals("The threshold must be finite, got NaN.",
                    assertThrows(IllegalArgumentException.class, () -> Verifier.of(model, Double.NaN)).getMessage());
        }
    }

    @Test
    void calibratedThresholdDecidesAndSurvivesSaving() throws Exception {
        LabeledImages images = TestModels.randomImages(40, 1, 2);
        int[] first = new int[39];
        int[] second = new int[39];
        boolean[] same = new boolean[39];
        for (int i = 0; i < 39; i++) {
            first[i] = i;
            second[i] = i % 2 == 0 ? (i + 5) % 40 : i + 1;
            same[i] = images.label(first[i]) == images.label(second[i]);
        }
        Path dir = temp.resolve("model");
        ThresholdCalibration calibration;
        float[] scores;
        try (EmbeddingModel model = cosineModel()) {
            NDArray e = model.embed(manager, images);
            scores = PairScores.score(e, first, second, model.distance());
            calibration = ThresholdCalibration.bestAccuracy(scores, same);
            try (EmbeddingModel calibrated = model.withCalibration(calibration)) {
                assertEquals(calibration.threshold(), calibrated.card().threshold());
                assertNull(model.card().threshold(), "calibration returns a new model; this one is unchanged");
                Verifier verifier = Verifier.of(calibrated);
                for (int i = 0; i < 39; i += 7) {
                    Verification v = verifier.verify(image(images, first[i]), image(images, second[i]));
                    assertEquals(scores[i], v.score(), 1e-5);
                    assertEquals(v.score() >= calibration.threshold(), v.same());
                    assertEquals(calibration.threshold(), v.threshold());
                }
                Verification self = verifier.verify(image(images, 3), image(images, 3));
                assertEquals(1.0, self.score(), 1e-5);
                calibrated.save(dir);
            }
            // closing the calibrated model left the shared network usable for this one
            assertArrayEquals(e.toFloatArray(), model.embed(manager, images).toFloatArray());
        }
        try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
            assertEquals(calibration, loaded.card().calibration());
            Verification v = Verifier.of(loaded).verify(image(images, first[0]), image(images, second[0]));
            assertEquals(scores[0], v.score(), 1e-5);
        }
    }

    @Test
    void aCalibratedModelOutlivesTheModelItCameFromAndTheLastOneClosesTheNetwork() throws Exception {
        LabeledImages images = TestModels.randomImages(4, 1, 5);
        Path dir = temp.resolve("shared");
        try (EmbeddingModel model = cosineModel()) {
            model.save(dir);
        }
        EmbeddingModel loaded = EmbeddingModel.load(dir);
        float[] before = loaded.embed(manager, images).toFloatArray();
        EmbeddingModel calibrated = loaded.withCalibration(calibration(0.5));
        loaded.close();
        assertEquals("This EmbeddingModel is closed.",
                assertThrows(IllegalStateException.class, () -> loaded.withCalibration(calibration(0.4))).getMessage());
        assertArrayEquals(before, calibrated.embed(manager, images).toFloatArray(), "the shared network is still open");
        assertTrue(calibrated.model().getNDManager().isOpen());
        calibrated.close();
        calibrated.close(); // closing twice is harmless
        assertFalse(calibrated.model().getNDManager().isOpen(), "the last model closed the network");
    }

    @Test
    void scoresFollowTheCardsDistance() {
        EmbeddingModel l2 = EmbeddingModel.of(TestModels.smallNet(manager));
        assertEquals("l2", l2.card().distance());
        float[] a = {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        float[] b = {0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertEquals(-5.0, l2.score(a, b), 1e-4);
        try (EmbeddingModel cos = cosineModel()) {
            assertEquals(0.0, cos.score(a, b), 1e-6);
            assertEquals(1.0, cos.score(a, a), 1e-6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cos.score(new float[3], a));
            assertEquals("An embedding of this model has 16 values, got 3.", e.getMessage());
        }
    }

    @Test
    void flipAveragedEmbeddingIsTheMeanOfImageAndMirror() {
        LabeledImages images = TestModels.randomImages(6, 1, 3);
        byte[] mirrored = new byte[6 * 28 * 28];
        for (int n = 0; n < 6; n++) {
            byte[] img = images.imageBytes(n);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    mirrored[n * 784 + y * 28 + x] = img[y * 28 + 27 - x];
                }
            }
        }
        LabeledImages flipped = LabeledImages.of(mirrored, images.labels(), 1, 28, 28);
        try (EmbeddingModel model = cosineModel()) {
            NDArray both = model.embed(manager, images).add(model.embed(manager, flipped)).div(2).normalize(2, 1);
            NDArray averaged = model.embed(manager, images, true);
            assertArrayEquals(both.toFloatArray(), averaged.toFloatArray(), 1e-5f);
            assertNotEquals(model.embed(manager, images).getFloat(0, 0), averaged.getFloat(0, 0));
        }
    }

    @Test
    void galleryIdentifiesEnrolledImagesAndRejectsStrangersOpenSet() {
        LabeledImages gallery = TestModels.randomImages(20, 1, 4); // labels i % 5
        LabeledImages strangers = TestModels.randomImages(5, 1, 99);
        List<String> names = List.of("ann", "bob", "cy", "di", "ed");
        try (EmbeddingModel model = cosineModel()) {
            double strangerBest;
            try (Gallery closed = Gallery.builder().setModel(model).setImages(gallery, names).build()) {
                strangerBest = closed.identifyAll(strangers, 1).stream().mapToDouble(i -> i.best().score()).max()
                        .orElseThrow();
            }
            // a random network maps everything close together: set the threshold just above the strangers
            double threshold = strangerBest + (1 - strangerBest) / 10;
            try (Gallery g = Gallery.builder().setModel(model).setImages(gallery, names).optThreshold(threshold).build()) {
                assertEquals(20, g.size());
                assertEquals(5, g.identities());
                Identification id = g.identify(image(gallery, 7), 3);
                assertEquals("cy", id.identity());
                assertEquals(1.0, id.best().score(), 1e-5);
                assertEquals(3, id.candidates().size());
                assertEquals(3, id.candidates().stream().map(Identification.Candidate::name).distinct().count());
                assertTrue(id.candidates().get(1).score() <= id.best().score());
                Identification stranger = g.identify(image(strangers, 0), 1);
                assertTrue(stranger.unknown(), stranger.toString());
                assertNull(stranger.identity());

                // probes: the gallery's own images (mated) and strangers with labels absent from it
                int[] strangerLabels = {10, 11, 12, 13, 14};
                LabeledImages probes = LabeledImages.of(concat(gallery, strangers), concatLabels(gallery.labels(),
                        strangerLabels), 1, 28, 28);
                IdentificationReport report = g.evaluate(probes, 2);
                assertEquals(20, report.matedProbes());
                assertEquals(5, report.nonMatedProbes());
                assertEquals(1.0, report.rank1Rate());
                assertEquals(1.0, report.detectionIdentificationRate());
                assertEquals(0.0, report.openSetFalseAcceptRate());
            }
            try (Gallery closed = Gallery.builder().setModel(model).setImages(gallery, null).build()) {
                assertNull(closed.threshold());
                Identification any = closed.identify(image(strangers, 0), 1);
                assertFalse(any.unknown());
                assertEquals(String.valueOf(any.best().label()), any.identity());
            }
        }
    }

    @Test
    void galleryFromEmbeddingsRanksIdentitiesByTheirBestImage() {
        float[][] e = {{1, 0}, {0.6f, 0.8f}, {0, 1}, {-1, 0}};
        int[] labels = {0, 1, 1, 2};
        try (Gallery g = Gallery.builder()
                .setEmbeddings(e, labels, List.of("a", "b", "c"), new CosineSimilarity())
                .optThreshold(0.5)
                .build()) {
            Identification id = g.identify(new float[] {0.8f, 0.6f}, 3);
            assertEquals(List.of("b", "a", "c"), id.candidates().stream().map(Identification.Candidate::name).toList());
            assertEquals(0.96, id.best().score(), 1e-5);
            assertEquals(0.8, id.candidates().get(1).score(), 1e-5);
            assertTrue(g.identify(new float[] {0, -1}, 1).unknown());
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> g.identify(new float[] {1, 0}, 4));
            assertEquals("k must be between 1 and the gallery's 3 identities, got 4.", ex.getMessage());
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Gallery.builder()
                .setEmbeddings(e, labels, List.of("a", "b"), new CosineSimilarity()).build());
        assertEquals("Gallery image 3 has label 2 but there are only 2 identity names.", ex.getMessage());
    }

    @Test
    void verifyOfEmbeddingsAcceptsAScoreAtTheThresholdAndRejectsOneBelow() {
        float[] a = {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        float[] b = {0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
        try (EmbeddingModel model = cosineModel()) {
            double s = model.score(a, b);
            assertEquals(2 / (Math.sqrt(10) * Math.sqrt(20)), s, 1e-6);
            try (EmbeddingModel at = model.withCalibration(calibration(s));
                 EmbeddingModel above = model.withCalibration(calibration(Math.nextUp(s)))) {
                Verification v = Verifier.of(at).verify(a, b);
                assertEquals(s, v.score());
                assertEquals(s, v.threshold());
                assertTrue(v.same());
                assertFalse(Verifier.of(above).verify(a, b).same());
                assertEquals(Math.nextUp(s), above.card().threshold());
            }
            assertThrows(NullPointerException.class, () -> model.withCalibration(null));
        }
    }

    @Test
    void concurrentVerifyOfEmbeddingsGivesTheSequentialAnswers() throws Exception {
        int pairs = 400;
        java.util.Random random = new java.util.Random(8);
        float[][] a = new float[pairs][16];
        float[][] b = new float[pairs][16];
        for (int i = 0; i < pairs; i++) {
            for (int j = 0; j < 16; j++) {
                a[i][j] = (float) random.nextGaussian();
                b[i][j] = (float) random.nextGaussian();
            }
        }
        try (EmbeddingModel cosine = cosineModel(); EmbeddingModel model = cosine.withCalibration(calibration(0.1))) {
            Verifier verifier = Verifier.of(model);
            Verification[] expected = new Verification[pairs];
            for (int i = 0; i < pairs; i++) {
                expected[i] = verifier.verify(a[i], b[i]);
            }
            int threads = 4;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            try {
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                List<java.util.concurrent.Future<Verification[]>> futures = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int offset = t * 97; // each thread walks the pairs from another place
                    futures.add(pool.submit(() -> {
                        start.await();
                        Verification[] got = new Verification[pairs];
                        for (int n = 0; n < pairs; n++) {
                            int i = (n + offset) % pairs;
                            got[i] = verifier.verify(a[i], b[i]);
                        }
                        return got;
                    }));
                }
                start.countDown();
                for (java.util.concurrent.Future<Verification[]> f : futures) {
                    assertArrayEquals(expected, f.get(60, java.util.concurrent.TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
            long same = java.util.Arrays.stream(expected).filter(Verification::same).count();
            assertTrue(same > 0 && same < pairs, same + " of " + pairs + " accepted: both answers occur");
        }
    }

    @Test
    void flipAveragingWithoutNormalizationIsThePlainMean() {
        LabeledImages images = TestModels.randomImages(3, 1, 6);
        byte[] mirrored = new byte[3 * 784];
        for (int n = 0; n < 3; n++) {
            byte[] img = images.imageBytes(n);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    mirrored[n * 784 + y * 28 + x] = img[y * 28 + 27 - x];
                }
            }
        }
        LabeledImages flipped = LabeledImages.of(mirrored, images.labels(), 1, 28, 28);
        try (EmbeddingModel model = EmbeddingModel.of(TestModels.smallNet(manager))) {
            assertFalse(model.net().isNormalize());
            NDArray mean = model.embed(manager, images).add(model.embed(manager, flipped)).div(2);
            assertArrayEquals(mean.toFloatArray(), model.embed(manager, images, true).toFloatArray(), 1e-5f);
            assertArrayEquals(model.embed(manager, images).toFloatArray(),
                    model.embed(manager, images, false).toFloatArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.embed(manager, TestModels.randomImages(2, 3, 1), true));
            assertEquals("The images are 3x28x28 but the model takes 1x28x28 (channels x height x width).",
                    e.getMessage());
        }
    }

    @Test
    void galleryTakesTheModelCardsThresholdUnlessOneIsSet() {
        LabeledImages gallery = TestModels.randomImages(10, 1, 4);
        try (EmbeddingModel cosine = cosineModel(); EmbeddingModel model = cosine.withCalibration(calibration(0.25))) {
            try (Gallery g = Gallery.builder().setModel(model).setImages(gallery, null).build()) {
                assertEquals(0.25, g.threshold());
            }
            try (Gallery g = Gallery.builder().setModel(model).setImages(gallery, null).optThreshold(0.75).build()) {
                assertEquals(0.75, g.threshold());
            }
        }
        try (Gallery g = Gallery.builder().setEmbeddings(new float[][] {{1, 0}}, new int[] {0}, null,
                new CosineSimilarity()).build()) {
            assertNull(g.threshold());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> g.identify(image(gallery, 0), 1));
            assertEquals("This gallery was built from embeddings without a model: embed the probe yourself and call "
                    + "identify(float[], k).", e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> g.identifyAll(gallery, 1));
            assertEquals("This gallery was built from embeddings without a model: embed the probes yourself.",
                    e.getMessage());
        }
    }

    @Test
    void galleryBuilderNamesWhatIsMissingOrContradictory() {
        float[][] e = {{1, 0}, {0, 1}};
        CosineSimilarity cosine = new CosineSimilarity();
        assertGalleryMessage("A gallery needs a model and images (setModel, setImages), or embeddings with labels and a "
                + "distance (setEmbeddings).", Gallery.builder());
        assertGalleryMessage("Got 2 gallery embeddings but 1 labels.",
                Gallery.builder().setEmbeddings(e, new int[] {0}, null, cosine));
        assertGalleryMessage("Got 2 gallery embeddings but no labels.",
                Gallery.builder().setEmbeddings(e, null, null, cosine));
        assertGalleryMessage("The gallery has no images.",
                Gallery.builder().setEmbeddings(new float[0][], new int[0], null, cosine));
        assertGalleryMessage("Flip averaging needs a model; embeddings are used as given.",
                Gallery.builder().setEmbeddings(e, new int[] {0, 1}, null, cosine).optFlipAverage(true));
        try (EmbeddingModel model = cosineModel()) {
            assertGalleryMessage("Give a model with images, or embeddings, not both.", Gallery.builder().setModel(model)
                    .setImages(TestModels.randomImages(2, 1, 1), null).setEmbeddings(e, new int[] {0, 1}, null, cosine));
            assertGalleryMessage("The gallery has no images.", Gallery.builder().setModel(model)
                    .setImages(LabeledImages.of(new byte[0], new int[0], 1, 28, 28), null));
        }
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Gallery.builder().optThreshold(Double.NaN));
        assertEquals("The threshold must be finite, got NaN.", ex.getMessage());
    }

    @Test
    void galleryRefusesAnIndexThatIsNotEmptyOrOnAnotherDistance() {
        float[][] e = {{1, 0}, {0, 1}};
        int[] labels = {0, 1};
        try (ExactIndex filled = ExactIndex.builder().setDistance(new CosineSimilarity()).build();
                ExactIndex euclidean = ExactIndex.builder().setDistance(LpDistance.raw()).build()) {
            filled.add(new float[][] {{1, 1}}, new long[] {7});
            assertGalleryMessage("The gallery's index must be empty and use the distance cosine, so its scores match "
                    + "the threshold; it holds 1 entries and uses cosine.",
                    Gallery.builder().setEmbeddings(e, labels, null, new CosineSimilarity()).optIndex(filled));
            assertGalleryMessage("The gallery's index must be empty and use the distance cosine, so its scores match "
                    + "the threshold; it holds 0 entries and uses l2.",
                    Gallery.builder().setEmbeddings(e, labels, null, new CosineSimilarity()).optIndex(euclidean));
            assertEquals(1, filled.size(), "a refused index is left as it was");
            assertEquals(0, euclidean.size());
        }
    }

    @Test
    void galleryOnAnHnswIndexIdentifiesAsTheExactDefault() {
        java.util.Random random = new java.util.Random(12);
        float[][] enrolled = new float[60][8];
        int[] labels = new int[60];
        for (int i = 0; i < 60; i++) {
            labels[i] = i % 12;
            for (int j = 0; j < 8; j++) {
                enrolled[i][j] = (float) random.nextGaussian();
            }
        }
        float[][] probes = new float[25][8];
        for (float[] p : probes) {
            for (int j = 0; j < 8; j++) {
                p[j] = (float) random.nextGaussian();
            }
        }
        HnswIndex hnsw = HnswIndex.builder().setDistance(new CosineSimilarity()).optThreads(1).build();
        List<Identification> exact;
        List<Identification> approximate;
        try (Gallery g = Gallery.builder().setEmbeddings(enrolled, labels, null, new CosineSimilarity())
                .optThreshold(0.75).build()) {
            exact = g.identifyAll(probes, 4);
        }
        try (Gallery g = Gallery.builder().setEmbeddings(enrolled, labels, null, new CosineSimilarity())
                .optThreshold(0.75).optIndex(hnsw).build()) {
            assertEquals(60, hnsw.size());
            approximate = g.identifyAll(probes, 4);
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> hnsw.search(probes, 1), "the gallery closes its index");
        assertEquals("This HnswIndex is closed.", closed.getMessage());
        long unknown = exact.stream().filter(Identification::unknown).count();
        assertTrue(unknown > 0 && unknown < probes.length, unknown + " unknown probes: both answers occur");
        for (int q = 0; q < probes.length; q++) {
            Identification x = exact.get(q);
            Identification h = approximate.get(q);
            assertEquals(x.candidates().stream().map(Identification.Candidate::label).toList(),
                    h.candidates().stream().map(Identification.Candidate::label).toList(), "probe " + q);
            for (int r = 0; r < 4; r++) {
                assertEquals(x.candidates().get(r).score(), h.candidates().get(r).score(), 1e-5, "probe " + q);
            }
            assertEquals(x.unknown(), h.unknown(), "probe " + q);
        }
    }

    private static ThresholdCalibration calibration(double threshold) {
        return new ThresholdCalibration(threshold, ThresholdCalibration.Method.BEST_ACCURACY, null, 0.25, 0.75, 0.75,
                4, 4);
    }

    private static void assertGalleryMessage(String expected, Gallery.Builder builder) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void centreCropFitIsRecordedAndUsedForImagesOfAnotherSize() throws Exception {
        io.github.dml4j.data.ImagePreprocessing crop = io.github.dml4j.data.ImagePreprocessing.builder()
                .setSize(28, 28).optColor(ColorMode.GRAYSCALE).build();
        EmbeddingNet net = TestModels.net(manager, new int[] {8, 16}, 16, 1, true);
        byte[] wide = new byte[40 * 28];
        new java.util.Random(5).nextBytes(wide);
        Image image = TestModels.grayImage(wide, 28, 40);
        Path dir = temp.resolve("cropped");
        float[] expected;
        try (EmbeddingModel model = EmbeddingModel.of(net, ModelCard.describe(net).withPreprocessing(crop))) {
            assertEquals(io.github.dml4j.data.ImagePreprocessing.Fit.RESIZE_AND_CENTER_CROP, model.card().input().fit());
            expected = model.embedPixels(crop.apply(image, manager));
            assertArrayEquals(expected, model.embed(image), 1e-6f);
            model.save(dir);
        }
        try (EmbeddingModel loaded = EmbeddingModel.load(dir)) {
            assertEquals(crop, loaded.card().input().preprocessing());
            assertArrayEquals(expected, loaded.embed(image), 1e-6f);
        }
        // a card without the setting (older cards) stretches, as before
        assertEquals(io.github.dml4j.data.ImagePreprocessing.Fit.RESIZE, ModelCard.describe(net).input().fit());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCard.describe(net)
                .withPreprocessing(io.github.dml4j.data.ImagePreprocessing.builder().setSize(32, 32).build()));
        assertEquals("The preprocessing makes (3, 32, 32) images but the model takes (1, 28, 28).", e.getMessage());
    }

    private static byte[] concat(LabeledImages a, LabeledImages b) {
        byte[] out = new byte[(a.size() + b.size()) * 784];
        for (int i = 0; i < a.size(); i++) {
            System.arraycopy(a.imageBytes(i), 0, out, i * 784, 784);
        }
        for (int i = 0; i < b.size(); i++) {
            System.arraycopy(b.imageBytes(i), 0, out, (a.size() + i) * 784, 784);
        }
        return out;
    }

    private static int[] concatLabels(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
