package io.github.dml4j.attributes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes on embeddings whose attributes are known: a binary attribute carried by one direction, a
 * categorical one by cluster centres, one the embeddings do not carry, a rare one, and an
 * XOR-shaped one that only the MLP can read.
 */
class AttributeProbesTest {

    @TempDir
    Path dir;

    /** 40 identities of 8 images, 8-d; attribute 0 is bound to the identity, 1 is per image, 2 is noise. */
    private static Object[] data() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 320;
        float[][] x = new float[n][8];
        int[] identity = new int[n];
        int[][] labels = new int[3][n];
        for (int i = 0; i < n; i++) {
            identity[i] = i / 8;
            int glasses = identity[i] % 5 == 0 ? 1 : 0; // rare: one identity in five
            int hair = identity[i] % 3;
            for (int j = 0; j < 8; j++) {
                x[i][j] = (float) (0.3 * r.nextGaussian());
            }
            x[i][0] += glasses == 1 ? 1.5f : -0.5f;
            x[i][1 + hair] += 1.2f;
            labels[0][i] = glasses;
            labels[1][i] = hair;
            labels[2][i] = r.nextInt(2);
        }
        labels[2][5] = AttributeTable.MISSING;
        return new Object[] {x, identity, AttributeLabels.of(List.of(AttributeTable.Attribute.binary("glasses"),
                AttributeTable.Attribute.categorical("hair", List.of("black", "blond", "brown")),
                AttributeTable.Attribute.binary("coin")), labels)};
    }

    @Test
    void crossValidatedProbesReadCarriedAttributesAndNotNoise() {
        Object[] d = data();
        AttributeReport report = AttributeProbes.builder().optFolds(4).optSeed(1).build()
                .crossValidate((float[][]) d[0], (int[]) d[1], (AttributeLabels) d[2]);
        assertTrue(report.get("glasses").balancedAccuracy() > 0.95, report.toTable());
        assertTrue(report.get("glasses").rocAuc() > 0.98, report.toTable());
        assertTrue(report.get("hair").macroF1() > 0.9, report.toTable());
        assertTrue(Math.abs(report.get("coin").balancedAccuracy() - 0.5) < 0.1, report.toTable());
        assertEquals(319, report.get("coin").labelled());
        Map<String, Object> map = report.toMap();
        assertEquals(List.of("glasses_accuracy", "glasses_balanced_accuracy", "glasses_roc_auc", "hair_accuracy",
                "hair_balanced_accuracy", "hair_macro_f1", "coin_accuracy", "coin_balanced_accuracy", "coin_roc_auc",
                "mean_accuracy", "mean_balanced_accuracy", "mean_roc_auc", "mean_macro_f1", "folds"),
                List.copyOf(map.keySet()));
        assertEquals((report.get("glasses").rocAuc() + report.get("coin").rocAuc()) / 2, report.meanRocAuc(), 1e-12);
    }

    @Test
    void balancedWeightsFindTheRareClass() {
        Object[] d = data();
        float[][] x = (float[][]) d[0];
        int[] y = ((AttributeLabels) d[2]).labels(0);
        // the rare class moved towards the others: unweighted, the probe calls fewer of them
        for (int i = 0; i < x.length; i++) {
            x[i][0] = y[i] == 1 ? x[i][0] - 1.6f : x[i][0];
        }
        float[][] none = AttributeProbe.builder().optClassWeighting(ClassWeighting.NONE).build().fit(x, y, 2)
                .predictProba(x);
        float[][] balanced = AttributeProbe.builder().build().fit(x, y, 2).predictProba(x);
        long foundNone = java.util.stream.IntStream.range(0, y.length).filter(i -> y[i] == 1 && none[i][1] >= 0.5).count();
        long foundBalanced = java.util.stream.IntStream.range(0, y.length)
                .filter(i -> y[i] == 1 && balanced[i][1] >= 0.5).count();
        assertTrue(foundBalanced > foundNone, foundBalanced + " vs " + foundNone);
    }

    @Test
    void theMlpReadsWhatNoLineSeparates() {
        SplittableRandom r = new SplittableRandom(5);
        float[][] x = new float[400][2];
        int[] y = new int[400];
        for (int i = 0; i < x.length; i++) {
            x[i][0] = (float) (r.nextDouble() * 2 - 1);
            x[i][1] = (float) (r.nextDouble() * 2 - 1);
            y[i] = x[i][0] * x[i][1] > 0 ? 1 : 0;
        }
        Probe linear = AttributeProbe.builder().build().fit(x, y, 2);
        Probe mlp = AttributeProbe.builder().optHiddenUnits(16).optSeed(2).build().fit(x, y, 2);
        int[] linearPred = java.util.Arrays.stream(linear.predictProba(x)).mapToInt(p -> p[1] >= 0.5 ? 1 : 0).toArray();
        int[] mlpPred = java.util.Arrays.stream(mlp.predictProba(x)).mapToInt(p -> p[1] >= 0.5 ? 1 : 0).toArray();
        assertTrue(AttributeMetrics.accuracy(y, linearPred) < 0.7, "linear " + AttributeMetrics.accuracy(y, linearPred));
        assertTrue(AttributeMetrics.accuracy(y, mlpPred) > 0.9, "mlp " + AttributeMetrics.accuracy(y, mlpPred));
    }

    @Test
    void foldsNeverSplitAnIdentity() {
        int[] identities = {7, 7, 3, 3, 3, 9, 1, 1, 5, 5};
        int[] folds = AttributeProbes.identityFolds(identities, 3, 0);
        for (int i = 0; i < identities.length; i++) {
            for (int j = 0; j < identities.length; j++) {
                if (identities[i] == identities[j]) {
                    assertEquals(folds[i], folds[j]);
                }
            }
        }
        assertEquals(3, java.util.Arrays.stream(folds).distinct().count());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttributeProbes.identityFolds(identities, 6, 0));
        assertEquals("Folds split by identity need at least as many identities as folds (6), got 5.", e.getMessage());
    }

    @Test
    void theClassifierSavesLoadsAndNamesItsProbabilities() throws Exception {
        Object[] d = data();
        float[][] x = (float[][]) d[0];
        AttributeClassifier classifier = AttributeProbes.builder().build().fit(x, (AttributeLabels) d[2]);
        Path file = dir.resolve(AttributeClassifier.FILE_NAME);
        classifier.save(file);
        AttributeClassifier loaded = AttributeClassifier.load(file);
        Map<String, Map<String, Float>> p = loaded.probabilities(x[0]);
        assertEquals(List.of("glasses", "hair", "coin"), List.copyOf(p.keySet()));
        assertEquals(List.of("black", "blond", "brown"), List.copyOf(p.get("hair").keySet()));
        assertEquals(classifier.probabilities(x[0]), p);
        assertEquals(1f, p.get("hair").values().stream().reduce(0f, Float::sum), 1e-5f);
        assertEquals(0.5, loaded.threshold("glasses"));
        AttributeReport onTraining = loaded.evaluate(x, (AttributeLabels) d[2]);
        assertEquals(1, onTraining.folds());
        assertTrue(onTraining.get("glasses").accuracy() > 0.95);
    }

    @Test
    void badSettingsAndInputsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttributeProbe.builder().optC(0).build());
        assertEquals("The inverse regularization strength (optC) must be positive and finite, got 0.0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributeProbes.builder().optFolds(1).build());
        assertEquals("The folds (optFolds) must be 2 or more, got 1.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AttributeProbe.builder().build().fit(new float[][] {{1f}, {2f}}, new int[] {0, 2}, 2));
        assertEquals("Label 1 is 2, outside 0..1.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AttributeProbe.builder().build().fit(new float[][] {{1f}, {2f, 3f}}, new int[] {0, 1}, 2));
        assertEquals("Embedding 1 has 2 values, embedding 0 has 1.", e.getMessage());
        Probe probe = AttributeProbe.builder().optIterations(5).build().fit(new float[][] {{1f}, {2f}}, new int[] {0, 1}, 2);
        assertArrayEquals(new float[][] {}, probe.predictProba(new float[0][]));
        e = assertThrows(IllegalArgumentException.class,
                () -> probe.predictProba(new float[][] {{1f, 2f}}));
        assertEquals("The probe takes (N, 1) embeddings, got (1, 2).", e.getMessage());
    }
}
