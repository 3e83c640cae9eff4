package io.github.dml4j.provenance;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one evaluation on the validation images during training.
 *
 * @param epoch the epoch after which it ran, starting at 1
 * @param step the optimizer steps done by then
 * @param metrics the metrics by their PML-style names, e.g. {@code mean_average_precision_at_r}
 */
public record ValidationResult(int epoch, long step, Map<String, Double> metrics) {

    /** Copies the metrics, keeping their order. */
    public ValidationResult {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics == null ? Map.of() : metrics));
    }
}
