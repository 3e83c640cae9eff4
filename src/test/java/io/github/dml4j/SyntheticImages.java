package io.github.dml4j;

import io.github.dml4j.data.LabeledImages;

import java.util.Random;

/**
 * Generated 1x28x28 images for tests: each class is a prototype of three Gaussian blobs, each
 * image that prototype shifted by up to 3 pixels, scaled in brightness, with a distractor blob
 * and pixel noise. Hard enough that an untrained network retrieves poorly.
 */
public final class SyntheticImages {

    private SyntheticImages() {}

    /** Generates {@code classes * perClass} images, labels 0..classes-1, deterministic for a seed. */
    public static LabeledImages generate(int classes, int perClass, long seed) {
        Random protoRandom = new Random(1234);
        double[][][] blobs = new double[classes][3][];
        for (int c = 0; c < classes; c++) {
            for (int b = 0; b < 3; b++) {
                blobs[c][b] = new double[] {6 + protoRandom.nextDouble() * 16, 6 + protoRandom.nextDouble() * 16,
                        1.5 + protoRandom.nextDouble() * 2.5};
            }
        }
        Random r = new Random(seed);
        int n = classes * perClass;
        byte[] pixels = new byte[n * 28 * 28];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            labels[i] = c;
            double dx = r.nextInt(7) - 3;
            double dy = r.nextInt(7) - 3;
            double gain = 0.6 + 0.6 * r.nextDouble();
            double[] distractor = {4 + r.nextDouble() * 20, 4 + r.nextDouble() * 20, 1.5 + r.nextDouble() * 2};
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    double v = 0;
                    for (double[] b : blobs[c]) {
                        v += blob(x - dx, y - dy, b);
                    }
                    v = gain * v + 0.8 * blob(x, y, distractor) + 0.25 * r.nextGaussian();
                    int p = (int) Math.round(255 * Math.max(0, Math.min(1, v)));
                    pixels[i * 784 + y * 28 + x] = (byte) p;
                }
            }
        }
        return LabeledImages.of(pixels, labels, 1, 28, 28);
    }

    private static double blob(double x, double y, double[] b) {
        double d2 = (x - b[0]) * (x - b[0]) + (y - b[1]) * (y - b[1]);
        return Math.exp(-d2 / (2 * b[2] * b[2]));
    }
}
