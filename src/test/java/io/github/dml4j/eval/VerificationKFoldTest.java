package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The k-fold protocol on hand-made scores whose answer is known. */
class VerificationKFoldTest {

    private static final double EXACT = 1e-12;

    /** Scores and labels, appended fold by fold, with the fold id of each pair. */
    private static final class Pairs {
        final List<Double> scores = new ArrayList<>();
        final List<Boolean> same = new ArrayList<>();
        final List<Integer> folds = new ArrayList<>();

        Pairs add(int fold, double score, boolean isSame) {
            scores.add(score);
            same.add(isSame);
            folds.add(fold);
            return this;
        }

        double[] scores() {
            return scores.stream().mapToDouble(Double::doubleValue).toArray();
        }

        boolean[] same() {
            boolean[] b = new boolean[same.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = same.get(i);
            }
            return b;
        }

        int[] folds() {
            return folds.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    @Test
    void tenSeparableFoldsAtDifferentThresholds() {
        // fold f: negatives at 0.10 + 0.01 f and 0.20 + 0.01 f, positives at 0.60 + 0.01 f and
        // at 0.50 (in every fold, so every training set has it as its lowest positive).
        // Each fold is separable at its own gap; the training threshold is always 0.50.
        Pairs p = new Pairs();
        for (int f = 0; f < 10; f++) {
            p.add(f, 0.10 + 0.01 * f, false)
                    .add(f, 0.50, true)
                    .add(f, 0.20 + 0.01 * f, false)
                    .add(f, 0.60 + 0.01 * f, true);
        }
        KFoldVerification.Result r = KFoldVerification.kFold(p.scores(), p.same(), p.folds());
        assertEquals(10, r.folds());
        assertEquals(1.0, r.mean(), EXACT);
        assertEquals(0.0, r.std(), EXACT);
        double[] t = new double[10];
        java.util.Arrays.fill(t, 0.50);
        assertArrayEquals(t, r.thresholds(), 0.0);
    }

    @Test
    void trainingThresholdMisclassifiesOneHeldOutPair() {
        // 5 folds of {positive 0.8, negative 0.2}; fold 0 also has a positive at 0.6.
        // Fold 0: trained on folds 1-4, best (largest on ties) t = 0.8 -> its 0.6 positive is
        //   rejected: 2 of 3 right.
        // Folds 1-4: training includes 0.6, t = 0.6 separates all -> 1.
        // mean = (2/3 + 4) / 5 = 14/15; population std = sqrt(((4/15)^2 + 4 (1/15)^2) / 5) = 2/15.
        Pairs p = new Pairs();
        for (int f = 0; f < 5; f++) {
            p.add(f, 0.8, true).add(f, 0.2, false);
        }
        p.add(0, 0.6, true);
        KFoldVerification.Result r = KFoldVerification.kFold(p.scores(), p.same(), p.folds());
        assertArrayEquals(new double[] {2.0 / 3, 1, 1, 1, 1}, r.accuracies(), EXACT);
        assertArrayEquals(new double[] {0.8, 0.6, 0.6, 0.6, 0.6}, r.thresholds(), 0.0);
        assertEquals(14.0 / 15, r.mean(), EXACT);
        assertEquals(2.0 / 15, r.std(), EXACT);
        // the report carries the same numbers
        VerificationReport report = VerificationMetrics.builder().build().evaluate(p.scores(), p.same(), p.folds());
        assertEquals(5, report.folds());
        assertEquals(14.0 / 15, report.kFoldMean(), EXACT);
        assertEquals(2.0 / 15, report.kFoldStd(), EXACT);
        assertEquals(14.0 / 15, (Double) report.toMap().get("accuracy_5fold_mean"), EXACT);
    }

    @Test
    void contiguousFoldsAsLfwPairsTxt() {
        int[] ids = KFoldVerification.contiguousFolds(6000, 10);
        for (int i = 0; i < 6000; i++) {
            assertEquals(i / 600, ids[i]);
        }
        assertArrayEquals(new int[] {0, 0, 1, 1, 2}, KFoldVerification.contiguousFolds(5, 3));
    }

    @Test
    void randomFoldsAreStratifiedBalancedAndSeeded() {
        boolean[] same = new boolean[103];
        for (int i = 0; i < 41; i++) {
            same[i * 2] = true; // 41 positives, 62 negatives
        }
        int[] ids = KFoldVerification.randomFolds(same, 10, 7L);
        int[] sizes = new int[10];
        int[] pos = new int[10];
        for (int i = 0; i < ids.length; i++) {
            sizes[ids[i]]++;
            pos[ids[i]] += same[i] ? 1 : 0;
        }
        for (int f = 0; f < 10; f++) {
            assertEquals(10, sizes[f], 1, "fold " + f + " size");
            assertEquals(4, pos[f], 1, "fold " + f + " positives");
        }
        assertArrayEquals(ids, KFoldVerification.randomFolds(same, 10, 7L));
    }

    @Test
    void randomFoldsOnSeparableDataAreAllRight() {
        // positives 0.6 .. 0.99, negatives 0.0 .. 0.39. A held-out fold holding the only lowest
        // positive would be rejected by the training threshold (the next positive), so the
        // lowest positive is given three times, and seed 3 deals a copy to each of the 2 folds
        // (checked first), so every training set contains it.
        double[] s = new double[82];
        boolean[] y = new boolean[82];
        for (int i = 0; i < 40; i++) {
            s[i] = 0.6 + 0.01 * i;
            y[i] = true;
            s[40 + i] = 0.01 * i;
        }
        s[80] = 0.6;
        y[80] = true;
        s[81] = 0.6;
        y[81] = true;
        int[] ids = KFoldVerification.randomFolds(y, 2, 3L);
        boolean[] hasLowest = new boolean[2];
        for (int i = 0; i < s.length; i++) {
            hasLowest[ids[i]] |= s[i] == 0.6;
        }
        assertArrayEquals(new boolean[] {true, true}, hasLowest);
        KFoldVerification.Result r = KFoldVerification.kFold(s, y, 2, 3L);
        assertEquals(1.0, r.mean(), EXACT);
        assertEquals(0.0, r.std(), EXACT);
    }
}
