package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.eval.ThresholdClustering.Linkage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ThresholdClusteringTest {

    private static ThresholdClustering euclidean(double maxDistance, int k, Linkage linkage) {
        return ThresholdClustering.builder()
                .setThreshold(-maxDistance) // scores are minus the distance
                .optK(k)
                .optLinkage(linkage)
                .optDistance(LpDistance.raw())
                .build();
    }

    /**
     * Two chains on a line, spacing 0.5, joined by a gap of 0.6: every gap is short, so single
     * linkage at distance 1.05 joins all eight points; the mean distance between the chains is
     * 2.1, so average linkage keeps them apart.
     */
    @Test
    void singleLinkageJoinsTwoChainsThatAverageLinkageKeepsApart() {
        float[][] x = {{0f, 0f}, {0.5f, 0f}, {1f, 0f}, {1.5f, 0f}, {2.1f, 0f}, {2.6f, 0f}, {3.1f, 0f}, {3.6f, 0f}};
        ThresholdClustering.Result single = euclidean(1.05, 10, Linkage.CONNECTED_COMPONENTS).cluster(x);
        assertEquals(1, single.count());
        assertArrayEquals(new int[8], single.assignments());

        ThresholdClustering.Result average = euclidean(1.05, 10, Linkage.AVERAGE).cluster(x);
        assertEquals(2, average.count());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1}, average.assignments());
        assertArrayEquals(new int[] {4, 4}, average.sizes());
    }

    /** Below the bridge (0.6) but above the spacing (0.5), single linkage splits the chains. */
    @Test
    void singleLinkageCutsAtTheThreshold() {
        float[][] x = {{0f, 0f}, {0.5f, 0f}, {1f, 0f}, {1.5f, 0f}, {2.1f, 0f}, {2.6f, 0f}, {3.1f, 0f}, {3.6f, 0f}};
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1},
                euclidean(0.55, 2, Linkage.CONNECTED_COMPONENTS).cluster(x).assignments());
    }

    @Test
    void idsAreDenseInOrderOfFirstAppearance() {
        // groups interleaved: c at x=10, a at x=0, b at x=5
        float[][] x = {{10f, 0f}, {0f, 0f}, {10.1f, 0f}, {5f, 0f}, {0.1f, 0f}, {5.1f, 0f}};
        for (Linkage linkage : Linkage.values()) {
            ThresholdClustering.Result r = euclidean(1, 3, linkage).cluster(x);
            assertArrayEquals(new int[] {0, 1, 0, 2, 1, 2}, r.assignments(), linkage.name());
            assertEquals(3, r.count());
        }
    }

    @Test
    void averageLinkageOnTheCompleteGraphIsExactAverageLinkage() {
        Random random = new Random(5);
        int n = 40;
        float[][] x = new float[n][2];
        for (float[] row : x) {
            row[0] = random.nextFloat() * 10;
            row[1] = random.nextFloat() * 10;
        }
        for (double maxDistance : new double[] {1.0, 2.5, 4.0}) {
            int[] expected = canonical(plainAverageLinkage(x, maxDistance));
            for (int k : new int[] {n - 1, n + 5}) { // a k beyond N - 1 is the complete graph too
                ThresholdClustering.Result r = euclidean(maxDistance, k, Linkage.AVERAGE).cluster(x);
                assertArrayEquals(expected, r.assignments(), "distance " + maxDistance + ", k " + k);
                assertTrue(r.count() > 1 && r.count() < n, "a non-trivial case: " + r.count() + " clusters");
            }
        }
    }

    @Test
    void progressCoversTheGraphAndTheMergesAndChangesNothing() {
        Random random = new Random(6);
        int n = 300;
        float[][] x = new float[n][2];
        for (float[] row : x) {
            row[0] = random.nextFloat() * 10;
            row[1] = random.nextFloat() * 10;
        }
        for (Linkage linkage : Linkage.values()) {
            ThresholdClustering clustering = ThresholdClustering.builder().setThreshold(-1.0).optK(8)
                    .optLinkage(linkage).optDistance(LpDistance.raw()).optBatchSize(16).build();
            List<String> stages = new ArrayList<>();
            Map<String, Long> last = new HashMap<>();
            ai.djl.util.Progress progress = new ai.djl.util.Progress() {
                private String stage;
                private long total;

                @Override
                public void reset(String message, long max, String trailingMessage) {
                    stage = message;
                    total = max;
                    stages.add(message + " of " + max);
                }

                @Override
                public void start(long initialProgress) { }

                @Override
                public void end() {
                    stages.add("end");
                }

                @Override
                public void increment(long increment) { }

                @Override
                public void update(long p, String message) {
                    assertTrue(p <= total, stage + ": " + p + " of " + total);
                    last.put(stage, p);
                }
            };
            try (NDManager manager = NDManager.newBaseManager()) {
                ThresholdClustering.Result withProgress = clustering.cluster(manager.create(x), progress);
                assertEquals(clustering.cluster(x), withProgress, linkage.toString());
            }
            assertEquals(List.of("Clustering: k-NN graph of 300", "Clustering: merges of 299", "end"), stages);
            assertEquals(300L, last.get("Clustering: k-NN graph"), linkage.toString());
        }
    }

    /**
     * Two pentagons of side about 1 (regular ones, each corner moved by up to 0.02 so that no two
     * distances tie) whose facing corners are about 1.2 apart, clustered at distance 1.5 with
     * k = 4, fewer neighbours than a pentagon has points. Each point's fourth neighbour is a
     * pentagon diagonal (about 1.618), so no pair missing from the graph is closer than that;
     * the only graph edge between the pentagons is the 1.2 bridge. Averaging the graph edges
     * alone gave 1.2 and merged the pentagons; counting the 24 missing pairs at their bound gives
     * about (1.2 + 24 * 1.618) / 25 = 1.60 > 1.5 and keeps them apart, as exact average linkage
     * does. Single linkage joins them over the bridge.
     */
    @Test
    void averageLinkageWithSmallKCountsMissingPairsSoOneClosePairDoesNotMergeTwoGroups() {
        double radius = 1 / (2 * Math.sin(Math.PI / 5));
        int[] pentagons = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
        for (long seed = 0; seed < 4; seed++) {
            Random random = new Random(seed);
            float[][] x = new float[10][];
            for (int i = 0; i < 5; i++) {
                double angle = 2 * Math.PI * i / 5;
                double cos = radius * Math.cos(angle);
                double sin = radius * Math.sin(angle);
                x[i] = new float[] {(float) (cos + jitter(random)), (float) (sin + jitter(random))};
                // the mirror image, its corner 0 facing the first pentagon's corner 0 at 1.2
                x[5 + i] = new float[] {(float) (2 * radius + 1.2 - cos + jitter(random)),
                        (float) (-sin + jitter(random))};
            }
            String where = "seed " + seed;
            assertArrayEquals(pentagons, euclidean(1.5, 4, Linkage.AVERAGE).cluster(x).assignments(), where);
            assertArrayEquals(pentagons, canonical(plainAverageLinkage(x, 1.5)), where);
            assertArrayEquals(pentagons, euclidean(1.5, 9, Linkage.AVERAGE).cluster(x).assignments(), where);
            assertArrayEquals(new int[10], euclidean(1.5, 4, Linkage.CONNECTED_COMPONENTS).cluster(x).assignments(),
                    where);
        }
    }

    private static double jitter(Random random) {
        return 0.04 * (random.nextDouble() - 0.5);
    }

    /**
     * What holds for every k, complete graph or not: merges follow the k-NN graph, so no cluster
     * spans two components of the whole graph; and the merge order does not depend on the
     * threshold (it only says where to stop), so a higher threshold gives clusters nested in a
     * lower one's, never fewer. Not asserted because it does not hold for small k: that average
     * linkage gives at least as many clusters as single linkage at the same threshold (missing
     * pairs counted at an upper bound can merge groups no edge above the threshold joins), or
     * as exact average linkage.
     */
    @Test
    void averageLinkageNestsAcrossThresholdsAndStaysInsideTheGraphsComponentsForAnyK() {
        Random random = new Random(21);
        int n = 70;
        float[][] x = new float[n][2];
        for (float[] row : x) {
            row[0] = random.nextFloat() * 10;
            row[1] = random.nextFloat() * 10;
        }
        double[] maxDistances = {0.3, 0.8, 1.5, 2.5, 4.0, 8.0};
        for (int k : new int[] {1, 2, 3, 5, 10, n - 1}) {
            int[] components = ThresholdClustering.builder().setThreshold(Double.NEGATIVE_INFINITY).optK(k)
                    .optDistance(LpDistance.raw()).build().cluster(x).assignments();
            int[] previous = null;
            int previousCount = Integer.MAX_VALUE;
            for (double maxDistance : maxDistances) { // ever lower thresholds
                ThresholdClustering.Result r = euclidean(maxDistance, k, Linkage.AVERAGE).cluster(x);
                String where = "k " + k + ", distance " + maxDistance;
                assertTrue(nested(r.assignments(), components), where + ": a cluster spans two graph components");
                if (previous != null) {
                    assertTrue(nested(previous, r.assignments()), where + ": the higher threshold's clusters split");
                    assertTrue(r.count() <= previousCount, where);
                }
                previous = r.assignments();
                previousCount = r.count();
            }
        }
    }

    @Test
    void connectedComponentsMatchAPlainLoopOnTheKnnGraph() {
        Random random = new Random(9);
        int n = 60;
        float[][] x = new float[n][3];
        for (float[] row : x) {
            for (int j = 0; j < 3; j++) {
                row[j] = random.nextFloat() * 10;
            }
        }
        for (int k : new int[] {1, 3, n - 1}) {
            for (double maxDistance : new double[] {1.5, 3.0}) {
                int[] expected = canonical(plainKnnComponents(x, k, maxDistance));
                ThresholdClustering.Result r = euclidean(maxDistance, k, Linkage.CONNECTED_COMPONENTS).cluster(x);
                assertArrayEquals(expected, r.assignments(), "k " + k + ", distance " + maxDistance);
            }
        }
    }

    @Test
    void thresholdExtremes() {
        Random random = new Random(2);
        int n = 30;
        float[][] x = new float[n][4];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        int[] singletons = new int[n];
        for (int i = 0; i < n; i++) {
            singletons[i] = i;
        }
        for (Linkage linkage : Linkage.values()) {
            for (double high : new double[] {1.5, Double.POSITIVE_INFINITY}) { // cosine is at most 1
                ThresholdClustering.Result r = ThresholdClustering.builder()
                        .setThreshold(high).optLinkage(linkage).build().cluster(x);
                assertEquals(n, r.count(), linkage + " at " + high);
                assertArrayEquals(singletons, r.assignments());
            }
            for (double low : new double[] {-1.5, Double.NEGATIVE_INFINITY}) { // cosine is at least -1
                ThresholdClustering.Result r = ThresholdClustering.builder()
                        .setThreshold(low).optLinkage(linkage).build().cluster(x);
                assertEquals(1, r.count(), linkage + " at " + low);
                assertArrayEquals(new int[n], r.assignments());
            }
        }
    }

    @Test
    void disconnectedGraphStaysApartEvenAtTheLowestThreshold() {
        // two far groups of three with k = 2: no k-NN edge crosses, so no threshold joins them
        float[][] x = {{0f, 0f}, {0f, 1f}, {1f, 0f}, {100f, 0f}, {100f, 1f}, {101f, 0f}};
        for (Linkage linkage : Linkage.values()) {
            ThresholdClustering.Result r = ThresholdClustering.builder().setThreshold(Double.NEGATIVE_INFINITY)
                    .optK(2).optLinkage(linkage).optDistance(LpDistance.raw()).build().cluster(x);
            assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, r.assignments(), linkage.name());
        }
    }

    @Test
    void pointsWhoseWholeGraphReachesTheThresholdAreCountedSaturated() {
        // 6 blobs of 40: a point's 39 closest are its own blob, all above the threshold
        int[] labels = new int[6 * 40];
        float[][] x = KMeansTest.blobs(6, 40, 8, 1, labels);
        for (Linkage linkage : Linkage.values()) {
            ThresholdClustering.Builder b = ThresholdClustering.builder().setThreshold(0.5).optLinkage(linkage);
            assertEquals(240, b.optK(10).build().cluster(x).saturated(), linkage.name()); // the graph sees only the blob
            assertEquals(0, b.optK(60).build().cluster(x).saturated(), linkage.name()); // it reaches other blobs
            assertEquals(0, b.optK(239).build().cluster(x).saturated(), linkage.name()); // complete
        }
        assertEquals(new ThresholdClustering.Result(new int[] {0, 0}, 1), new ThresholdClustering.Result(new int[] {0, 0},
                1, 0));
    }

    @Test
    void wellSeparatedBlobsGiveNmiOne() {
        int[] labels = new int[6 * 40];
        float[][] x = KMeansTest.blobs(6, 40, 8, 1, labels);
        for (Linkage linkage : Linkage.values()) {
            ThresholdClustering.Result r = ThresholdClustering.builder()
                    .setThreshold(0.5).optLinkage(linkage).optBatchSize(64).build().cluster(x);
            assertEquals(6, r.count(), linkage.name());
            assertEquals(1.0, ClusteringMetrics.nmi(labels, r.assignments()), 1e-12, linkage.name());
            assertEquals(1.0, ClusteringMetrics.ami(labels, r.assignments()), 1e-12, linkage.name());
        }
    }

    @Test
    void smallClustersAreLeftUnassigned() {
        int[] blobLabels = new int[3 * 10];
        float[][] blobs = KMeansTest.blobs(3, 10, 8, 4, blobLabels);
        float[][] x = new float[blobs.length + 2][];
        System.arraycopy(blobs, 0, x, 0, blobs.length);
        x[blobs.length] = new float[] {0, 0, 0, 0, 0, 0, 0, 30}; // lone points in unused directions
        x[blobs.length + 1] = new float[] {0, 0, 0, 0, 0, 0, 30, 0};
        ThresholdClustering.Result r = ThresholdClustering.builder()
                .setThreshold(0.5).optMinClusterSize(2).build().cluster(x);
        assertEquals(3, r.count());
        assertEquals(2, r.unassigned());
        int[] a = r.assignments();
        assertEquals(ThresholdClustering.UNASSIGNED, a[30]);
        assertEquals(ThresholdClustering.UNASSIGNED, a[31]);
        assertArrayEquals(new int[] {10, 10, 10}, r.sizes());
        int[] all = r.withUnassignedAsSingletons();
        assertEquals(3, all[30]);
        assertEquals(4, all[31]);
        int[] labels = new int[x.length];
        System.arraycopy(blobLabels, 0, labels, 0, blobLabels.length);
        labels[30] = 3;
        labels[31] = 4;
        assertEquals(1.0, ClusteringMetrics.nmi(labels, all), 1e-12);
    }

    @Test
    void deterministicAndTheSameFromJavaArraysAndNdArrays() {
        Random random = new Random(11);
        float[][] x = new float[200][6];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        x[7] = x[3].clone(); // an exact duplicate: the point itself need not be its first neighbour
        for (Linkage linkage : Linkage.values()) {
            ThresholdClustering c = ThresholdClustering.builder()
                    .setThreshold(0.85).optK(5).optLinkage(linkage).optBatchSize(32).build();
            ThresholdClustering.Result first = c.cluster(x);
            assertEquals(first, c.cluster(x), linkage.name());
            try (NDManager manager = NDManager.newBaseManager()) {
                assertEquals(first, c.cluster(manager.create(x)), linkage.name());
            }
            assertEquals(first.assignments()[3], first.assignments()[7], "duplicates share a cluster");
            assertTrue(first.count() > 1 && first.count() < x.length, first.toString());
        }
    }

    @Test
    void onePointIsOneCluster() {
        ThresholdClustering.Result r = ThresholdClustering.builder().setThreshold(0.5).build()
                .cluster(new float[][] {{1f, 2f}});
        assertEquals(1, r.count());
        assertArrayEquals(new int[] {0}, r.assignments());
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("The threshold is required: call setThreshold.",
                assertThrows(IllegalArgumentException.class, () -> ThresholdClustering.builder().build())
                        .getMessage());
        assertEquals("The threshold must be a number, but was NaN.",
                assertThrows(IllegalArgumentException.class,
                        () -> ThresholdClustering.builder().setThreshold(Double.NaN).build()).getMessage());
        assertEquals("The k (neighbours per point) must be at least 1, but was 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> ThresholdClustering.builder().setThreshold(0.5).optK(0).build()).getMessage());
        assertEquals("The minClusterSize must be at least 1, but was 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> ThresholdClustering.builder().setThreshold(0.5).optMinClusterSize(0).build())
                        .getMessage());
        assertEquals("The batchSize must be at least 1, but was 0.",
                assertThrows(IllegalArgumentException.class,
                        () -> ThresholdClustering.builder().setThreshold(0.5).optBatchSize(0).build())
                        .getMessage());
    }

    @Test
    void badEmbeddingsAreExplained() {
        ThresholdClustering c = ThresholdClustering.builder().setThreshold(0.5).build();
        assertEquals("The embeddings are empty: give at least one row.",
                assertThrows(IllegalArgumentException.class, () -> c.cluster(new float[0][])).getMessage());
        assertEquals("Row 1 of the embeddings has 1 values but row 0 has 2: the rows must all have the same length.",
                assertThrows(IllegalArgumentException.class, () -> c.cluster(new float[][] {{1f, 2f}, {3f}}))
                        .getMessage());
        assertEquals("The embeddings contain NaN or infinite values: cluster finite embeddings only.",
                assertThrows(IllegalArgumentException.class,
                        () -> c.cluster(new float[][] {{1f, 2f}, {Float.NaN, 0f}})).getMessage());
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals("The embeddings must be a non-empty 2-D (N, D) array, but the shape is (3).",
                    assertThrows(IllegalArgumentException.class,
                            () -> c.cluster(manager.create(new float[] {1f, 2f, 3f}))).getMessage());
        }
    }

    // ---- plain references, O(n^3) and O(n^2) loops over doubles ----

    /** Average linkage over all pairs: merge the closest pair of clusters while mean distance <= t. */
    private static int[] plainAverageLinkage(float[][] x, double maxDistance) {
        int n = x.length;
        List<List<Integer>> clusters = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clusters.add(new ArrayList<>(List.of(i)));
        }
        while (true) {
            double best = Double.POSITIVE_INFINITY;
            int bi = -1;
            int bj = -1;
            for (int a = 0; a < clusters.size(); a++) {
                for (int b = a + 1; b < clusters.size(); b++) {
                    double sum = 0;
                    for (int i : clusters.get(a)) {
                        for (int j : clusters.get(b)) {
                            sum += dist(x[i], x[j]);
                        }
                    }
                    double mean = sum / (clusters.get(a).size() * clusters.get(b).size());
                    if (mean < best) {
                        best = mean;
                        bi = a;
                        bj = b;
                    }
                }
            }
            if (bi < 0 || best > maxDistance) {
                break;
            }
            clusters.get(bi).addAll(clusters.remove(bj));
        }
        int[] out = new int[n];
        for (int c = 0; c < clusters.size(); c++) {
            for (int i : clusters.get(c)) {
                out[i] = c;
            }
        }
        return out;
    }

    /** Components of the undirected k-NN graph's edges with distance <= t. */
    private static int[] plainKnnComponents(float[][] x, int k, double maxDistance) {
        int n = x.length;
        boolean[][] adjacent = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            Integer[] order = new Integer[n];
            for (int j = 0; j < n; j++) {
                order[j] = j;
            }
            final int q = i;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(dist(x[q], x[a]), dist(x[q], x[b])));
            int taken = 0;
            for (int r = 0; r < n && taken < k; r++) {
                int j = order[r];
                if (j == i) {
                    continue;
                }
                taken++;
                if (dist(x[i], x[j]) <= maxDistance) {
                    adjacent[i][j] = true;
                    adjacent[j][i] = true;
                }
            }
        }
        int[] component = new int[n];
        java.util.Arrays.fill(component, -1);
        int next = 0;
        for (int s = 0; s < n; s++) {
            if (component[s] >= 0) {
                continue;
            }
            List<Integer> stack = new ArrayList<>(List.of(s));
            component[s] = next;
            while (!stack.isEmpty()) {
                int i = stack.remove(stack.size() - 1);
                for (int j = 0; j < n; j++) {
                    if (adjacent[i][j] && component[j] < 0) {
                        component[j] = next;
                        stack.add(j);
                    }
                }
            }
            next++;
        }
        return component;
    }

    private static double dist(float[] a, float[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            double d = (double) a[j] - b[j];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /** Does every cluster of {@code fine} lie inside one cluster of {@code coarse}? */
    private static boolean nested(int[] fine, int[] coarse) {
        Map<Integer, Integer> outer = new HashMap<>();
        for (int i = 0; i < fine.length; i++) {
            Integer seen = outer.putIfAbsent(fine[i], coarse[i]);
            if (seen != null && seen != coarse[i]) {
                return false;
            }
        }
        return true;
    }

    /** Relabels a partition densely in order of first appearance. */
    private static int[] canonical(int[] labels) {
        Map<Integer, Integer> ids = new HashMap<>();
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = ids.computeIfAbsent(labels[i], v -> ids.size());
        }
        return out;
    }
}
