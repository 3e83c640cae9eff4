package io.github.dml4j.attributes;

import io.github.dml4j.data.AttributeTable;
import java.util.Objects;

/**
 * The held-out metrics of one attribute (see {@link AttributeMetrics}).
 *
 * @param name the attribute's name
 * @param kind binary or categorical
 * @param labelled how many images had a label and were predicted
 * @param accuracy the fraction predicted right
 * @param balancedAccuracy the mean recall over the classes present
 * @param rocAuc ROC AUC of the positive class's probability (binary attributes; NaN otherwise)
 * @param macroF1 the mean F1 over the classes (categorical attributes; NaN otherwise)
 */
public record AttributeScores(String name, AttributeTable.Kind kind, int labelled, double accuracy,
                              double balancedAccuracy, double rocAuc, double macroF1) {

    /** Checks that the name and kind are present. */
    public AttributeScores {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
    }
}
