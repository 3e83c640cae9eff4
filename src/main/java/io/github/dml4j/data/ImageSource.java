package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * A labelled set of 8-bit images of one size, whatever holds the pixels: what training, the DJL
 * datasets, the splits, the model card's data fingerprint and embedding read.
 *
 * <p>Image {@code i}, for {@code 0 <= i < size()}, is a (C, H, W) array of unsigned bytes with a
 * non-negative integer label. {@link LabeledImages} is the in-memory implementation (IDX files,
 * image folders and generated data load into it); another implementation may read its pixels
 * from disk batch by batch, or compute them from the index, so that sets larger than memory can
 * be trained on and evaluated. An implementation delivers raw pixels only ({@link #pixels}); the
 * engine scales and normalizes them ({@link #toNDArray}), and the labels come as plain ints.
 *
 * <p>What an implementation must guarantee:
 * <ul>
 *   <li><b>Immutability.</b> The size, the image shape and the labels never change: {@link #label}
 *       returns the same value for an index on every call, and {@link #labels()} returns a new
 *       array each time, so no caller can change them. The pixels of an index are the same on
 *       every read, so that a fingerprint, a rerun with the same seed and an evaluation see the
 *       same data.</li>
 *   <li><b>Thread safety.</b> {@link #pixels} (and every other method) may be called from
 *       several threads at once, for example by DJL's data loaders or by an evaluation running
 *       next to training, each call with its own manager.</li>
 *   <li><b>Index checks.</b> A method given an index outside {@code [0, size())} throws an
 *       {@link IndexOutOfBoundsException} whose message names the index and the size, such as
 *       {@code "Image index 12 is outside this set of 10 images."}; never a wrong image.</li>
 * </ul>
 *
 * <p>The views {@link #subset(int[])} and {@link #filterLabels(IntPredicate)} read through to this
 * source without copying pixels by default; {@link LabeledImages} overrides them to return
 * in-memory copies.
 */
public interface ImageSource {

    /**
     * The number of images.
     *
     * @return the size, at least 0
     */
    int size();

    /**
     * The shape of one image, (C, H, W), the same for every image.
     *
     * @return a three-dimensional shape of positive sizes
     */
    Shape imageShape();

    /**
     * Channels per image, the C of {@link #imageShape()}.
     *
     * @return the channels
     */
    default int channels() {
        return (int) imageShape().get(0);
    }

    /**
     * Image height in pixels, the H of {@link #imageShape()}.
     *
     * @return the height
     */
    default int height() {
        return (int) imageShape().get(1);
    }

    /**
     * Image width in pixels, the W of {@link #imageShape()}.
     *
     * @return the width
     */
    default int width() {
        return (int) imageShape().get(2);
    }

    /**
     * The label of one image.
     *
     * @param index an image index
     * @return its non-negative label, the same on every call
     * @throws IndexOutOfBoundsException naming the index and the size if it is out of range
     */
    int label(int index);

    /**
     * All labels, in image order.
     *
     * @return a new array of {@link #size()} labels, which the caller may change
     */
    int[] labels();

    /**
     * The number of distinct labels.
     *
     * @return the number of classes
     */
    default int numClasses() {
        return (int) Arrays.stream(labels()).distinct().count();
    }

    /**
     * The raw pixels of some images as one uint8 array of shape (B, C, H, W), B the number of
     * indices, created in {@code manager}. Indices may repeat and come in any order.
     *
     * @param manager the manager that owns the returned array
     * @param indices image indices
     * @return the images at {@code indices}, in that order
     * @throws IndexOutOfBoundsException naming the index and the size if an index is out of range
     */
    NDArray pixels(NDManager manager, long[] indices);

    /**
     * A hint that {@link #pixels} will soon be asked for the images at {@code indices}, in that
     * order: an implementation that reads from disk may start decoding them in the background so
     * that the call finds them ready. A trainer calls it for the next few batches (see
     * {@code BatchSource.imageIndices}) before it reads the current one; an evaluation for the
     * next batch. The hint never changes what {@link #pixels} returns, only how soon; hint batches
     * in the order they will be read, a few ahead at most ({@link StreamingImages} keeps a bounded
     * number and drops the oldest beyond it). The default does nothing, which is right for
     * in-memory sources.
     *
     * @param indices image indices of a batch soon to be read (or of several batches read one
     *     after the other, e.g. the first and then the second images of pairs)
     * @throws IndexOutOfBoundsException naming the index and the size if an index is out of range
     *     (an implementation may also ignore a hint it cannot use)
     */
    default void prefetch(long[] indices) {}

    /**
     * The raw bytes of one image in (C, H, W) order, for writing or showing single images; read
     * batches with {@link #pixels} instead.
     *
     * @param index an image index
     * @return a new array of C * H * W bytes
     * @throws IndexOutOfBoundsException naming the index and the size if it is out of range
     */
    default byte[] imageBytes(int index) {
        ImageSources.checkIndex(index, size());
        try (NDManager manager = NDManager.newBaseManager()) {
            return pixels(manager, new long[] {index}).toByteArray();
        }
    }

    /**
     * A float32 batch of shape (B, C, H, W) of the images at {@code indices}, scaled to [0, 1] and
     * normalized on the engine, ready for a network.
     *
     * @param manager the manager that owns the returned array
     * @param indices image indices
     * @param normalization how the scaled pixels are normalized
     * @return the normalized images
     * @throws IndexOutOfBoundsException naming the index and the size if an index is out of range
     * @throws IllegalStateException if {@link #pixels} gives an array of another type or shape
     */
    default NDArray toNDArray(NDManager manager, long[] indices, PixelNormalization normalization) {
        Objects.requireNonNull(normalization, "normalization");
        for (long index : indices) {
            ImageSources.checkIndex(index, size());
        }
        NDArray raw = pixels(manager, indices);
        Shape expected = new Shape(indices.length).addAll(imageShape());
        if (raw.getDataType() != DataType.UINT8 || !raw.getShape().equals(expected)) {
            throw new IllegalStateException(getClass().getName() + ".pixels gave a " + raw.getDataType() + " array of shape "
                    + raw.getShape() + " for " + indices.length + " images; expected UINT8 of shape " + expected + ".");
        }
        NDArray input = normalization.apply(raw);
        raw.close();
        return input;
    }

    /**
     * The labels at {@code indices} as an int64 vector.
     *
     * @param manager the manager that owns the returned array
     * @param indices image indices
     * @return a (B) int64 array
     * @throws IndexOutOfBoundsException naming the index and the size if an index is out of range
     */
    default NDArray labelsNDArray(NDManager manager, long[] indices) {
        long[] l = new long[indices.length];
        int size = size();
        for (int i = 0; i < indices.length; i++) {
            ImageSources.checkIndex(indices[i], size);
            l[i] = label((int) indices[i]);
        }
        return manager.create(l);
    }

    /**
     * A SHA-256 fingerprint of the shape, pixels and labels, in hex: two sources with the same
     * fingerprint hold the same images with the same labels in the same order, whatever their
     * implementation. Model cards record it. The default reads every image once, in batches.
     *
     * @return 64 lowercase hex digits
     */
    default String fingerprint() {
        return ImageSources.fingerprint(this);
    }

    /**
     * The images at the given indices, in that order (indices may repeat), with their labels.
     * The default is a view that reads through to this source without copying its pixels.
     *
     * @param indices image indices
     * @return a source of {@code indices.length} images
     * @throws IndexOutOfBoundsException naming the index and the size if an index is out of range
     */
    default ImageSource subset(int[] indices) {
        return IndexView.of(this, indices, null);
    }

    /**
     * The images whose label satisfies {@code keep}, in their original order; a view like
     * {@link #subset(int[])}.
     *
     * @param keep which labels to keep
     * @return the images of the kept labels
     */
    default ImageSource filterLabels(IntPredicate keep) {
        Objects.requireNonNull(keep, "keep");
        int[] labels = labels();
        return subset(IntStream.range(0, labels.length).filter(i -> keep.test(labels[i])).toArray());
    }

    /**
     * The images of some classes, in their original order, relabelled 0..k-1 by the position of
     * their class in {@code classes}: a class split (training and validation classes) that a
     * classification loss of k classes can train on. A view, like {@link #subset(int[])}.
     *
     * @param classes distinct labels of this source
     * @return the images of those classes, labelled by position
     * @throws IllegalArgumentException if a label repeats or has no image
     */
    default ImageSource selectClasses(int... classes) {
        Objects.requireNonNull(classes, "classes");
        java.util.Map<Integer, Integer> position = new java.util.HashMap<>();
        for (int i = 0; i < classes.length; i++) {
            if (position.put(classes[i], i) != null) {
                throw new IllegalArgumentException("Class " + classes[i] + " is selected twice.");
            }
        }
        int[] labels = labels();
        int[] indices = IntStream.range(0, labels.length).filter(i -> position.containsKey(labels[i])).toArray();
        int[] relabelled = new int[indices.length];
        boolean[] seen = new boolean[classes.length];
        for (int i = 0; i < indices.length; i++) {
            relabelled[i] = position.get(labels[indices[i]]);
            seen[relabelled[i]] = true;
        }
        for (int i = 0; i < classes.length; i++) {
            if (!seen[i]) {
                throw new IllegalArgumentException("Class " + classes[i] + " has no image in this set of " + size()
                        + " images.");
            }
        }
        return IndexView.of(this, indices, relabelled);
    }
}
