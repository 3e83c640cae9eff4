package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * How 8-bit pixels become network input: scaled to [0, 1], then per channel
 * {@code (x - mean) / std}. Recorded in the model card so that a loaded model preprocesses
 * images exactly as in training.
 *
 * @param mean per-channel mean of the scaled pixels (one value for all channels is allowed)
 * @param std per-channel standard deviation of the scaled pixels
 */
public record PixelNormalization(float[] mean, float[] std) {

    /** Fashion-MNIST's mean 0.2860 and std 0.3530, as in the benchmark protocol. */
    public static final PixelNormalization FASHION_MNIST = new PixelNormalization(new float[] {0.2860f}, new float[] {0.3530f});

    /**
     * ImageNet's per-channel mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) of RGB
     * pixels, which torchvision's pretrained networks expect.
     */
    public static final PixelNormalization IMAGENET = new PixelNormalization(new float[] {0.485f, 0.456f, 0.406f},
            new float[] {0.229f, 0.224f, 0.225f});

    /** Scaling to [0, 1] only. */
    public static final PixelNormalization NONE = new PixelNormalization(new float[] {0f}, new float[] {1f});

    /**
     * Estimates the per-channel mean and standard deviation of a set of images' pixels scaled to
     * [0, 1], for data sets without published values (for example a folder of faces). Uses the
     * training images only, so evaluation images do not leak into the model. Reads every image
     * once, in batches of a few megabytes.
     *
     * @throws IllegalArgumentException if there are no images or a channel is constant
     */
    public static PixelNormalization estimate(ImageSource images) {
        if (images.size() == 0) {
            throw new IllegalArgumentException("Cannot estimate a pixel normalization from no images.");
        }
        int c = images.channels();
        int plane = images.height() * images.width();
        // exact integer sums of the 8-bit values: a constant channel then has a variance of exactly
        // 0, and a nearly constant one keeps its small variance instead of losing it to rounding
        long[] sum = new long[c];
        long[] sumSq = new long[c];
        ImageSources.forEachBatch(images, (first, count, pixels) -> {
            for (int i = 0; i < count; i++) {
                for (int ch = 0; ch < c; ch++) {
                    int start = (i * c + ch) * plane;
                    for (int p = start; p < start + plane; p++) {
                        int v = pixels[p] & 0xff;
                        sum[ch] += v;
                        sumSq[ch] += v * v;
                    }
                }
            }
        });
        double n = (double) images.size() * plane;
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n;
            mean[ch] = (float) (m / 255);
            std[ch] = (float) (Math.sqrt(Math.max(0, sumSq[ch] / n - m * m)) / 255);
            if (!(std[ch] > 0)) {
                throw new IllegalArgumentException("Channel " + ch + " has the same value in every pixel, so it cannot "
                        + "be normalized.");
            }
        }
        return new PixelNormalization(mean, std);
    }

    /** The named presets, by the name a model card records: imagenet, fashion-mnist, none. */
    private static final Map<String, PixelNormalization> PRESETS = Map.of(
            "imagenet", IMAGENET, "fashion-mnist", FASHION_MNIST, "none", NONE);

    /**
     * The preset of this name.
     *
     * @throws IllegalArgumentException if no preset has the name
     */
    public static PixelNormalization preset(String name) {
        PixelNormalization p = name == null ? null : PRESETS.get(name);
        if (p == null) {
            throw new IllegalArgumentException("No pixel normalization preset is named '" + name + "'; the presets are "
                    + new TreeSet<>(PRESETS.keySet()) + ".");
        }
        return p;
    }

    /** The name of the preset with this mean and std ({@code imagenet}, {@code fashion-mnist}, {@code none}), if any. */
    public Optional<String> presetName() {
        for (Map.Entry<String, PixelNormalization> e : PRESETS.entrySet()) {
            if (equals(e.getValue())) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    /** Validates lengths and that every std is positive. */
    public PixelNormalization {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("Normalization needs as many means as stds, at least one each.");
        }
        for (float s : std) {
            if (!(s > 0f)) {
                throw new IllegalArgumentException("Normalization std must be positive, got " + Arrays.toString(std) + ".");
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** {@return the per-channel mean of the scaled pixels, a copy} */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** {@return the per-channel standard deviation of the scaled pixels, a copy} */
    @Override
    public float[] std() {
        return std.clone();
    }

    /**
     * Applies the normalization to a (B, C, H, W) or (C, H, W) array of raw pixel values in [0, 255].
     */
    public NDArray apply(NDArray pixels) {
        return applyToScaled(pixels.toType(DataType.FLOAT32, false).div(255f));
    }

    /**
     * Applies {@code (x - mean) / std} to a (B, C, H, W) or (C, H, W) float array of pixels
     * already scaled to [0, 1], for example after {@link ImageAugmentation}, which works on
     * scaled pixels so that black stays 0 and brightness scales around it.
     *
     * @param x pixels in [0, 1]
     * @return the normalized pixels
     */
    public NDArray applyToScaled(NDArray x) {
        if (mean.length == 1) {
            return x.sub(mean[0]).div(std[0]);
        }
        long c = x.getShape().get(x.getShape().dimension() - 3);
        if (c != mean.length) {
            throw new IllegalArgumentException(
                    "Normalization has " + mean.length + " channels but the images have " + c + ".");
        }
        ai.djl.ndarray.types.Shape s = new ai.djl.ndarray.types.Shape(c, 1, 1);
        NDArray m = x.getManager().create(mean, s);
        NDArray d = x.getManager().create(std, s);
        return x.sub(m).div(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelNormalization p && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "PixelNormalization{mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + '}';
    }
}
