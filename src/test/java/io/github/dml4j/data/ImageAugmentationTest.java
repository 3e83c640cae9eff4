package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageAugmentationTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** A (B, C, H, W) batch of random pixels in [0, 1]. */
    private NDArray batch(int b, int c, int h, int w, long seed) {
        float[] v = new float[b * c * h * w];
        Random random = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextFloat();
        }
        return manager.create(v, new Shape(b, c, h, w));
    }

    private static ImageAugmentation.Params sameForAll(int b, float[] affine) {
        float[] all = new float[b * 6];
        for (int i = 0; i < b; i++) {
            System.arraycopy(affine, 0, all, i * 6, 6);
        }
        return new ImageAugmentation.Params(all, null, null);
    }

    @Test
    void noSettingsReturnTheInput() {
        ImageAugmentation none = ImageAugmentation.builder().optSeed(3).build();
        assertTrue(none.isIdentity());
        NDArray x = batch(2, 1, 4, 4, 0);
        assertSame(x, none.apply(x));
        // the identity map through the sampler reproduces every pixel exactly
        NDArray same = none.apply(x, sameForAll(2, ImageAugmentation.affine(false, 0, 1, 1, 0, 0)));
        assertArrayEquals(x.toFloatArray(), same.toFloatArray());
    }

    @Test
    void certainFlipEqualsTheEngineFlip() {
        ImageAugmentation flip = ImageAugmentation.builder().optHorizontalFlip(1).build();
        NDArray x = batch(3, 3, 5, 6, 1);
        NDArray y = flip.apply(x);
        assertEquals(x.getShape(), y.getShape());
        assertEquals(DataType.FLOAT32, y.getDataType());
        assertArrayEquals(x.flip(3).toFloatArray(), y.toFloatArray());
    }

    @Test
    void quarterTurnIsACounterClockwiseRot90() {
        NDArray x = batch(2, 2, 5, 5, 2);
        NDArray turned = ImageAugmentation.builder().build()
                .apply(x, sameForAll(2, ImageAugmentation.affine(false, 90, 1, 1, 0, 0)));
        float[] expected = x.rotate90(1, new int[] {2, 3}).toFloatArray();
        float[] actual = turned.toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "pixel " + i);
        }
    }

    @Test
    void halfTurnLeavesAPointSymmetricImageAlone() {
        // a centred cross on 5 x 5 is unchanged by 180 degrees; an off-centre dot moves to the opposite corner
        float[] cross = new float[25];
        for (int i = 0; i < 5; i++) {
            cross[2 * 5 + i] = 1;
            cross[i * 5 + 2] = 1;
        }
        float[] dot = new float[25];
        dot[0] = 1;
        NDArray x = manager.create(concat(cross, dot), new Shape(2, 1, 5, 5));
        float[] y = ImageAugmentation.builder().build()
                .apply(x, sameForAll(2, ImageAugmentation.affine(false, 180, 1, 1, 0, 0))).toFloatArray();
        for (int i = 0; i < 25; i++) {
            assertEquals(cross[i], y[i], 1e-5);
            assertEquals(i == 24 ? 1f : 0f, y[25 + i], 1e-5);
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void randomCropShiftsEachImageByWholePixelsWithZeroFill() {
        int b = 16;
        int h = 6;
        int w = 7;
        NDArray x = batch(b, 1, h, w, 3);
        float[] in = x.toFloatArray();
        float[] out = ImageAugmentation.builder().optRandomCrop(2).optSeed(5).build().apply(x).toFloatArray();
        Set<String> shifts = new HashSet<>();
        for (int i = 0; i < b; i++) {
            String found = null;
            for (int dy = -2; dy <= 2 && found == null; dy++) {
                for (int dx = -2; dx <= 2 && found == null; dx++) {
                    if (isShift(in, out, i, h, w, dx, dy)) {
                        found = dx + "," + dy;
                    }
                }
            }
            assertTrue(found != null, "image " + i + " is not a shift of its input by at most 2 pixels");
            shifts.add(found);
        }
        assertTrue(shifts.size() > 3, "shifts " + shifts);
    }

    /** Whether output image i is input image i read at (x + dx, y + dy), zero outside. */
    private static boolean isShift(float[] in, float[] out, int i, int h, int w, int dx, int dy) {
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int sx = x + dx;
                int sy = y + dy;
                float expected = sx < 0 || sx >= w || sy < 0 || sy >= h ? 0f : in[i * h * w + sy * w + sx];
                if (out[i * h * w + y * w + x] != expected) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void edgePaddingRepeatsTheBorder() {
        NDArray x = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(1, 1, 2, 3));
        ImageAugmentation edge = ImageAugmentation.builder().optPadding(ImageAugmentation.Padding.EDGE).build();
        float[] y = edge.apply(x, sameForAll(1, ImageAugmentation.affine(false, 0, 1, 1, 1, 0))).toFloatArray();
        assertArrayEquals(new float[] {2, 3, 3, 5, 6, 6}, y);
        float[] zero = ImageAugmentation.builder().build()
                .apply(x, sameForAll(1, ImageAugmentation.affine(false, 0, 1, 1, 1, 0))).toFloatArray();
        assertArrayEquals(new float[] {2, 3, 0, 5, 6, 0}, zero);
    }

    @Test
    void brightnessAndContrastArePerImageFactorsClippedToOne() {
        NDArray x = manager.create(new float[] {0.1f, 0.3f, 0.2f, 0.6f}, new Shape(2, 1, 1, 2));
        float[] doubled = ImageAugmentation.builder().optBrightness(2, 2).build().apply(x).toFloatArray();
        assertArrayEquals(new float[] {0.2f, 0.6f, 0.4f, 1f}, doubled, 1e-6f);
        float[] flat = ImageAugmentation.builder().optContrast(0, 0).build().apply(x).toFloatArray();
        assertArrayEquals(new float[] {0.2f, 0.2f, 0.4f, 0.4f}, flat, 1e-6f);
        ImageAugmentation.Params own = new ImageAugmentation.Params(null, new float[] {1f, 0.5f}, null);
        assertArrayEquals(new float[] {0.1f, 0.3f, 0.1f, 0.3f},
                ImageAugmentation.builder().build().apply(x, own).toFloatArray(), 1e-6f);
    }

    @Test
    void resizedCropsStayInsideTheImage() {
        NDArray x = batch(8, 3, 8, 8, 4);
        NDArray y = ImageAugmentation.builder().optRandomResizedCrop(0.3, 0.8).optSeed(2).build().apply(x);
        assertEquals(x.getShape(), y.getShape());
        float[] in = x.toFloatArray();
        float[] out = y.toFloatArray();
        int n = 3 * 64;
        for (int i = 0; i < 8; i++) {
            float[] a = Arrays.copyOfRange(in, i * n, (i + 1) * n);
            float[] b = Arrays.copyOfRange(out, i * n, (i + 1) * n);
            // bilinear reads inside the image: no black fill, values within the input's range
            float lo = Float.MAX_VALUE;
            float hi = -Float.MAX_VALUE;
            for (float v : a) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (float v : b) {
                assertTrue(v >= lo - 1e-6 && v <= hi + 1e-6, "image " + i + " value " + v);
            }
            assertFalse(Arrays.equals(a, b), "image " + i + " was not cropped");
        }
    }

    @Test
    void seedsRepeatAndDiffer() {
        NDArray x = batch(4, 1, 6, 6, 6);
        ImageAugmentation.Builder all = ImageAugmentation.builder().optRandomCrop(1).optHorizontalFlip(0.5)
                .optRotation(15).optBrightness(0.8, 1.2).optContrast(0.8, 1.2);
        ImageAugmentation a = all.optSeed(1).build();
        ImageAugmentation b = all.optSeed(1).build();
        ImageAugmentation c = all.optSeed(2).build();
        float[] a1 = a.apply(x).toFloatArray();
        float[] a2 = a.apply(x).toFloatArray();
        assertArrayEquals(a1, b.apply(x).toFloatArray());
        assertArrayEquals(a2, b.apply(x).toFloatArray());
        assertFalse(Arrays.equals(a1, a2), "the second batch draws new parameters");
        assertFalse(Arrays.equals(a1, c.apply(x).toFloatArray()), "another seed draws other parameters");
        // an explicit batch key is a pure function of seed and key
        assertArrayEquals(a.apply(x, 42).toFloatArray(), b.apply(x, 42).toFloatArray());
        assertFalse(Arrays.equals(a.apply(x, 42).toFloatArray(), c.apply(x, 42).toFloatArray()));
        NDArray y = a.apply(x);
        assertEquals(x.getShape(), y.getShape());
        assertEquals(DataType.FLOAT32, y.getDataType());
        assertTrue(Arrays.stream(toDoubles(y.toFloatArray())).allMatch(v -> v >= 0 && v <= 1));
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void scratchArraysAreFreed() {
        NDArray x = batch(4, 1, 6, 6, 7);
        ImageAugmentation aug = ImageAugmentation.builder().optRotation(10).optContrast(0.5, 1.5).build();
        aug.apply(x).close();
        int before = manager.getManagedArrays().size();
        NDArray y = aug.apply(x);
        assertEquals(before + 1, manager.getManagedArrays().size());
        y.close();
    }

    @Test
    void badInputAndSettingsAreNamed() {
        NDArray ints = manager.create(new int[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
        ImageAugmentation flip = ImageAugmentation.builder().optHorizontalFlip(0.5).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> flip.apply(ints));
        assertEquals("ImageAugmentation needs a float32 (B, C, H, W) batch, got int32 (1, 1, 2, 2).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageAugmentation.builder().optRandomCrop(2).optRandomResizedCrop(0.5, 1).build());
        assertEquals("ImageAugmentation takes either a random crop with padding (optRandomCrop) or a random resized crop"
                + " (optRandomResizedCrop), not both.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageAugmentation.builder().optHorizontalFlip(1.5).build());
        assertEquals("The horizontal flip probability of ImageAugmentation (optHorizontalFlip) must be in [0, 1], got 1.5.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageAugmentation.builder().optRotation(-1).build());
        assertEquals("The maximum rotation of ImageAugmentation (optRotation) must be in [0, 180] degrees, got -1.0.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageAugmentation.builder().optBrightness(1.2, 0.8).build());
        assertEquals("The brightness range of ImageAugmentation (optBrightness) must satisfy 0 <= min <= max, got 1.2 to"
                + " 0.8.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageAugmentation.builder().optRandomResizedCrop(0, 1).build());
        assertEquals("The random resized crop scale range of ImageAugmentation (optRandomResizedCrop) must satisfy"
                + " 0 < min <= max <= 1, got 0.0 to 1.0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageAugmentation.builder().optRandomCrop(0).build());
        assertEquals("The random crop padding of ImageAugmentation (optRandomCrop) must be at least 1 pixel, got 0.",
                e.getMessage());
    }
}
