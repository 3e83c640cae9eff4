package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.dml4j.Golden;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class VerificationMetricsTest {

    private static final double EXACT = 1e-12;

    private static double[] goldenScores() {
        JsonArray a = Golden.get("verification", "similarity").getAsJsonArray();
        double[] s = new double[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsDouble();
        }
        return s;
    }

    private static boolean[] goldenSame() {
        int[] ints = Golden.ints(Golden.get("verification", "is_same"));
        boolean[] b = new boolean[ints.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = ints[i] != 0;
        }
        return b;
    }

    private static double golden(String key) {
        return Golden.get("verification", key).getAsDouble();
    }

    @Test
    void rocMatchesGolden() {
        double[] scores = goldenScores();
        boolean[] same = goldenSame();
        for (RocCurve roc : new RocCurve[] {RocCurve.of(scores, same), RocCurve.of(scores, same).dropIntermediate()}) {
            assertEquals(golden("roc_auc"), roc.auc(), 1e-9, "auc " + roc);
            assertEquals(golden("eer"), roc.eer(), 1e-9, "eer " + roc);
            assertEquals(golden("tar_at_far_0.01"), roc.tarAtFar(0.01), 1e-9);
            assertEquals(golden("tar_at_far_0.1"), roc.tarAtFar(0.1), 1e-9);
            assertEquals(400, roc.positives() + roc.negatives());
        }
    }

    @Test
    void bestThresholdAccuracyMatchesGolden() {
        VerificationMetrics.BestThreshold best =
                VerificationMetrics.bestThreshold(goldenScores(), goldenSame());
        assertEquals(golden("best_threshold_accuracy"), best.accuracy(), 1e-9);
        // a brute-force check of the chosen threshold over every observed score
        double[] s = goldenScores();
        boolean[] y = goldenSame();
        int bestCorrect = -1;
        double bestT = 0;
        for (double t : s) {
            int correct = 0;
            for (int i = 0; i < s.length; i++) {
                correct += (s[i] >= t) == y[i] ? 1 : 0;
            }
            if (correct > bestCorrect || correct == bestCorrect && t > bestT) {
                bestCorrect = correct;
                bestT = t;
            }
        }
        assertEquals(bestT, best.threshold(), 0.0);
    }

    @Test
    void reportMatchesGoldenAndSerializes() {
        VerificationReport report = VerificationMetrics.builder()
                .optFars(0.1, 0.01, 1e-3)
                .build()
                .evaluate(goldenScores(), goldenSame());
        assertEquals(golden("roc_auc"), report.rocAuc(), 1e-9);
        assertEquals(golden("eer"), report.eer(), 1e-9);
        assertEquals(golden("tar_at_far_0.01"), report.tarAtFar().get(0.01), 1e-9);
        assertEquals(golden("tar_at_far_0.1"), report.tarAtFar().get(0.1), 1e-9);
        assertEquals(golden("best_threshold_accuracy"), report.bestAccuracy(), 1e-9);
        assertEquals(10, report.folds());
        assertTrue(report.kFoldMean() > 0.7 && report.kFoldMean() <= 0.8075 + 1e-9, report.toString());
        Map<String, Object> map = report.toMap();
        assertEquals(
                "[roc_auc, eer, tar_at_far_0.001, tar_at_far_0.01, tar_at_far_0.1, threshold_at_far_0.001,"
                        + " threshold_at_far_0.01, threshold_at_far_0.1, best_threshold, best_threshold_accuracy,"
                        + " accuracy_10fold_mean, accuracy_10fold_std, positive_pairs, negative_pairs]",
                map.keySet().toString());
        assertEquals(report.positivePairs() + report.negativePairs(), 400);
        JsonObject json = new Gson().toJsonTree(map).getAsJsonObject();
        assertEquals(golden("roc_auc"), json.get("roc_auc").getAsDouble(), 1e-9);
        assertTrue(report.toString().startsWith("VerificationReport{roc_auc=0.8767, eer=0.2025"), report.toString());
        // the same seed gives the same folds
        VerificationReport again = VerificationMetrics.builder().optFars(0.1, 0.01, 1e-3).build()
                .evaluate(goldenScores(), goldenSame());
        assertEquals(report, again);
    }

    @Test
    void rocPointsAsScikitLearn() {
        // scikit-learn's roc_curve docstring example
        RocCurve roc = RocCurve.of(new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true});
        assertArrayEquals(new double[] {0, 0, 0.5, 0.5, 1}, roc.fpr(), EXACT);
        assertArrayEquals(new double[] {0, 0.5, 0.5, 1, 1}, roc.tpr(), EXACT);
        assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 0.8, 0.4, 0.35, 0.1}, roc.thresholds(), 0.0);
        assertEquals(0.75, roc.auc(), EXACT);
        // collinear points: drop_intermediate=True removes the middle of (0, .5) (0, 1) ... (1, 1)
        RocCurve line = RocCurve.of(new double[] {4, 3, 2, 1}, new boolean[] {true, true, false, false});
        assertEquals(5, line.size());
        RocCurve dropped = line.dropIntermediate();
        assertArrayEquals(new double[] {0, 0, 0, 1}, dropped.fpr(), EXACT);
        assertArrayEquals(new double[] {0, 0.5, 1, 1}, dropped.tpr(), EXACT);
        assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 4, 3, 1}, dropped.thresholds(), 0.0);
    }

    @Test
    void perfectSeparation() {
        double[] s = {0.9, 0.2, 0.8, 0.1};
        boolean[] y = {true, false, true, false};
        RocCurve roc = RocCurve.of(s, y);
        assertEquals(1.0, roc.auc(), EXACT);
        assertEquals(0.0, roc.eer(), EXACT);
        assertEquals(1.0, roc.tarAtFar(0), EXACT);
        assertEquals(0.8, roc.thresholdAtFar(0), 0.0);
        assertEquals(0.8, roc.eerThreshold(), 0.0);
        VerificationMetrics.BestThreshold best = VerificationMetrics.bestThreshold(s, y);
        assertEquals(1.0, best.accuracy(), EXACT);
        assertEquals(0.8, best.threshold(), 0.0);
        // k-fold on folds {0.9, 0.2} and {0.8, 0.1}: fold 0 gets t = 0.8 from fold 1 (all right);
        // fold 1 gets t = 0.9 from fold 0 (the largest of the perfect thresholds), which rejects
        // its 0.8 positive: 1/2. Mean 3/4, population std 1/4: a threshold at an observed score
        // does not generalize past the training fold's lowest positive.
        VerificationReport r = VerificationMetrics.builder().build()
                .evaluate(s, y, KFoldVerification.contiguousFolds(4, 2));
        assertEquals(0.75, r.kFoldMean(), EXACT);
        assertEquals(0.25, r.kFoldStd(), EXACT);
        assertEquals(2, r.positivePairs());
        assertEquals(2, r.negativePairs());
        // float scores give the same report (0.9f, 0.8f... widened exactly as the doubles they were rounded to)
        float[] f = new float[s.length];
        double[] widened = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            f[i] = (float) s[i];
            widened[i] = f[i];
        }
        assertEquals(VerificationMetrics.builder().build().evaluate(widened, y, KFoldVerification.contiguousFolds(4, 2)),
                VerificationMetrics.builder().build().evaluate(f, y, KFoldVerification.contiguousFolds(4, 2)));
    }

    @Test
    void reversedScores() {
        double[] s = {0.2, 0.9, 0.1, 0.8};
        boolean[] y = {true, false, true, false};
        RocCurve roc = RocCurve.of(s, y);
        assertEquals(0.0, roc.auc(), EXACT);
        assertEquals(1.0, roc.eer(), EXACT);
        assertEquals(0.0, roc.tarAtFar(0.1), EXACT);
        assertEquals(Double.POSITIVE_INFINITY, roc.thresholdAtFar(0.1), 0.0);
        assertEquals(1.0, roc.tarAtFar(1.0), EXACT);
        // best over observed scores: t = 0.1 accepts all (2 of 4 right), the others do worse or equal
        VerificationMetrics.BestThreshold best = VerificationMetrics.bestThreshold(s, y);
        assertEquals(0.5, best.accuracy(), EXACT);
        assertEquals(0.1, best.threshold(), 0.0);
    }

    @Test
    void allTies() {
        double[] s = {0.5, 0.5, 0.5, 0.5};
        boolean[] y = {true, false, true, false};
        RocCurve roc = RocCurve.of(s, y);
        assertArrayEquals(new double[] {0, 1}, roc.fpr(), EXACT);
        assertArrayEquals(new double[] {0, 1}, roc.tpr(), EXACT);
        assertEquals(0.5, roc.auc(), EXACT);
        assertEquals(0.5, roc.eer(), EXACT); // both points have |FPR - FNR| = 1; the first wins
        assertEquals(0.0, roc.tarAtFar(0.5), EXACT);
        assertEquals(new VerificationMetrics.BestThreshold(0.5, 0.5), VerificationMetrics.bestThreshold(s, y));
    }

    @Test
    void tiesCountHalfInAuc() {
        // one positive tied with one of two negatives, above the other: AUC = (0.5 + 1) / 2
        RocCurve roc = RocCurve.of(new double[] {0.5, 0.5, 0.1}, new boolean[] {true, false, false});
        assertEquals(0.75, roc.auc(), EXACT);
    }

    @Test
    void bestThresholdTakesTheLargestOnTies() {
        // t=0.1: 2 right; t=0.5: 3; t=0.6: 2; t=0.9: 3 -> 0.9
        double[] s = {0.1, 0.5, 0.6, 0.9};
        boolean[] y = {false, true, false, true};
        assertEquals(new VerificationMetrics.BestThreshold(0.9, 0.75), VerificationMetrics.bestThreshold(s, y));
        VerificationMetrics.BestThreshold f =
                VerificationMetrics.bestThreshold(new float[] {0.1f, 0.5f, 0.6f, 0.9f}, y);
        assertEquals(new VerificationMetrics.BestThreshold(0.9f, 0.75), f);
    }

    private static void assertMessage(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void badInput() {
        boolean[] y = {true, false, true};
        assertMessage("There are 2 scores but 3 same labels: one of each per pair is needed.",
                () -> RocCurve.of(new double[] {0.1, 0.2}, y));
        assertMessage("There are 2 scores but 3 same labels: one of each per pair is needed.",
                () -> VerificationMetrics.bestThreshold(new double[] {0.1, 0.2}, y));
        assertMessage("There are no positive (same) pairs among the 2: ROC, EER and TAR need at least one.",
                () -> RocCurve.of(new double[] {0.1, 0.2}, new boolean[] {false, false}));
        assertMessage("There are no negative (different) pairs among the 2: ROC, EER and TAR need at least one.",
                () -> VerificationMetrics.builder().build().evaluate(new double[] {0.1, 0.2}, new boolean[] {true, true}));
        assertMessage("scores[1] is NaN: every score must be finite.",
                () -> RocCurve.of(new double[] {0.1, Double.NaN, 0.3}, y));
        assertMessage("scores[2] is Infinity: every score must be finite.",
                () -> KFoldVerification.kFold(new double[] {0.1, 0.2, Double.POSITIVE_INFINITY}, y, 2, 0));
        assertMessage("There are no pairs: at least one is needed.",
                () -> VerificationMetrics.bestThreshold(new double[0], new boolean[0]));
        assertMessage("far must be in [0, 1], but was 1.5.",
                () -> RocCurve.of(new double[] {0.1, 0.2, 0.3}, y).tarAtFar(1.5));
        assertMessage("folds must be at least 2, but was 1.",
                () -> VerificationMetrics.builder().optFolds(1).build());
        assertMessage("fars must be in [0, 1], but one was -0.1.",
                () -> VerificationMetrics.builder().optFars(0.01, -0.1).build());
        assertMessage("folds must be at least 2, but was 1.",
                () -> KFoldVerification.kFold(new double[] {0.1, 0.2, 0.3}, y, 1, 0));
        assertMessage("folds is 4 but there are only 3 pairs: every fold needs at least one pair.",
                () -> KFoldVerification.kFold(new double[] {0.1, 0.2, 0.3}, y, 4, 0));
        assertMessage("folds is 4 but there are only 3 pairs: every fold needs at least one pair.",
                () -> VerificationMetrics.builder().optFolds(4).build().evaluate(new double[] {0.1, 0.2, 0.3}, y));
        assertMessage("folds is 4 but there are only 3 pairs: every fold needs at least one pair.",
                () -> KFoldVerification.contiguousFolds(3, 4));
    }

    @Test
    void badFoldIds() {
        double[] s = {0.1, 0.2, 0.3};
        boolean[] y = {true, false, true};
        assertMessage("There are 2 fold ids but 3 pairs: one fold id per pair is needed.",
                () -> KFoldVerification.kFold(s, y, new int[] {0, 1}));
        assertMessage("foldIds[1] is -1: fold ids must be 0 or more.",
                () -> KFoldVerification.kFold(s, y, new int[] {0, -1, 1}));
        assertMessage("The fold ids name 1 fold: at least 2 folds are needed.",
                () -> KFoldVerification.kFold(s, y, new int[] {0, 0, 0}));
        assertMessage("Fold 1 has no pairs: fold ids must run from 0 to 2 with every fold used.",
                () -> KFoldVerification.kFold(s, y, new int[] {0, 2, 2}));
        assertMessage("The fold ids go up to 9 but there are only 3 pairs: fold ids must run from 0 to k-1 with every fold used.",
                () -> KFoldVerification.kFold(s, y, new int[] {0, 1, 9}));
    }
}
