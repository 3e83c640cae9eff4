package io.github.dml4j.attributes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The metrics against values worked out by hand (and by scikit-learn's definitions). */
class AttributeMetricsTest {

    @Test
    void accuracyBalancedAccuracyAndMacroF1() {
        int[] truth = {0, 0, 0, 0, 1, 1, 2};
        int[] predicted = {0, 0, 0, 1, 1, 0, 1};
        assertEquals(4.0 / 7, AttributeMetrics.accuracy(truth, predicted), 1e-12);
        // recalls 3/4, 1/2, 0
        assertEquals((0.75 + 0.5 + 0) / 3, AttributeMetrics.balancedAccuracy(truth, predicted, 3), 1e-12);
        // F1: class 0: 2*3/(4+4); class 1: 2*1/(2+3); class 2: 0
        assertEquals((6.0 / 8 + 2.0 / 5 + 0) / 3, AttributeMetrics.macroF1(truth, predicted, 3), 1e-12);
        // a class absent from truth and predictions does not count
        assertEquals((6.0 / 8 + 2.0 / 5 + 0) / 3, AttributeMetrics.macroF1(truth, predicted, 5), 1e-12);
        assertEquals((0.75 + 0.5 + 0) / 3, AttributeMetrics.balancedAccuracy(truth, predicted, 5), 1e-12);
    }

    @Test
    void rocAucCountsTiesAsHalf() {
        boolean[] positive = {false, false, true, true};
        assertEquals(0.75, AttributeMetrics.rocAuc(positive, new double[] {0.1, 0.4, 0.35, 0.8}), 1e-12);
        assertEquals(0.625, AttributeMetrics.rocAuc(positive, new double[] {0.1, 0.5, 0.5, 0.4}), 1e-12);
        assertEquals(Double.NaN, AttributeMetrics.rocAuc(new boolean[] {true, true}, new double[] {0.1, 0.2}));
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttributeMetrics.balancedAccuracy(new int[] {0, 3}, new int[] {0, 1}, 2));
        assertEquals("Row 1 has true class 3 and predicted class 1; classes are 0..1.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributeMetrics.accuracy(new int[] {0}, new int[0]));
        assertEquals("Got 1 true classes for 0 predictions.", e.getMessage());
    }
}
