package io.github.dml4j.attributes;

/**
 * How a probe weights its training images by class, so that a rare attribute (glasses on one face
 * in ten) is not learnt as "always absent".
 */
public enum ClassWeighting {
    /** Every image weighs 1 (scikit-learn's {@code class_weight=None}). */
    NONE,
    /**
     * An image of class c weighs n / (k n<sub>c</sub>) for n images of k classes, n<sub>c</sub> of
     * class c: every class weighs as much in total (scikit-learn's {@code class_weight='balanced'}).
     */
    BALANCED
}
