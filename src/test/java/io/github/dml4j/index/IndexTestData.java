package io.github.dml4j.index;

import java.util.Random;

/** Random embeddings and a brute-force Java reference for the index tests. */
final class IndexTestData {

    private IndexTestData() {}

    static float[][] gaussian(int n, int d, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        return x;
    }

    static long[] ids(int n, long first) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = first + 3L * i;
        }
        return ids;
    }

    /** Brute force: "cosine", "dot", "l2" (raw) or "l2sq"; scores higher = closer. */
    static Neighbors bruteForce(float[][] gallery, long[] ids, float[][] queries, int k, String kind) {
        long[][] outIds = new long[queries.length][k];
        float[][] outScores = new float[queries.length][k];
        for (int q = 0; q < queries.length; q++) {
            double[] s = new double[gallery.length];
            Integer[] order = new Integer[gallery.length];
            for (int i = 0; i < gallery.length; i++) {
                double dot = 0, qq = 0, rr = 0, d2 = 0;
                for (int j = 0; j < queries[q].length; j++) {
                    dot += (double) queries[q][j] * gallery[i][j];
                    qq += (double) queries[q][j] * queries[q][j];
                    rr += (double) gallery[i][j] * gallery[i][j];
                    double diff = queries[q][j] - gallery[i][j];
                    d2 += diff * diff;
                }
                s[i] = switch (kind) {
                    case "cosine" -> dot / (Math.sqrt(qq) * Math.sqrt(rr));
                    case "dot" -> dot;
                    case "l2" -> -Math.sqrt(d2);
                    case "l2sq" -> -d2;
                    default -> throw new IllegalArgumentException(kind);
                };
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(s[b], s[a]));
            for (int j = 0; j < k; j++) {
                outIds[q][j] = ids[order[j]];
                outScores[q][j] = (float) s[order[j]];
            }
        }
        return new Neighbors(outIds, outScores);
    }
}
