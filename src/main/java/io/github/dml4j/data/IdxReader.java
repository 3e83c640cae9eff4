package io.github.dml4j.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes IDX files, the format of MNIST and Fashion-MNIST: a big-endian header
 * (a magic number, then one 32-bit size per dimension) followed by the raw values.
 *
 * <p>Only the unsigned-byte variants are supported: images with magic {@code 0x00000803}
 * and dimensions (N, H, W), labels with magic {@code 0x00000801} and dimension (N). Files
 * may be plain or gzip-compressed; compression is detected from the gzip magic bytes
 * ({@code 1f 8b}), never from the file name.
 *
 * <p>Every error message names the file and what is wrong with it: a missing file, a wrong
 * magic number (expected and found, in hex), a truncated file (bytes expected and bytes
 * available) or image and label files that disagree on the number of items.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with three dimensions (N, H, W). */
    public static final int IMAGES_MAGIC = 0x00000803;

    /** Magic number of an IDX file of unsigned bytes with one dimension (N). */
    public static final int LABELS_MAGIC = 0x00000801;

    private IdxReader() {
    }

    /**
     * Reads an image file and its label file into 1-channel {@link LabeledImages}.
     *
     * @param images IDX file of unsigned bytes, (N, H, W), plain or gzip
     * @param labels IDX file of unsigned bytes, (N), plain or gzip
     * @return the N images of shape (1, H, W) with their labels
     * @throws NoSuchFileException if a file does not exist
     * @throws IOException if a file cannot be read, has the wrong magic number or is truncated,
     *     or if the two files hold different numbers of items
     */
    public static LabeledImages read(Path images, Path labels) throws IOException {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        Idx img = readIdx(images, IMAGES_MAGIC, "image");
        Idx lab = readIdx(labels, LABELS_MAGIC, "label");
        if (img.dims[0] != lab.dims[0]) {
            throw new IOException("The image file " + images + " holds " + img.dims[0]
                    + " images but the label file " + labels + " holds " + lab.dims[0]
                    + " labels; they must hold the same number.");
        }
        int[] l = new int[lab.values.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = lab.values[i] & 0xFF;
        }
        return LabeledImages.of(img.values, l, 1, img.dims[1], img.dims[2]);
    }

    /**
     * Writes 1-channel images and their labels as two IDX files (magic {@code 0x00000803} and
     * {@code 0x00000801}), replacing existing files.
     *
     * @param images where to write the (N, H, W) image file
     * @param labels where to write the (N) label file
     * @param data the images, read once in batches; they must have one channel and labels in [0, 255]
     * @param gzip whether to gzip-compress both files
     * @throws IllegalArgumentException if the images have more than one channel or a label
     *     does not fit in an unsigned byte
     * @throws IOException if a file cannot be written
     */
    public static void write(Path images, Path labels, ImageSource data, boolean gzip) throws IOException {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(data, "data");
        if (data.channels() != 1) {
            throw new IllegalArgumentException("IDX image files hold 1-channel images, but the images have "
                    + data.channels() + " channels.");
        }
        int n = data.size();
        byte[] labelBytes = new byte[n];
        for (int i = 0; i < n; i++) {
            int label = data.label(i);
            if (label > 255) {
                throw new IllegalArgumentException("IDX label files hold labels in [0, 255], but the label at index "
                        + i + " is " + label + ".");
            }
            labelBytes[i] = (byte) label;
        }
        try (OutputStream out = open(images, gzip)) {
            writeInt(out, IMAGES_MAGIC);
            writeInt(out, n);
            writeInt(out, data.height());
            writeInt(out, data.width());
            ImageSources.forEachBatch(data, (first, count, pixels) -> out.write(pixels));
        }
        try (OutputStream out = open(labels, gzip)) {
            writeInt(out, LABELS_MAGIC);
            writeInt(out, n);
            out.write(labelBytes);
        }
    }

    /** Parsed IDX content: dimensions and the values. */
    private record Idx(int[] dims, byte[] values) {
    }

    private static Idx readIdx(Path file, int expectedMagic, String kind) throws IOException {
        if (!Files.isRegularFile(file)) {
            if (Files.isDirectory(file)) {
                throw new IOException("The IDX " + kind + " file " + file + " is a directory, not a file.");
            }
            throw new NoSuchFileException(file.toString(), null, "IDX " + kind + " file not found");
        }
        try (InputStream in = openForReading(file)) {
            int dimCount = expectedMagic & 0xFF;
            int headerBytes = 4 * (1 + dimCount);
            byte[] header = new byte[headerBytes];
            int got = readUpTo(in, header, file);
            if (got < 4) {
                throw new IOException("The IDX " + kind + " file " + file + " is truncated: expected a header of "
                        + headerBytes + " bytes but only " + got + " bytes are available.");
            }
            int magic = intAt(header, 0);
            if (magic != expectedMagic) {
                throw new IOException("The IDX " + kind + " file " + file + " has a wrong magic number: expected "
                        + hex(expectedMagic) + " but found " + hex(magic) + describe(magic) + ".");
            }
            if (got < headerBytes) {
                throw new IOException("The IDX " + kind + " file " + file + " is truncated: expected a header of "
                        + headerBytes + " bytes but only " + got + " bytes are available.");
            }
            int[] dims = new int[dimCount];
            long total = 1;
            for (int d = 0; d < dimCount; d++) {
                dims[d] = intAt(header, 4 * (d + 1));
                if (dims[d] < 0) {
                    throw new IOException("The IDX " + kind + " file " + file + " declares dimension " + d
                            + " of size " + Integer.toUnsignedString(dims[d]) + ", which is too large.");
                }
                total *= dims[d];
            }
            if (total > Integer.MAX_VALUE - 16) {
                throw new IOException("The IDX " + kind + " file " + file + " declares " + total
                        + " values, more than one Java array can hold.");
            }
            byte[] values = new byte[(int) total];
            int available = readUpTo(in, values, file);
            if (available < values.length) {
                throw new IOException("The IDX " + kind + " file " + file + " is truncated: expected "
                        + (headerBytes + total) + " bytes (header " + headerBytes + " + data " + total
                        + ") but only " + (headerBytes + available) + " bytes are available.");
            }
            return new Idx(dims, values);
        }
    }

    private static String describe(int magic) {
        if (magic == LABELS_MAGIC) {
            return " (that of an IDX label file)";
        }
        if (magic == IMAGES_MAGIC) {
            return " (that of an IDX image file)";
        }
        if ((magic >>> 16) != 0) {
            return " (not an IDX file)";
        }
        return "";
    }

    /** Opens a file, decompressing it if it starts with the gzip magic bytes 1f 8b. */
    private static InputStream openForReading(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
            }
            return raw;
        } catch (IOException e) {
            raw.close();
            throw new IOException("Cannot read the IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fills {@code buffer} as far as the stream allows. A gzip stream that ends early counts as
     * the end of the data, so that truncation is reported with byte counts.
     */
    private static int readUpTo(InputStream in, byte[] buffer, Path file) throws IOException {
        int off = 0;
        try {
            while (off < buffer.length) {
                int r = in.read(buffer, off, buffer.length - off);
                if (r < 0) {
                    break;
                }
                off += r;
            }
        } catch (EOFException e) {
            // truncated gzip stream: report what was available
        } catch (java.util.zip.ZipException e) {
            throw new IOException("The IDX file " + file + " is not a valid gzip file: " + e.getMessage(), e);
        }
        return off;
    }

    private static int intAt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }

    private static OutputStream open(Path file, boolean gzip) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        return gzip ? new GZIPOutputStream(out, 1 << 16) : out;
    }

    private static void writeInt(OutputStream out, int v) throws IOException {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
