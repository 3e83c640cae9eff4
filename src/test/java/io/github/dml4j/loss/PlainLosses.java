package io.github.dml4j.loss;

/**
 * The parameter-owning losses written as plain double loops, straight from their papers'
 * formulas, to check the engine code against.
 */
final class PlainLosses {

    private PlainLosses() {}

    static double[][] toDouble(float[][] m) {
        double[][] out = new double[m.length][m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                out[i][j] = m[i][j];
            }
        }
        return out;
    }

    static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    private static double[] unit(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        n = Math.max(Math.sqrt(n), 1e-12);
        double[] u = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = v[i] / n;
        }
        return u;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** cos[i][j] between embedding row i and class row j (classRows is (C, D)). */
    static double[][] cosines(double[][] embeddings, double[][] classRows) {
        double[][] cos = new double[embeddings.length][classRows.length];
        for (int i = 0; i < embeddings.length; i++) {
            for (int j = 0; j < classRows.length; j++) {
                cos[i][j] = dot(unit(embeddings[i]), unit(classRows[j]));
            }
        }
        return cos;
    }

    /** Margin softmax: ArcFace when {@code arcMarginRadians} is not NaN, else CosFace with {@code cosMargin}. */
    static double marginSoftmax(double[][] embeddings, int[] labels, double[][] weightsDxC, double arcMarginRadians,
                                double cosMargin, double scale) {
        double[][] cos = cosines(embeddings, transpose(weightsDxC));
        double total = 0;
        for (int i = 0; i < embeddings.length; i++) {
            double[] logits = new double[cos[i].length];
            for (int j = 0; j < logits.length; j++) {
                double c = cos[i][j];
                if (j == labels[i]) {
                    c = Double.isNaN(arcMarginRadians) ? c - cosMargin : Math.cos(Math.acos(c) + arcMarginRadians);
                }
                logits[j] = scale * c;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (double l : logits) {
                max = Math.max(max, l);
            }
            double sum = 0;
            for (double l : logits) {
                sum += Math.exp(l - max);
            }
            total += -(logits[labels[i]] - max - Math.log(sum));
        }
        return total / embeddings.length;
    }

    static double proxyAnchor(double[][] embeddings, int[] labels, double[][] proxies, double margin, double alpha) {
        double[][] sim = cosines(embeddings, proxies);
        double pos = 0;
        double neg = 0;
        int present = 0;
        for (int p = 0; p < proxies.length; p++) {
            double posSum = 0;
            double negSum = 0;
            boolean any = false;
            for (int i = 0; i < embeddings.length; i++) {
                if (labels[i] == p) {
                    posSum += Math.exp(-alpha * (sim[i][p] - margin));
                    any = true;
                } else {
                    negSum += Math.exp(alpha * (sim[i][p] + margin));
                }
            }
            if (any) {
                present++;
                pos += Math.log(1 + posSum);
            }
            neg += Math.log(1 + negSum);
        }
        return pos / Math.max(1, present) + neg / proxies.length;
    }

    static double center(double[][] embeddings, int[] labels, double[][] centers) {
        double total = 0;
        for (int i = 0; i < embeddings.length; i++) {
            for (int d = 0; d < embeddings[i].length; d++) {
                double diff = embeddings[i][d] - centers[labels[i]][d];
                total += diff * diff;
            }
        }
        return 0.5 * total / embeddings.length;
    }
}
