package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Objects;

/**
 * Some images of another {@link ImageSource}, in a given order and optionally with other labels,
 * read through to it: the default {@link ImageSource#subset(int[])}. A view of a view reads
 * straight from the first source.
 */
final class IndexView implements ImageSource {

    private final ImageSource base;
    private final int[] indices;
    private final int[] labels;

    private IndexView(ImageSource base, int[] indices, int[] labels) {
        this.base = base;
        this.indices = indices;
        this.labels = labels;
    }

    /**
     * A view of {@code source}'s images at {@code indices}.
     *
     * @param source the source to read from
     * @param indices image indices of {@code source}, in the view's order (may repeat)
     * @param labels the view's labels, one per index, or null for the source's labels
     * @throws IndexOutOfBoundsException naming the index and the size if an index is out of range
     * @throws IllegalArgumentException if the labels do not fit the indices or one is negative
     */
    static IndexView of(ImageSource source, int[] indices, int[] labels) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(indices, "indices");
        int size = source.size();
        int[] l = new int[indices.length];
        if (labels != null) {
            if (labels.length != indices.length) {
                throw new IllegalArgumentException("Got " + labels.length + " labels for " + indices.length + " images.");
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0) {
                    throw new IllegalArgumentException("Label at index " + i + " is negative: " + labels[i] + ".");
                }
                l[i] = labels[i];
            }
        }
        int[] mapped = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            ImageSources.checkIndex(indices[i], size);
            if (labels == null) {
                l[i] = source.label(indices[i]);
            }
            mapped[i] = source instanceof IndexView v ? v.indices[indices[i]] : indices[i];
        }
        return new IndexView(source instanceof IndexView v ? v.base : source, mapped, l);
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Shape imageShape() {
        return base.imageShape();
    }

    @Override
    public int label(int index) {
        ImageSources.checkIndex(index, indices.length);
        return labels[index];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public NDArray pixels(NDManager manager, long[] indices) {
        return base.pixels(manager, map(indices));
    }

    /** Forwards the hint to the source, with its own indices. */
    @Override
    public void prefetch(long[] indices) {
        base.prefetch(map(indices));
    }

    private long[] map(long[] indices) {
        long[] mapped = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            ImageSources.checkIndex(indices[i], this.indices.length);
            mapped[i] = this.indices[(int) indices[i]];
        }
        return mapped;
    }

    @Override
    public byte[] imageBytes(int index) {
        ImageSources.checkIndex(index, indices.length);
        return base.imageBytes(indices[index]);
    }

    @Override
    public String toString() {
        return "ImageSource{" + indices.length + " images of " + base + '}';
    }
}
