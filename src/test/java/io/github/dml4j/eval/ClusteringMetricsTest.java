package io.github.dml4j.eval;

import io.github.dml4j.Golden;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class ClusteringMetricsTest {

    @Test
    void matchesScikitLearn() {
        JsonObject clustering = Golden.object("clustering");
        int[] labels = Golden.ints(clustering.getAsJsonArray("labels"));
        int[] clusters = Golden.ints(clustering.getAsJsonArray("clusters"));
        assertEquals(clustering.get("NMI").getAsDouble(), ClusteringMetrics.nmi(labels, clusters), 1e-6);
        assertEquals(clustering.get("AMI").getAsDouble(), ClusteringMetrics.ami(labels, clusters), 1e-6);
        // symmetric, as both are with the arithmetic mean
        assertEquals(ClusteringMetrics.nmi(labels, clusters), ClusteringMetrics.nmi(clusters, labels), 1e-12);
        assertEquals(ClusteringMetrics.ami(labels, clusters), ClusteringMetrics.ami(clusters, labels), 1e-12);
    }

    @Test
    void handWorkedCases() {
        // identical up to renaming
        assertEquals(1.0, ClusteringMetrics.nmi(new int[] {0, 0, 1, 1}, new int[] {7, 7, 3, 3}), 1e-12);
        assertEquals(1.0, ClusteringMetrics.ami(new int[] {0, 0, 1, 1}, new int[] {7, 7, 3, 3}), 1e-12);
        // clusters refine the classes: MI = H(U) = ln 2, H(V) = 1.5 ln 2 -> NMI = 1 / 1.25
        assertEquals(0.8, ClusteringMetrics.nmi(new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 2}), 1e-12);
        // one class, every item its own cluster: no information
        assertEquals(0.0, ClusteringMetrics.nmi(new int[] {0, 0, 0, 0}, new int[] {0, 1, 2, 3}), 1e-12);
        assertEquals(0.0, ClusteringMetrics.ami(new int[] {0, 0, 0, 0}, new int[] {0, 1, 2, 3}), 1e-12);
        // a single group on both sides: scikit-learn's perfect-match special case
        assertEquals(1.0, ClusteringMetrics.nmi(new int[] {5, 5, 5}, new int[] {1, 1, 1}), 1e-12);
        assertEquals(1.0, ClusteringMetrics.ami(new int[] {5, 5, 5}, new int[] {1, 1, 1}), 1e-12);
    }

    /** E[MI] checked against the average MI over every permutation of the cluster assignment. */
    @Test
    void amiAgreesWithBruteForceExpectation() {
        int[] labels = {0, 0, 0, 1, 1, 2, 2, 2};
        int[] clusters = {0, 0, 1, 1, 1, 1, 2, 2};
        double[] sum = new double[1];
        int[] count = new int[1];
        permute(clusters.clone(), 0, p -> {
            sum[0] += ClusteringMetrics.mutualInformation(labels, p);
            count[0]++;
        });
        double emi = sum[0] / count[0];
        double mi = ClusteringMetrics.mutualInformation(labels, clusters);
        double hu = entropy(labels);
        double hv = entropy(clusters);
        double expected = (mi - emi) / ((hu + hv) / 2 - emi);
        assertEquals(40320, count[0]);
        assertEquals(expected, ClusteringMetrics.ami(labels, clusters), 1e-12);
    }

    @Test
    void logGammaMatchesFactorials() {
        double logFactorial = 0;
        for (int n = 1; n <= 200; n++) {
            logFactorial += Math.log(n);
            assertEquals(logFactorial, ClusteringMetrics.logGamma(n + 1), 1e-12 * Math.max(1, logFactorial));
        }
        assertEquals(0.5 * Math.log(Math.PI), ClusteringMetrics.logGamma(1.5) - Math.log(0.5), 1e-14);
    }

    @Test
    void badInputGivesClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClusteringMetrics.nmi(new int[] {0, 1}, new int[] {0}));
        assertEquals("The labels have 2 entries but the clusters have 1: give one cluster per labelled item.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClusteringMetrics.ami(new int[0], new int[0]));
        assertEquals("The labels and clusters are empty: at least one item is needed.", e.getMessage());
    }

    private static double entropy(int[] values) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int v : values) {
            counts.merge(v, 1, Integer::sum);
        }
        double h = 0;
        for (int c : counts.values()) {
            double p = (double) c / values.length;
            h -= p * Math.log(p);
        }
        return h;
    }

    private static void permute(int[] a, int start, java.util.function.Consumer<int[]> visit) {
        if (start == a.length) {
            visit.accept(a);
            return;
        }
        for (int i = start; i < a.length; i++) {
            swap(a, start, i);
            permute(a, start + 1, visit);
            swap(a, start, i);
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
