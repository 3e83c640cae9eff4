package io.github.dml4j.data;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.transform.CenterCrop;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
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
        byte[] fast = wholeFactorAreaRgb(image);
        if (fast != null) {
            return fast;
        }
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

    /**
     * The common case of a colour photo shrunk by a whole factor (128 to 64 pixels, 224 to 112)
     * with nothing to crop, computed in Java from the decoded raster: the same bytes as the engine
     * path (area averaging is then the mean of each k x k block, summed exactly and divided in
     * float as libtorch's adaptive average pooling does, rounded half to even), without the
     * engine calls that cost more than decoding a small JPEG. Null for any other case.
     */
    private byte[] wholeFactorAreaRgb(Image image) {
        if (color != ColorMode.RGB || !(image.getWrappedImage() instanceof BufferedImage b)) {
            return null;
        }
        int h = b.getHeight();
        int w = b.getWidth();
        if (h % height != 0 || w % width != 0 || h / height != w / width) {
            return null;
        }
        int k = h / height;
        if (b.getRaster().getParent() != null || b.getRaster().getSampleModelTranslateX() != 0
                || b.getRaster().getSampleModelTranslateY() != 0
                || !(b.getSampleModel() instanceof java.awt.image.ComponentSampleModel
                        || b.getSampleModel() instanceof java.awt.image.SinglePixelPackedSampleModel)) {
            return null;
        }
        if (b.getSampleModel() instanceof java.awt.image.ComponentSampleModel c
                && (c.getScanlineStride() != w * 3 || c.getPixelStride() != 3)) {
            return null;
        }
        if (b.getSampleModel() instanceof java.awt.image.SinglePixelPackedSampleModel c && c.getScanlineStride() != w) {
            return null;
        }
        boolean bgr = b.getType() == BufferedImage.TYPE_3BYTE_BGR;
        if (!bgr && b.getType() != BufferedImage.TYPE_INT_RGB) {
            return null;
        }
        int plane = height * width;
        byte[] out = new byte[3 * plane];
        float count = k * k;
        if (bgr) {
            byte[] raster = ((DataBufferByte) b.getRaster().getDataBuffer()).getData();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r = 0;
                    int g = 0;
                    int bl = 0;
                    for (int dy = 0; dy < k; dy++) {
                        int row = ((y * k + dy) * w + x * k) * 3;
                        for (int dx = 0; dx < k; dx++) {
                            int p = row + dx * 3;
                            bl += raster[p] & 0xff;
                            g += raster[p + 1] & 0xff;
                            r += raster[p + 2] & 0xff;
                        }
                    }
                    int o = y * width + x;
                    out[o] = (byte) Math.rint(r / count);
                    out[plane + o] = (byte) Math.rint(g / count);
                    out[2 * plane + o] = (byte) Math.rint(bl / count);
                }
            }
        } else {
            int[] raster = ((DataBufferInt) b.getRaster().getDataBuffer()).getData();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int r = 0;
                    int g = 0;
                    int bl = 0;
                    for (int dy = 0; dy < k; dy++) {
                        int row = (y * k + dy) * w + x * k;
                        for (int dx = 0; dx < k; dx++) {
                            int v = raster[row + dx];
                            r += (v >> 16) & 0xff;
                            g += (v >> 8) & 0xff;
                            bl += v & 0xff;
                        }
                    }
                    int o = y * width + x;
                    out[o] = (byte) Math.rint(r / count);
                    out[plane + o] = (byte) Math.rint(g / count);
                    out[2 * plane + o] = (byte) Math.rint(bl / count);
                }
            }
        }
        return out;
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
