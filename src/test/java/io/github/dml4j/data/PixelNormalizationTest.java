package io.github.dml4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PixelNormalizationTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void estimateOfOneChannelPoolsEveryPixelOfEveryImage() {
        // scaled: 0, 1, 0.2, 0.4 and 1, 1, 0, 0: mean 3.6 / 8 = 0.45, E[x^2] = 3.2 / 8 = 0.4
        LabeledImages images = LabeledImages.of(bytes(0, 255, 51, 102, 255, 255, 0, 0), new int[] {0, 1}, 1, 2, 2);
        PixelNormalization p = PixelNormalization.estimate(images);
        assertArrayEquals(new float[] {0.45f}, p.mean(), 1e-6f);
        assertArrayEquals(new float[] {(float) Math.sqrt(0.4 - 0.45 * 0.45)}, p.std(), 1e-6f);
    }

    @Test
    void estimateOfThreeChannelsKeepsTheChannelsApart() {
        // two 3x1x2 images; per channel over both images:
        // c0: 0, 1, 1, 0 -> 0.5 +- 0.5; c1: 0.2, 0.6, 0.2, 0.6 -> 0.4 +- 0.2; c2: 0.4, 0.4, 0.8, 0.8 -> 0.6 +- 0.2
        byte[] pixels = bytes(0, 255, 51, 153, 102, 102,
                255, 0, 51, 153, 204, 204);
        PixelNormalization p = PixelNormalization.estimate(LabeledImages.of(pixels, new int[] {0, 0}, 3, 1, 2));
        assertArrayEquals(new float[] {0.5f, 0.4f, 0.6f}, p.mean(), 1e-6f);
        assertArrayEquals(new float[] {0.5f, 0.2f, 0.2f}, p.std(), 1e-6f);
    }

    @Test
    void estimatedNormalizationGivesZeroMeanAndUnitStdPerChannel() {
        byte[] pixels = new byte[7 * 3 * 5 * 6];
        new Random(3).nextBytes(pixels);
        LabeledImages images = LabeledImages.of(pixels, new int[7], 3, 5, 6);
        PixelNormalization p = PixelNormalization.estimate(images);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = images.toNDArray(manager, new long[] {0, 1, 2, 3, 4, 5, 6}, p); // (7, 3, 5, 6)
            NDArray perChannel = x.transpose(1, 0, 2, 3).reshape(3, -1);
            assertArrayEquals(new float[] {0, 0, 0}, perChannel.mean(new int[] {1}).toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {1, 1, 1}, perChannel.square().mean(new int[] {1}).toFloatArray(), 1e-4f);
        }
    }

    @Test
    void aConstantChannelIsRejectedWhateverItsValue() {
        // channel 0 varies, channel 1 holds one value in every pixel of every image; the check must
        // not depend on how that value rounds in floating point
        int n = 10;
        int plane = 4 * 4;
        Random random = new Random(1);
        for (int value = 0; value < 256; value++) {
            byte[] pixels = new byte[n * 2 * plane];
            for (int i = 0; i < n; i++) {
                for (int p = 0; p < plane; p++) {
                    pixels[(2 * i) * plane + p] = (byte) random.nextInt(256);
                    pixels[(2 * i + 1) * plane + p] = (byte) value;
                }
            }
            LabeledImages images = LabeledImages.of(pixels, new int[n], 2, 4, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PixelNormalization.estimate(images), "constant value " + value);
            assertEquals("Channel 1 has the same value in every pixel, so it cannot be normalized.", e.getMessage());
        }
    }

    @Test
    void aChannelWithOnePixelDifferentIsNotTakenForConstant() {
        // 8 images of 32x32, every pixel v but one v + 1: p = 1 / 8192 of the pixels is 1/255 higher,
        // so the std is sqrt(p (1 - p)) / 255, about 4.3e-5: tiny, but not zero (a variance computed
        // around the mean rounded to float was lost in rounding, often below zero)
        int n = 8 * 32 * 32;
        double p = 1.0 / n;
        for (int value = 0; value < 255; value++) {
            byte[] pixels = new byte[n];
            Arrays.fill(pixels, (byte) value);
            pixels[n / 3] = (byte) (value + 1);
            PixelNormalization estimated = PixelNormalization.estimate(LabeledImages.of(pixels, new int[8], 1, 32, 32));
            assertEquals((value + p) / 255, estimated.mean()[0], 1e-7, "value " + value);
            double std = Math.sqrt(p * (1 - p)) / 255;
            assertEquals(std, estimated.std()[0], std * 1e-4, "value " + value);
        }
    }

    @Test
    void noImagesCannotBeEstimated() {
        LabeledImages none = LabeledImages.of(new byte[0], new int[0], 3, 8, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PixelNormalization.estimate(none));
        assertEquals("Cannot estimate a pixel normalization from no images.", e.getMessage());
    }
}
