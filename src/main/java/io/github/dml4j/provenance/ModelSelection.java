package io.github.dml4j.provenance;

/**
 * Which epoch's parameters a run kept and why: the validation metric that picked them, its value
 * there, and whether early stopping ended the run. Model cards record it.
 *
 * @param metric the metric's name, e.g. {@code mean_average_precision_at_r}
 * @param value its value at the chosen epoch (higher is better)
 * @param epoch the chosen epoch, starting at 1
 * @param step the optimizer steps done by the end of that epoch
 * @param validationImages the number of validation images
 * @param validationFingerprint the validation images' fingerprint
 * @param stoppedEarly whether the run stopped before its last epoch for want of improvement
 */
public record ModelSelection(String metric, double value, int epoch, long step, int validationImages,
        String validationFingerprint, boolean stoppedEarly) {

    /** Validates the fields. */
    public ModelSelection {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("A model selection needs the name of its metric.");
        }
        if (epoch < 1) {
            throw new IllegalArgumentException("The selected epoch must be at least 1, got " + epoch + ".");
        }
    }

    /**
     * The same selection, marked as ended by early stopping.
     *
     * @return a copy with {@code stoppedEarly} true
     */
    public ModelSelection withStoppedEarly() {
        return new ModelSelection(metric, value, epoch, step, validationImages, validationFingerprint, true);
    }
}
