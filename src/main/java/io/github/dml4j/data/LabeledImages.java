package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * The in-memory {@link ImageSource}: an immutable set of labelled 8-bit images of one size,
 * stored channel-first (N, C, H, W) as unsigned bytes in one array.
 *
 * <p>IDX files ({@link IdxReader}), image folders ({@link IdentityFolder}) and generated data load
 * into it. It holds 60,000 Fashion-MNIST images in 47 MB, and at most 2 GB of pixels. Unlike the
 * default views of {@link ImageSource}, {@link #subset(int[])} and {@link #filterLabels} copy the
 * chosen images into a new {@code LabeledImages}. Safe to read from several threads.
 */
public final class LabeledImages implements ImageSource {

    private final byte[] pixels;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;

    private LabeledImages(byte[] pixels, int[] labels, int channels, int height, int width) {
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /**
     * Wraps pixels and labels (both are copied).
     *
     * @param pixels unsigned bytes in (N, C, H, W) order
     * @param labels one non-negative class label per image
     * @throws IllegalArgumentException if the sizes do not agree or a label is negative
     */
    public static LabeledImages of(byte[] pixels, int[] labels, int channels, int height, int width) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        return adopt(pixels.clone(), labels.clone(), channels, height, width);
    }

    /**
     * Like {@link #of} but takes ownership of the arrays instead of copying them, for loaders of
     * this package that fill an array of hundreds of megabytes and hand it over.
     */
    static LabeledImages adopt(byte[] pixels, int[] labels, int channels, int height, int width) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(
                    "Image shape must be positive, got " + channels + "x" + height + "x" + width + ".");
        }
        long perImage = (long) channels * height * width;
        if ((long) labels.length * perImage != pixels.length) {
            throw new IllegalArgumentException(
                    "Got " + pixels.length + " pixel bytes for " + labels.length + " labels of images "
                            + channels + "x" + height + "x" + width + " (expected "
                            + labels.length * perImage + ").");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("Label at index " + i + " is negative: " + labels[i] + ".");
            }
        }
        return new LabeledImages(pixels, labels, channels, height, width);
    }

    /** Number of images. */
    @Override
    public int size() {
        return labels.length;
    }

    /** Channels per image. */
    @Override
    public int channels() {
        return channels;
    }

    /** Image height in pixels. */
    @Override
    public int height() {
        return height;
    }

    /** Image width in pixels. */
    @Override
    public int width() {
        return width;
    }

    /** Shape of one image, (C, H, W). */
    @Override
    public Shape imageShape() {
        return new Shape(channels, height, width);
    }

    /** Label of image {@code index}. */
    @Override
    public int label(int index) {
        checkIndex(index);
        return labels[index];
    }

    /** A copy of all labels. */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** Number of distinct labels. */
    @Override
    public int numClasses() {
        return (int) Arrays.stream(labels).distinct().count();
    }

    /** A copy of the raw bytes of image {@code index}, (C, H, W) order. */
    @Override
    public byte[] imageBytes(int index) {
        checkIndex(index);
        int n = channels * height * width;
        return Arrays.copyOfRange(pixels, index * n, (index + 1) * n);
    }

    /** The images at the given indices, in that order (indices may repeat), copied. */
    @Override
    public LabeledImages subset(int[] indices) {
        int n = channels * height * width;
        byte[] p = new byte[indices.length * n];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            checkIndex(indices[i]);
            System.arraycopy(pixels, indices[i] * n, p, i * n, n);
            l[i] = labels[indices[i]];
        }
        return new LabeledImages(p, l, channels, height, width);
    }

    /**
     * The same images with other labels; the pixels are shared, as both sets are immutable.
     *
     * @param newLabels one non-negative label per image
     * @return the relabelled set
     */
    LabeledImages withLabels(int[] newLabels) {
        return adopt(pixels, newLabels.clone(), channels, height, width);
    }

    /** The images whose label satisfies {@code keep}, in their original order, copied. */
    @Override
    public LabeledImages filterLabels(IntPredicate keep) {
        return subset(java.util.stream.IntStream.range(0, labels.length).filter(i -> keep.test(labels[i])).toArray());
    }

    /** The raw pixels of the images at {@code indices}, a uint8 (B, C, H, W) array. */
    @Override
    public NDArray pixels(NDManager manager, long[] indices) {
        int n = channels * height * width;
        ByteBuffer buffer = ByteBuffer.allocateDirect(indices.length * n);
        for (long index : indices) {
            checkIndex(index);
            buffer.put(pixels, (int) index * n, n);
        }
        buffer.rewind();
        return manager.create(buffer, new Shape(indices.length, channels, height, width), DataType.UINT8);
    }

    private void checkIndex(long index) {
        ImageSources.checkIndex(index, labels.length);
    }

    /**
     * A SHA-256 fingerprint of the shape, pixels and labels, in hex, as {@link ImageSource#fingerprint()}
     * defines it, computed from the array.
     */
    @Override
    public String fingerprint() {
        java.security.MessageDigest digest = ImageSources.startFingerprint(labels.length, imageShape());
        digest.update(pixels);
        return ImageSources.finishFingerprint(digest, labels);
    }

    @Override
    public String toString() {
        return "LabeledImages{" + size() + " images " + channels + "x" + height + "x" + width + ", "
                + numClasses() + " classes}";
    }
}
