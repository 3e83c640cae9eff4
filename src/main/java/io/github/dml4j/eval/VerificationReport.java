package io.github.dml4j.eval;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of one verification evaluation (see {@link VerificationMetrics}): how well a
 * similarity score separates same-identity pairs from different-identity pairs, with "same"
 * predicted for score &ge; threshold.
 *
 * @param rocAuc area under the ROC curve (trapezoid rule, scikit-learn's {@code roc_auc_score})
 * @param eer equal error rate: (FPR + FNR) / 2 at the ROC point where they are closest
 * @param tarAtFar true accept rate at each false accept rate, keyed by FAR ascending: the
 *     largest TPR with FPR &le; FAR; unmodifiable
 * @param thresholdAtFar the threshold that reaches each {@code tarAtFar} value; unmodifiable
 * @param bestThreshold the observed score with the highest accuracy on all pairs (largest on
 *     ties)
 * @param bestAccuracy accuracy of {@code bestThreshold} on all pairs (optimistic: chosen on
 *     the pairs it is measured on)
 * @param folds number of folds of the k-fold accuracy
 * @param kFoldMean mean held-out accuracy over the folds, each fold's threshold chosen on the
 *     other folds (LFW protocol)
 * @param kFoldStd population standard deviation of the held-out accuracies
 * @param positivePairs number of same-identity pairs
 * @param negativePairs number of different-identity pairs
 */
public record VerificationReport(
        double rocAuc,
        double eer,
        Map<Double, Double> tarAtFar,
        Map<Double, Double> thresholdAtFar,
        double bestThreshold,
        double bestAccuracy,
        int folds,
        double kFoldMean,
        double kFoldStd,
        int positivePairs,
        int negativePairs) {

    /** Copies the maps into unmodifiable maps sorted by FAR. */
    public VerificationReport {
        tarAtFar = Collections.unmodifiableMap(new TreeMap<>(tarAtFar));
        thresholdAtFar = Collections.unmodifiableMap(new TreeMap<>(thresholdAtFar));
    }

    /**
     * The key of a FAR in {@link #toMap()}: {@code tar_at_far_} followed by the FAR in plain
     * decimal notation, for example {@code tar_at_far_0.001}.
     */
    public static String tarKey(double far) {
        return "tar_at_far_" + plain(far);
    }

    private static String plain(double far) {
        return BigDecimal.valueOf(far).stripTrailingZeros().toPlainString();
    }

    /**
     * Returns the metrics as an ordered, unmodifiable, JSON-ready map: {@code roc_auc}, {@code
     * eer}, {@code tar_at_far_<far>} and {@code threshold_at_far_<far>} per FAR, {@code
     * best_threshold}, {@code best_threshold_accuracy}, {@code accuracy_<k>fold_mean}, {@code
     * accuracy_<k>fold_std} (for example {@code accuracy_10fold_mean}), {@code positive_pairs},
     * {@code negative_pairs}. Non-finite values (a threshold of +&infin;: accept nothing) are
     * left out, so the map serializes to valid JSON.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        MetricMaps.putFinite(map, "roc_auc", rocAuc);
        MetricMaps.putFinite(map, "eer", eer);
        for (Map.Entry<Double, Double> e : tarAtFar.entrySet()) {
            MetricMaps.putFinite(map, tarKey(e.getKey()), e.getValue());
        }
        for (Map.Entry<Double, Double> e : thresholdAtFar.entrySet()) {
            MetricMaps.putFinite(map, "threshold_at_far_" + plain(e.getKey()), e.getValue());
        }
        MetricMaps.putFinite(map, "best_threshold", bestThreshold);
        MetricMaps.putFinite(map, "best_threshold_accuracy", bestAccuracy);
        MetricMaps.putFinite(map, "accuracy_" + folds + "fold_mean", kFoldMean);
        MetricMaps.putFinite(map, "accuracy_" + folds + "fold_std", kFoldStd);
        map.put("positive_pairs", positivePairs);
        map.put("negative_pairs", negativePairs);
        return Collections.unmodifiableMap(map);
    }


    /** One line, four decimals, the keys of {@link #toMap()}. */
    @Override
    public String toString() {
        return MetricMaps.format("VerificationReport", toMap());
    }
}
