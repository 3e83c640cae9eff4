package io.github.dml4j.data;

import java.util.Random;

/** Generated image sets for the data and datasets tests. */
public final class TestImages {

    private TestImages() {
    }

    /**
     * {@code perClass} images of each of {@code classes} classes, h x w, pixels random but
     * seeded, labels interleaved (0, 1, ..., classes-1, 0, 1, ...).
     */
    public static LabeledImages generate(int classes, int perClass, int h, int w, long seed) {
        int n = classes * perClass;
        byte[] pixels = new byte[n * h * w];
        new Random(seed).nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
        }
        return LabeledImages.of(pixels, labels, 1, h, w);
    }

    /** Whether two sets hold the same pixels, labels and shape. */
    public static boolean same(ImageSource a, ImageSource b) {
        if (a.size() != b.size() || !a.imageShape().equals(b.imageShape())
                || !java.util.Arrays.equals(a.labels(), b.labels())) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!java.util.Arrays.equals(a.imageBytes(i), b.imageBytes(i))) {
                return false;
            }
        }
        return true;
    }
}
