package io.github.dml4j.attributes;

import io.github.dml4j.data.AttributeTable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The result of evaluating attribute classifiers: each attribute's held-out metrics and their
 * means, as {@code eval}'s reports are: an ordered JSON-ready map with pytorch-metric-learning-style
 * snake_case keys, and a one-line {@link #toString()}.
 *
 * @param attributes each attribute's scores, in the table's order; unmodifiable
 * @param folds number of identity-disjoint folds the predictions were held out by (1 for a
 *     single held-out set)
 * @param skipped attributes left out, each with the reason (a single class among the labelled
 *     images); unmodifiable
 */
public record AttributeReport(List<AttributeScores> attributes, int folds, Map<String, String> skipped) {

    /** Copies the lists. */
    public AttributeReport {
        attributes = List.copyOf(attributes);
        skipped = Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
    }

    /** Mean accuracy over the attributes. */
    public double meanAccuracy() {
        return mean(AttributeScores::accuracy, null);
    }

    /** Mean balanced accuracy over the attributes. */
    public double meanBalancedAccuracy() {
        return mean(AttributeScores::balancedAccuracy, null);
    }

    /** Mean ROC AUC over the binary attributes. */
    public double meanRocAuc() {
        return mean(AttributeScores::rocAuc, AttributeTable.Kind.BINARY);
    }

    /** Mean macro-F1 over the categorical attributes. */
    public double meanMacroF1() {
        return mean(AttributeScores::macroF1, AttributeTable.Kind.CATEGORICAL);
    }

    /**
     * One attribute's scores.
     *
     * @param name the attribute
     * @return its scores
     * @throws IllegalArgumentException if the report has no such attribute
     */
    public AttributeScores get(String name) {
        for (AttributeScores s : attributes) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("The report has no attribute '" + name + "'; it has "
                + attributes.stream().map(AttributeScores::name).toList() + ".");
    }

    private double mean(ToDoubleFunction<AttributeScores> metric, AttributeTable.Kind kind) {
        double sum = 0;
        int n = 0;
        for (AttributeScores s : attributes) {
            double v = metric.applyAsDouble(s);
            if ((kind == null || s.kind() == kind) && Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * The metrics as an ordered, unmodifiable, JSON-ready map: per attribute
     * {@code <name>_accuracy}, {@code <name>_balanced_accuracy}, then {@code <name>_roc_auc}
     * (binary) or {@code <name>_macro_f1} (categorical); then {@code mean_accuracy},
     * {@code mean_balanced_accuracy}, {@code mean_roc_auc}, {@code mean_macro_f1} and
     * {@code folds}. Non-finite values are left out.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (AttributeScores s : attributes) {
            putFinite(map, s.name() + "_accuracy", s.accuracy());
            putFinite(map, s.name() + "_balanced_accuracy", s.balancedAccuracy());
            putFinite(map, s.name() + "_roc_auc", s.rocAuc());
            putFinite(map, s.name() + "_macro_f1", s.macroF1());
        }
        putFinite(map, "mean_accuracy", meanAccuracy());
        putFinite(map, "mean_balanced_accuracy", meanBalancedAccuracy());
        putFinite(map, "mean_roc_auc", meanRocAuc());
        putFinite(map, "mean_macro_f1", meanMacroF1());
        map.put("folds", folds);
        return Collections.unmodifiableMap(map);
    }

    /**
     * A table, one attribute a line: name, kind, labelled images, accuracy, balanced accuracy,
     * ROC AUC or macro-F1; then the means.
     *
     * @return the table's lines joined by newlines
     */
    public String toTable() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-16s %-11s %8s %8s %8s %8s %8s%n",
                "attribute", "kind", "labelled", "accuracy", "bal.acc", "roc_auc", "macro_f1"));
        for (AttributeScores s : attributes) {
            sb.append(String.format(Locale.ROOT, "%-16s %-11s %8d %8.4f %8.4f %8s %8s%n", s.name(),
                    s.kind().name().toLowerCase(Locale.ROOT), s.labelled(), s.accuracy(), s.balancedAccuracy(),
                    cell(s.rocAuc()), cell(s.macroF1())));
        }
        sb.append(String.format(Locale.ROOT, "%-16s %-11s %8s %8.4f %8.4f %8s %8s", "mean", "", "",
                meanAccuracy(), meanBalancedAccuracy(), cell(meanRocAuc()), cell(meanMacroF1())));
        return sb.toString();
    }

    private static String cell(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "-";
    }

    private static void putFinite(Map<String, Object> map, String key, double value) {
        if (Double.isFinite(value)) {
            map.put(key, value);
        }
    }

    /** One line, four decimals, the keys of {@link #toMap()}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("AttributeReport{");
        boolean first = true;
        for (Map.Entry<String, Object> e : toMap().entrySet()) {
            sb.append(first ? "" : ", ").append(e.getKey()).append('=');
            sb.append(e.getValue() instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : e.getValue());
            first = false;
        }
        return sb.append('}').toString();
    }
}
