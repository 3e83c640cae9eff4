package io.github.dml4j.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.LongStream;

/** What the {@link ImageSource} defaults and this package's readers of whole sources share. */
final class ImageSources {

    /** About how many pixel bytes a whole source is read in at a time. */
    private static final int STREAM_BYTES = 1 << 22;

    private ImageSources() {}

    /**
     * Checks an image index.
     *
     * @throws IndexOutOfBoundsException naming the index and the size
     */
    static void checkIndex(long index, int size) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("Image index " + index + " is outside this set of " + size + " images.");
        }
    }

    /** Receives the pixels of consecutive images. */
    @FunctionalInterface
    interface PixelBatches<E extends Exception> {

        /**
         * @param first the index of the first image
         * @param count the number of images
         * @param pixels their bytes, (count, C, H, W) order
         */
        void accept(int first, int count, byte[] pixels) throws E;
    }

    /**
     * Reads every image of a source once, in order, in batches of about 4 MB, each in its own
     * manager, hinting each next batch to {@link ImageSource#prefetch} before reading the current.
     *
     * @throws IllegalStateException if the source gives a batch of the wrong size
     */
    static <E extends Exception> void forEachBatch(ImageSource source, PixelBatches<E> consumer) throws E {
        int n = source.size();
        if (n == 0) {
            return;
        }
        long perImage = source.imageShape().size();
        int batch = (int) Math.max(1, Math.min(n, STREAM_BYTES / perImage));
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int first = 0; first < n; first += batch) {
                int count = Math.min(batch, n - first);
                if (first + count < n) {
                    int next = first + count;
                    source.prefetch(LongStream.range(next, next + Math.min(batch, n - next)).toArray());
                }
                byte[] pixels;
                try (NDManager b = manager.newSubManager()) {
                    pixels = source.pixels(b, LongStream.range(first, first + count).toArray()).toByteArray();
                }
                if (pixels.length != count * perImage) {
                    throw new IllegalStateException(source.getClass().getName() + ".pixels gave " + pixels.length
                            + " bytes for " + count + " images of " + source.imageShape() + "; expected "
                            + count * perImage + ".");
                }
                consumer.accept(first, count, pixels);
            }
        }
    }

    /** The default {@link ImageSource#fingerprint()}: reads the pixels through the engine. */
    static String fingerprint(ImageSource source) {
        MessageDigest digest = startFingerprint(source.size(), source.imageShape());
        forEachBatch(source, (first, count, pixels) -> digest.update(pixels));
        return finishFingerprint(digest, source.labels());
    }

    /** A digest that has read the header: size, channels, height and width as big-endian ints. */
    static MessageDigest startFingerprint(int size, Shape imageShape) {
        MessageDigest digest = FileDigests.newSha256();
        digest.update(ByteBuffer.allocate(16).putInt(size).putInt((int) imageShape.get(0))
                .putInt((int) imageShape.get(1)).putInt((int) imageShape.get(2)).array());
        return digest;
    }

    /** Adds the labels as big-endian ints and returns the digest in hex. */
    static String finishFingerprint(MessageDigest digest, int[] labels) {
        ByteBuffer l = ByteBuffer.allocate(labels.length * 4);
        l.asIntBuffer().put(labels);
        digest.update(l.array());
        return HexFormat.of().formatHex(digest.digest());
    }
}
