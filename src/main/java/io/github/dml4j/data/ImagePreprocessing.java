package io.github.dml4j.data;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.CenterCrop;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Objects;

/**
 * How a decoded image becomes the fixed-size 8-bit (C, H, W) pixels that {@link LabeledImages}
 * holds: colour conversion, then either resize of the shorter side and a centre crop (the usual
 * face pipeline, keeping the aspect ratio) or a plain resize to the target size.
 *
 * <p>The work is done with DJL: {@link Image#toNDArray(NDManager, Image.Flag)} for the colour
 * conversion (its grayscale is a luma weighting of R, G and B; grayscale files keep their exact
 * values), DJL's {@link Resize} transform (area averaging when shrinking, bilinear when
 * enlarging) and {@link CenterCrop}, all on (H, W, C) arrays, where they work for 1 and 3
 * channels alike. DJL's {@code Image.resize} is not used: on a grayscale image it goes through
 * an RGB colour conversion that changes the values. Results are rounded to the nearest integer.
 * Scaling to [0, 1] and mean/std normalization are not done here but at batch time by
 * {@link PixelNormalization}, so that the stored bytes stay compact and the normalization is
 * recorded with the model.
 *
 * <pre>{@code
 * ImagePreprocessing faces = ImagePreprocessing.builder()
 *         .setSize(112, 112).optColor(ColorMode.RGB).build();
 * byte[] chw = faces.apply(ImageFiles.read(path), manager);   // 3 * 112 * 112 bytes
 * }</pre>
 */
public final class ImagePreprocessing {

    /** How an image of another aspect ratio is brought to the target size. */
    public enum Fit {
        /** Resize so that the image covers the target size, then cut the centre (aspect kept). */
        RESIZE_AND_CENTER_CROP,
        /** Resize straight to the target size (aspect ratio may change). */
        RESIZE
    }

    private final int height;
    private final int width;
    private final ColorMode color;
    private final Fit fit;

    private ImagePreprocessing(Builder b) {
        this.height = b.height;
        this.width = b.width;
        this.color = b.color;
        this.fit = b.fit;
    }

    /**
     * A builder; the target size is required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Target height in pixels. */
    public int height() {
        return height;
    }

    /** Target width in pixels. */
    public int width() {
        return width;
    }

    /** Colour of the output. */
    public ColorMode color() {
        return color;
    }

    /** How other aspect ratios are fitted. */
    public Fit fit() {
        return fit;
    }

    /** Output channels: 1 for grayscale, 3 for RGB. */
    public int channels() {
        return color.channels();
    }

    /** Shape of one output image, (C, H, W). */
    public Shape imageShape() {
        return new Shape(channels(), height, width);
    }

    /**
     * Converts, resizes and crops one image.
     *
     * @param image a decoded image, e.g. from {@link ImageFiles#read}
     * @param manager a manager for the temporary arrays (they are closed before returning)
     * @return {@code C * H * W} unsigned bytes in (C, H, W) order
     */
    public byte[] apply(Image image, NDManager manager) {
        Objects.requireNonNull(image, "image");
        try (NDManager scratch = manager.newSubManager()) {
            NDArray hwc = image.toNDArray(scratch, color.imageFlag());
            int h = image.getHeight();
            int w = image.getWidth();
            int resizedH = height;
            int resizedW = width;
            if (fit == Fit.RESIZE_AND_CENTER_CROP) {
                double scale = Math.max((double) height / h, (double) width / w);
                resizedH = Math.max(height, (int) Math.round(h * scale));
                resizedW = Math.max(width, (int) Math.round(w * scale));
            }
            if (resizedH != h || resizedW != w) {
                Image.Interpolation how = resizedH <= h && resizedW <= w
                        ? Image.Interpolation.AREA : Image.Interpolation.BILINEAR;
                NDArray resized = new Resize(resizedW, resizedH, how).transform(hwc.toType(DataType.FLOAT32, false));
                hwc = resized.round().clip(0, 255).toType(DataType.UINT8, false);
            }
            if (resizedH != height || resizedW != width) {
                hwc = new CenterCrop(width, height).transform(hwc);
            }
            return hwc.transpose(2, 0, 1).toByteArray();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePreprocessing p && p.height == height && p.width == width
                && p.color == color && p.fit == fit;
    }

    @Override
    public int hashCode() {
        return Objects.hash(height, width, color, fit);
    }

    @Override
    public String toString() {
        return "ImagePreprocessing{" + height + "x" + width + ", " + color + ", " + fit + '}';
    }

    /** Builder of {@link ImagePreprocessing}. */
    public static final class Builder {
        private int height;
        private int width;
        private ColorMode color = ColorMode.RGB;
        private Fit fit = Fit.RESIZE_AND_CENTER_CROP;

        private Builder() {}

        /**
         * The output size (required).
         *
         * @param height output height in pixels, positive
         * @param width output width in pixels, positive
         * @return this builder
         */
        public Builder setSize(int height, int width) {
            this.height = height;
            this.width = width;
            return this;
        }

        /**
         * The output colour (default {@link ColorMode#RGB}).
         *
         * @param color grayscale or RGB
         * @return this builder
         */
        public Builder optColor(ColorMode color) {
            this.color = color;
            return this;
        }

        /**
         * How other aspect ratios are fitted (default {@link Fit#RESIZE_AND_CENTER_CROP}).
         *
         * @param fit the fitting
         * @return this builder
         */
        public Builder optFit(Fit fit) {
            this.fit = fit;
            return this;
        }

        /**
         * Validates the settings and builds the preprocessing.
         *
         * @return the preprocessing
         * @throws IllegalArgumentException naming the bad setting
         */
        public ImagePreprocessing build() {
            if (height <= 0 || width <= 0) {
                throw new IllegalArgumentException("The output size of ImagePreprocessing must be set with"
                        + " setSize(height, width) to positive values, got " + height + "x" + width + ".");
            }
            if (color == null) {
                throw new IllegalArgumentException("The colour of ImagePreprocessing (optColor) must not be null.");
            }
            if (fit == null) {
                throw new IllegalArgumentException("The fit of ImagePreprocessing (optFit) must not be null.");
            }
            return new ImagePreprocessing(this);
        }
    }
}
