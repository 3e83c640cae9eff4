package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Random training augmentation of a whole float (B, C, H, W) batch on the engine, with its own
 * random parameters for every image: random crop (a shift of up to {@code padding} pixels, as
 * padding and cropping back does) or random resized crop, horizontal flip, small rotation, and
 * brightness and contrast factors. All optional; with none set the batch is returned unchanged.
 *
 * <p>Why not DJL's transforms: on this stack (DJL 0.36, PyTorch) {@code RandomFlipLeftRight}
 * and {@code RandomFlipTopBottom} return the image unflipped (the flip result is dropped),
 * {@code RandomBrightness} and {@code RandomColorJitter} throw, and {@code RandomResizedCrop}
 * takes one (H, W, C) image at a time; a transform also draws one random choice per call, so
 * applied to a batch tensor it would treat every image alike.
 *
 * <p>How: the geometric part is one affine map per image. For every output pixel at offset
 * {@code (u, v)} from the image centre, the source point is
 * {@code t + diag(sx, sy) R(angle) diag(flip, 1) (u, v)}, computed for the whole batch with one
 * (B, 2, 3) x (3, H*W) matrix product, and read by bilinear interpolation (four {@code take}s on
 * the flattened batch); points outside the image read 0 ({@link Padding#ZERO}) or the nearest
 * edge pixel ({@link Padding#EDGE}). Then brightness multiplies each image by a factor, and
 * contrast moves it away from or toward its own mean: {@code (x - mean) * c + mean}, both
 * clipped to [0, 1]. Pixels are therefore expected scaled to [0, 1], before
 * {@link PixelNormalization} (see {@link PixelNormalization#applyToScaled}); padding with 0 is
 * black. Positive angles turn the content counter-clockwise.
 *
 * <p>Reproducible: {@link #apply(NDArray, long)} is a pure function of the batch, the seed and
 * the batch key; {@link #apply(NDArray)} uses the number of earlier calls as the key, so the
 * same sequence of calls repeats for the same seed.
 *
 * <pre>{@code
 * ImageAugmentation faces = ImageAugmentation.builder()
 *         .optRandomCrop(4).optHorizontalFlip(0.5).optRotation(10)
 *         .optBrightness(0.8, 1.2).optContrast(0.8, 1.2).optSeed(0).build();
 * new ClassBatches(train, sampler, normalization, faces);
 * }</pre>
 */
public final class ImageAugmentation {

    /** What a pixel that comes from outside the image reads. */
    public enum Padding {
        /** Zero, black for pixels in [0, 1]. */
        ZERO,
        /** The nearest pixel on the image border. */
        EDGE
    }

    private final int cropPadding;
    private final double minScale;
    private final double maxScale;
    private final double minRatio;
    private final double maxRatio;
    private final double flipProbability;
    private final double maxDegrees;
    private final double minBrightness;
    private final double maxBrightness;
    private final double minContrast;
    private final double maxContrast;
    private final Padding padding;
    private final long seed;
    private final AtomicLong calls = new AtomicLong();

    private ImageAugmentation(Builder b) {
        this.cropPadding = b.cropPadding == null ? 0 : b.cropPadding;
        this.minScale = b.minScale == null ? 0 : b.minScale;
        this.maxScale = b.maxScale;
        this.minRatio = b.minRatio;
        this.maxRatio = b.maxRatio;
        this.flipProbability = b.flipProbability;
        this.maxDegrees = b.maxDegrees;
        this.minBrightness = b.minBrightness;
        this.maxBrightness = b.maxBrightness;
        this.minContrast = b.minContrast;
        this.maxContrast = b.maxContrast;
        this.padding = b.padding;
        this.seed = b.seed;
    }

    /**
     * A builder; every setting is optional.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether this augmentation changes nothing (no setting was made).
     *
     * @return {@code true} if {@link #apply} returns its input
     */
    public boolean isIdentity() {
        return !isGeometric() && !isPhotometric();
    }

    private boolean isGeometric() {
        return cropPadding > 0 || minScale > 0 || flipProbability > 0 || maxDegrees > 0;
    }

    private boolean isPhotometric() {
        return minBrightness != 1 || maxBrightness != 1 || minContrast != 1 || maxContrast != 1;
    }

    /**
     * Augments a batch with the next random parameters: call {@code i} on this object uses batch
     * key {@code i}.
     *
     * @param batch float32 (B, C, H, W), pixels in [0, 1]
     * @return the augmented batch in the batch's manager, or {@code batch} itself if this is the identity
     */
    public NDArray apply(NDArray batch) {
        return apply(batch, calls.getAndIncrement());
    }

    /**
     * Augments a batch with random parameters drawn from the seed and {@code batchKey}.
     *
     * @param batch float32 (B, C, H, W), pixels in [0, 1]
     * @param batchKey any number that tells batches apart, e.g. a step counter
     * @return the augmented batch in the batch's manager, or {@code batch} itself if this is the identity
     * @throws IllegalArgumentException if the batch is not a float32 (B, C, H, W) array
     */
    public NDArray apply(NDArray batch, long batchKey) {
        Shape s = checkBatch(batch);
        if (isIdentity()) {
            return batch;
        }
        Random random = new Random(mix(seed ^ mix(batchKey)));
        return apply(batch, draw((int) s.get(0), (int) s.get(2), (int) s.get(3), random));
    }

    /**
     * The random parameters of one batch.
     *
     * @param affine B x 6 row-major {@code [a11 a12 tx a21 a22 ty]}: source = A (u, v) + t around
     *     the centre, in pixels; null for no geometric change
     * @param brightness B factors, or null
     * @param contrast B factors, or null
     */
    record Params(float[] affine, float[] brightness, float[] contrast) {}

    Params draw(int batchSize, int height, int width, Random random) {
        float[] affine = isGeometric() ? new float[batchSize * 6] : null;
        boolean brightness = minBrightness != 1 || maxBrightness != 1;
        boolean contrast = minContrast != 1 || maxContrast != 1;
        float[] b = brightness ? new float[batchSize] : null;
        float[] c = contrast ? new float[batchSize] : null;
        for (int i = 0; i < batchSize; i++) {
            if (affine != null) {
                boolean flip = flipProbability > 0 && random.nextDouble() < flipProbability;
                double degrees = maxDegrees > 0 ? (2 * random.nextDouble() - 1) * maxDegrees : 0;
                double sx = 1;
                double sy = 1;
                double tx = 0;
                double ty = 0;
                if (cropPadding > 0) {
                    tx = random.nextInt(2 * cropPadding + 1) - cropPadding;
                    ty = random.nextInt(2 * cropPadding + 1) - cropPadding;
                } else if (minScale > 0) {
                    double area = minScale + random.nextDouble() * (maxScale - minScale);
                    double ratio = Math.exp(Math.log(minRatio) + random.nextDouble() * (Math.log(maxRatio) - Math.log(minRatio)));
                    sx = Math.min(1, Math.sqrt(area * ratio));
                    sy = Math.min(1, Math.sqrt(area / ratio));
                    tx = (2 * random.nextDouble() - 1) * (1 - sx) * width / 2;
                    ty = (2 * random.nextDouble() - 1) * (1 - sy) * height / 2;
                }
                System.arraycopy(affine(flip, degrees, sx, sy, tx, ty), 0, affine, i * 6, 6);
            }
            if (b != null) {
                b[i] = (float) (minBrightness + random.nextDouble() * (maxBrightness - minBrightness));
            }
            if (c != null) {
                c[i] = (float) (minContrast + random.nextDouble() * (maxContrast - minContrast));
            }
        }
        return new Params(affine, b, c);
    }

    /**
     * One image's affine map {@code source = t + diag(sx, sy) R(degrees) diag(flip ? -1 : 1, 1) (u, v)},
     * as {@code [a11 a12 tx a21 a22 ty]}.
     */
    static float[] affine(boolean flip, double degrees, double sx, double sy, double tx, double ty) {
        double r = Math.toRadians(degrees);
        double cos = Math.cos(r);
        double sin = Math.sin(r);
        double f = flip ? -1 : 1;
        return new float[] {
            (float) (sx * cos * f), (float) (-sx * sin), (float) tx,
            (float) (sy * sin * f), (float) (sy * cos), (float) ty};
    }

    /** Applies given parameters to a float32 (B, C, H, W) batch. */
    NDArray apply(NDArray batch, Params params) {
        Shape s = checkBatch(batch);
        // every array made in the scope is closed at its end, except the result
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = batch;
            if (params.affine() != null) {
                x = warp(batch, params.affine(), (int) s.get(0), (int) s.get(1), (int) s.get(2), (int) s.get(3));
            }
            NDManager manager = batch.getManager();
            Shape perImage = new Shape(s.get(0), 1, 1, 1);
            boolean photometric = params.brightness() != null || params.contrast() != null;
            if (params.brightness() != null) {
                x = x.mul(manager.create(params.brightness(), perImage));
            }
            if (params.contrast() != null) {
                NDArray mean = x.reshape(s.get(0), -1).mean(new int[] {1}).reshape(perImage);
                x = x.sub(mean).mul(manager.create(params.contrast(), perImage)).add(mean);
            }
            if (photometric) {
                x = x.clip(0f, 1f);
            }
            NDScope.unregister(x);
            return x;
        }
    }

    /** Bilinear sampling of every image at its affine source points. */
    private NDArray warp(NDArray batch, float[] affine, int b, int c, int h, int w) {
        NDManager manager = batch.getManager();
        int hw = h * w;
        float[] grid = new float[3 * hw];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                grid[i * w + j] = j - (w - 1) / 2f;
                grid[hw + i * w + j] = i - (h - 1) / 2f;
                grid[2 * hw + i * w + j] = 1f;
            }
        }
        NDArray source = manager.create(affine, new Shape(b, 2, 3)).matMul(manager.create(grid, new Shape(3, hw)));
        NDArray xs = source.get(":, 0, :").add((w - 1) / 2f);
        NDArray ys = source.get(":, 1, :").add((h - 1) / 2f);
        if (padding == Padding.EDGE) {
            xs = xs.clip(0f, w - 1f);
            ys = ys.clip(0f, h - 1f);
        }
        NDArray x0 = xs.floor();
        NDArray y0 = ys.floor();
        NDArray wx = xs.sub(x0);
        NDArray wy = ys.sub(y0);
        NDArray flat = batch.reshape(-1);
        NDArray offsets = manager.arange(0, (long) b * c * hw, hw, DataType.INT64).reshape(b, c, 1);
        NDArray out = null;
        for (int dy = 0; dy <= 1; dy++) {
            for (int dx = 0; dx <= 1; dx++) {
                NDArray xc = x0.add(dx);
                NDArray yc = y0.add(dy);
                NDArray inside = xc.gte(0f).logicalAnd(xc.lte(w - 1f)).logicalAnd(yc.gte(0f)).logicalAnd(yc.lte(h - 1f));
                NDArray weight = (dx == 1 ? wx : wx.neg().add(1f)).mul(dy == 1 ? wy : wy.neg().add(1f))
                        .mul(inside.toType(DataType.FLOAT32, false));
                NDArray index = yc.clip(0f, h - 1f).mul(w).add(xc.clip(0f, w - 1f)).toType(DataType.INT64, false);
                NDArray values = flat.take(manager, offsets.add(index.reshape(b, 1, hw)));
                NDArray term = values.mul(weight.reshape(b, 1, hw));
                out = out == null ? term : out.add(term);
            }
        }
        return out.reshape(b, c, h, w);
    }

    private static Shape checkBatch(NDArray batch) {
        Shape s = batch.getShape();
        if (s.dimension() != 4 || batch.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("ImageAugmentation needs a float32 (B, C, H, W) batch, got "
                    + batch.getDataType() + " " + s + ".");
        }
        return s;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    @Override
    public String toString() {
        if (isIdentity()) {
            return "ImageAugmentation{none}";
        }
        StringBuilder s = new StringBuilder("ImageAugmentation{");
        if (cropPadding > 0) {
            s.append("random crop padding ").append(cropPadding).append(", ");
        }
        if (minScale > 0) {
            s.append("random resized crop scale ").append(minScale).append('-').append(maxScale)
                    .append(" ratio ").append(minRatio).append('-').append(maxRatio).append(", ");
        }
        if (flipProbability > 0) {
            s.append("horizontal flip p=").append(flipProbability).append(", ");
        }
        if (maxDegrees > 0) {
            s.append("rotation +-").append(maxDegrees).append(" deg, ");
        }
        if (minBrightness != 1 || maxBrightness != 1) {
            s.append("brightness ").append(minBrightness).append('-').append(maxBrightness).append(", ");
        }
        if (minContrast != 1 || maxContrast != 1) {
            s.append("contrast ").append(minContrast).append('-').append(maxContrast).append(", ");
        }
        return s.append(padding).append(" padding, seed ").append(seed).append('}').toString();
    }

    /** Builder of {@link ImageAugmentation}; everything is off by default. */
    public static final class Builder {
        private Integer cropPadding;
        private Double minScale;
        private double maxScale;
        private double minRatio = 3.0 / 4;
        private double maxRatio = 4.0 / 3;
        private double flipProbability;
        private double maxDegrees;
        private double minBrightness = 1;
        private double maxBrightness = 1;
        private double minContrast = 1;
        private double maxContrast = 1;
        private Padding padding = Padding.ZERO;
        private long seed;

        private Builder() {}

        /**
         * Random crop with padding: each image is shifted by up to {@code padding} whole pixels
         * in x and y, the uncovered border filled as {@link #optPadding} says (default off).
         *
         * @param padding the largest shift in pixels, at least 1
         * @return this builder
         */
        public Builder optRandomCrop(int padding) {
            this.cropPadding = padding;
            return this;
        }

        /**
         * Random resized crop: each image is replaced by a crop covering a random share of its
         * area in {@code [minScale, maxScale]}, with an aspect ratio in the ratio range (default
         * 3/4 to 4/3), placed at random and resized back to the full size (default off).
         *
         * @param minScale smallest share of the area, in (0, 1]
         * @param maxScale largest share of the area, in [minScale, 1]
         * @return this builder
         */
        public Builder optRandomResizedCrop(double minScale, double maxScale) {
            this.minScale = minScale;
            this.maxScale = maxScale;
            return this;
        }

        /**
         * The aspect-ratio range (width / height) of random resized crops (default 3/4 to 4/3).
         *
         * @param minRatio smallest ratio, positive
         * @param maxRatio largest ratio, at least {@code minRatio}
         * @return this builder
         */
        public Builder optAspectRatioRange(double minRatio, double maxRatio) {
            this.minRatio = minRatio;
            this.maxRatio = maxRatio;
            return this;
        }

        /**
         * Flips each image left-right with this probability (default 0).
         *
         * @param probability in [0, 1]
         * @return this builder
         */
        public Builder optHorizontalFlip(double probability) {
            this.flipProbability = probability;
            return this;
        }

        /**
         * Rotates each image by an angle drawn uniformly from {@code [-maxDegrees, maxDegrees]}
         * (default 0).
         *
         * @param maxDegrees the largest angle in degrees, in [0, 180]
         * @return this builder
         */
        public Builder optRotation(double maxDegrees) {
            this.maxDegrees = maxDegrees;
            return this;
        }

        /**
         * Multiplies each image by a factor drawn uniformly from {@code [min, max]} (default 1 to 1).
         *
         * @param min smallest factor, non-negative
         * @param max largest factor, at least {@code min}
         * @return this builder
         */
        public Builder optBrightness(double min, double max) {
            this.minBrightness = min;
            this.maxBrightness = max;
            return this;
        }

        /**
         * Scales each image's deviation from its mean by a factor drawn uniformly from
         * {@code [min, max]} (default 1 to 1).
         *
         * @param min smallest factor, non-negative
         * @param max largest factor, at least {@code min}
         * @return this builder
         */
        public Builder optContrast(double min, double max) {
            this.minContrast = min;
            this.maxContrast = max;
            return this;
        }

        /**
         * What pixels from outside the image read (default {@link Padding#ZERO}).
         *
         * @param padding zero or edge
         * @return this builder
         */
        public Builder optPadding(Padding padding) {
            this.padding = padding;
            return this;
        }

        /**
         * The random seed (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        private static void checkRange(String what, String method, double min, double max) {
            if (!(min >= 0 && min <= max && Double.isFinite(max))) {
                throw new IllegalArgumentException("The " + what + " range of ImageAugmentation (" + method
                        + ") must satisfy 0 <= min <= max, got " + min + " to " + max + ".");
            }
        }

        /**
         * Validates the settings and builds the augmentation.
         *
         * @return the augmentation
         * @throws IllegalArgumentException naming the bad setting, or if both kinds of random crop are set
         */
        public ImageAugmentation build() {
            if (cropPadding != null && cropPadding < 1) {
                throw new IllegalArgumentException("The random crop padding of ImageAugmentation (optRandomCrop) must"
                        + " be at least 1 pixel, got " + cropPadding + ".");
            }
            if (minScale != null && !(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
                throw new IllegalArgumentException("The random resized crop scale range of ImageAugmentation"
                        + " (optRandomResizedCrop) must satisfy 0 < min <= max <= 1, got " + minScale + " to "
                        + maxScale + ".");
            }
            if (!(minRatio > 0 && minRatio <= maxRatio && Double.isFinite(maxRatio))) {
                throw new IllegalArgumentException("The aspect ratio range of ImageAugmentation (optAspectRatioRange)"
                        + " must satisfy 0 < min <= max, got " + minRatio + " to " + maxRatio + ".");
            }
            if (!(flipProbability >= 0 && flipProbability <= 1)) {
                throw new IllegalArgumentException("The horizontal flip probability of ImageAugmentation"
                        + " (optHorizontalFlip) must be in [0, 1], got " + flipProbability + ".");
            }
            if (!(maxDegrees >= 0 && maxDegrees <= 180)) {
                throw new IllegalArgumentException("The maximum rotation of ImageAugmentation (optRotation) must be in"
                        + " [0, 180] degrees, got " + maxDegrees + ".");
            }
            checkRange("brightness", "optBrightness", minBrightness, maxBrightness);
            checkRange("contrast", "optContrast", minContrast, maxContrast);
            if (padding == null) {
                throw new IllegalArgumentException("The padding of ImageAugmentation (optPadding) must not be null.");
            }
            if (cropPadding != null && minScale != null) {
                throw new IllegalArgumentException("ImageAugmentation takes either a random crop with padding"
                        + " (optRandomCrop) or a random resized crop (optRandomResizedCrop), not both.");
            }
            return new ImageAugmentation(this);
        }
    }
}
