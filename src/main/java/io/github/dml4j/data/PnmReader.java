package io.github.dml4j.data;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;

/**
 * Decodes the Netpbm formats (PNM) into 8-bit {@link BufferedImage}s: PGM graymaps ({@code P5}
 * binary, {@code P2} plain) and PBM bitmaps ({@code P4}, {@code P1}) as grayscale, PPM pixmaps
 * ({@code P6}, {@code P3}) as RGB. Java's ImageIO has no reader for any of them, yet face sets
 * ship in them: AT&amp;T/ORL and the cropped Yale faces as PGM, LFWcrop's colour faces as PPM.
 *
 * <p>Samples are scaled to [0, 255] by {@code round(v * 255 / maxval)} (maximum values up to
 * 65535; two-byte binary samples are big-endian); in a bitmap 1 is black. Header comments
 * ({@code #} to the end of the line) are allowed; only the first image of a file is read.
 */
final class PnmReader {

    /** One Netpbm format: its magic digit, name, channels and encoding. */
    private enum Format {
        PBM_PLAIN('1', "PBM", 1, false, true),
        PGM_PLAIN('2', "PGM", 1, false, false),
        PPM_PLAIN('3', "PPM", 3, false, false),
        PBM('4', "PBM", 1, true, true),
        PGM('5', "PGM", 1, true, false),
        PPM('6', "PPM", 3, true, false);

        final char digit;
        final String name;
        final int channels;
        final boolean binary;
        final boolean bitmap;

        Format(char digit, String name, int channels, boolean binary, boolean bitmap) {
            this.digit = digit;
            this.name = name;
            this.channels = channels;
            this.binary = binary;
            this.bitmap = bitmap;
        }

        static Format of(byte[] head) {
            if (head.length < 2 || head[0] != 'P') {
                return null;
            }
            for (Format f : values()) {
                if (head[1] == f.digit) {
                    return f;
                }
            }
            return null;
        }
    }

    private final String file;
    private final byte[] bytes;
    private final Format format;
    private int pos;

    private PnmReader(String file, byte[] bytes, Format format) {
        this.file = file;
        this.bytes = bytes;
        this.format = format;
    }

    /** Whether {@code head} starts with a Netpbm magic number ({@code P1} to {@code P6}). */
    static boolean isPnm(byte[] head) {
        return Format.of(head) != null;
    }

    /**
     * Decodes a PBM, PGM or PPM file's bytes.
     *
     * @param file where the bytes come from (a path or URI), for messages
     * @param bytes its content
     * @return an 8-bit grayscale image (PBM, PGM) or an RGB one (PPM)
     * @throws IOException naming the file and its format if the content is not a valid image
     */
    static BufferedImage decode(String file, byte[] bytes) throws IOException {
        Format format = Format.of(bytes);
        if (format == null) {
            throw new IOException("The file " + file + " is corrupt: it does not start with a Netpbm magic number"
                    + " P1 to P6.");
        }
        return new PnmReader(file, bytes, format).decode();
    }

    private BufferedImage decode() throws IOException {
        pos = 2;
        int width = headerNumber("width");
        int height = headerNumber("height");
        int maxval = format.bitmap ? 1 : headerNumber("maximum value");
        if (width <= 0 || height <= 0) {
            throw corrupt("its size " + width + "x" + height + " is not positive");
        }
        if (maxval <= 0 || maxval > 65535) {
            throw corrupt("its maximum value " + maxval + " is outside 1..65535");
        }
        int channels = format.channels;
        if ((long) width * height * channels > Integer.MAX_VALUE / 2) {
            throw corrupt("its size " + width + "x" + height + " is too large");
        }
        BufferedImage image = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = image.getRaster();
        int n = width * height * channels;
        int[] samples = new int[n];
        if (format.bitmap) {
            readBits(samples, width, height);
        } else if (format.binary) {
            pos++; // the single whitespace byte after the maximum value
            int bytesPerSample = maxval < 256 ? 1 : 2;
            if ((long) pos + (long) n * bytesPerSample > bytes.length) {
                long have = Math.max(0, bytes.length - pos) / bytesPerSample;
                throw corrupt("it ends after " + have + " of its " + n + " samples");
            }
            for (int i = 0; i < n; i++) {
                int v = bytesPerSample == 1 ? bytes[pos++] & 0xFF
                        : (bytes[pos++] & 0xFF) << 8 | (bytes[pos++] & 0xFF);
                samples[i] = scale(v, maxval, i);
            }
        } else {
            for (int i = 0; i < n; i++) {
                samples[i] = scale(number("sample " + (i + 1) + " of " + n), maxval, i);
            }
        }
        raster.setPixels(0, 0, width, height, samples);
        return image;
    }

    /** A bitmap's pixels: 1 is black (0), 0 is white (255); binary rows are padded to whole bytes. */
    private void readBits(int[] samples, int width, int height) throws IOException {
        int n = width * height;
        if (format.binary) {
            pos++;
            int rowBytes = (width + 7) / 8;
            if ((long) pos + (long) rowBytes * height > bytes.length) {
                long rows = Math.max(0, bytes.length - pos) / rowBytes;
                throw corrupt("it ends after " + rows + " of its " + height + " rows");
            }
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int bit = (bytes[pos + y * rowBytes + x / 8] >> (7 - x % 8)) & 1;
                    samples[y * width + x] = bit == 1 ? 0 : 255;
                }
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            skipWhitespaceAndComments();
            if (pos >= bytes.length) {
                throw corrupt("it ends before sample " + (i + 1) + " of " + n);
            }
            byte b = bytes[pos++];
            if (b != '0' && b != '1') {
                throw corrupt("sample " + (i + 1) + " is not 0 or 1 (found '" + (char) (b & 0xFF) + "')");
            }
            samples[i] = b == '1' ? 0 : 255;
        }
    }

    private int scale(int v, int maxval, int index) throws IOException {
        if (v > maxval) {
            throw corrupt("sample " + (index + 1) + " is " + v + ", above the maximum value " + maxval);
        }
        return maxval == 255 ? v : (int) ((v * 255L * 2 + maxval) / (2L * maxval));
    }

    private int headerNumber(String what) throws IOException {
        return number("its " + what);
    }

    /** Reads a decimal number after whitespace and comments. */
    private int number(String what) throws IOException {
        skipWhitespaceAndComments();
        int start = pos;
        long v = 0;
        while (pos < bytes.length && bytes[pos] >= '0' && bytes[pos] <= '9') {
            v = v * 10 + (bytes[pos++] - '0');
            if (v > Integer.MAX_VALUE) {
                throw corrupt(what + " is too large");
            }
        }
        if (pos == start) {
            throw corrupt(pos >= bytes.length ? "it ends before " + what
                    : what + " is not a number (found '" + (char) (bytes[pos] & 0xFF) + "')");
        }
        if (pos < bytes.length && !isWhitespace(bytes[pos]) && bytes[pos] != '#') {
            throw corrupt(what + " is not a number (found '" + (char) (bytes[pos] & 0xFF) + "')");
        }
        return (int) v;
    }

    private void skipWhitespaceAndComments() {
        while (pos < bytes.length) {
            if (isWhitespace(bytes[pos])) {
                pos++;
            } else if (bytes[pos] == '#') {
                while (pos < bytes.length && bytes[pos] != '\n' && bytes[pos] != '\r') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0B || b == '\f';
    }

    private IOException corrupt(String detail) {
        return new IOException("The " + format.name + " file " + file + " is corrupt: " + detail + ".");
    }
}
