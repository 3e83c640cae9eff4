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
 * An immutable, in-memory set of labelled 8-bit images of one size, stored channel-first
 * (N, C, H, W) as unsigned bytes.
 *
 * <p>This is the form every DML4J data source ends in: IDX files, image folders and
 * generated data. It holds 60,000 Fashion-MNIST images in 47 MB. Batches are turned into
 * normalized float tensors on the engine by {@link #toNDArray(NDManager, long[], PixelNormalization)}.
 */
public final class LabeledImages {

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
    public int size() {
        return labels.length;
    }

    /** Channels per image. */
    public int channels() {
        return channels;
    }

    /** Image height in pixels. */
    public int height() {
        return height;
    }

    /** Image width in pixels. */
    public int width() {
        return width;
    }

    /** Shape of one image, (C, H, W). */
    public Shape imageShape() {
        return new Shape(channels, height, width);
    }

    /** Label of image {@code index}. */
    public int label(int index) {
        return labels[index];
    }

    /** A copy of all labels. */
    public int[] labels() {
        return labels.clone();
    }

    /** Number of distinct labels. */
    public int numClasses() {
        return (int) Arrays.stream(labels).distinct().count();
    }

    /** A copy of the raw bytes of image {@code index}, (C, H, W) order. */
    public byte[] imageBytes(int index) {
        checkIndex(index);
        int n = channels * height * width;
        return Arrays.copyOfRange(pixels, index * n, (index + 1) * n);
    }

    /** The images at the given indices, in that order (indices may repeat). */
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

    /** The images whose label satisfies {@code keep}, in their original order. */
    public LabeledImages filterLabels(IntPredicate keep) {
        return subset(java.util.stream.IntStream.range(0, labels.length).filter(i -> keep.test(labels[i])).toArray());
    }

    /**
     * Creates a float32 batch of shape (B, C, H, W) from the images at {@code indices}, scaled
     * and normalized on the engine.
     */
    public NDArray toNDArray(NDManager manager, long[] indices, PixelNormalization normalization) {
        int n = channels * height * width;
        ByteBuffer buffer = ByteBuffer.allocateDirect(indices.length * n);
        for (long index : indices) {
            checkIndex(index);
            buffer.put(pixels, (int) index * n, n);
        }
        buffer.rewind();
        NDArray raw = manager.create(buffer, new Shape(indices.length, channels, height, width), DataType.UINT8);
        return normalization.apply(raw);
    }

    /** Creates an int64 vector of the labels at {@code indices}. */
    public NDArray labelsNDArray(NDManager manager, long[] indices) {
        long[] l = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            checkIndex(indices[i]);
            l[i] = labels[(int) indices[i]];
        }
        return manager.create(l);
    }

    private void checkIndex(long index) {
        if (index < 0 || index >= labels.length) {
            throw new IndexOutOfBoundsException(
                    "Image index " + index + " is outside this set of " + labels.length + " images.");
        }
    }

    /**
     * A SHA-256 fingerprint of the shape, pixels and labels, in hex: two sets with the same
     * fingerprint hold the same images in the same order. Recorded in model cards.
     */
    public String fingerprint() {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            ByteBuffer header = ByteBuffer.allocate(16).putInt(labels.length).putInt(channels).putInt(height).putInt(width);
            digest.update(header.array());
            digest.update(pixels);
            ByteBuffer l = ByteBuffer.allocate(labels.length * 4);
            l.asIntBuffer().put(labels);
            digest.update(l.array());
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime.", e);
        }
    }

    @Override
    public String toString() {
        return "LabeledImages{" + size() + " images " + channels + "x" + height + "x" + width + ", "
                + numClasses() + " classes}";
    }
}
