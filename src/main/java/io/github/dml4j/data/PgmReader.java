package io.github.dml4j.data;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;

/**
 * Decodes PGM (portable graymap) files, binary {@code P5} and plain {@code P2}, with a maximum
 * value up to 65535, into 8-bit grayscale {@link BufferedImage}s: Java's ImageIO has no PGM
 * reader, yet face sets such as AT&amp;T/ORL and the cropped Yale faces ship as PGM.
 *
 * <p>Samples are scaled to [0, 255] by {@code round(v * 255 / maxval)}; header comments
 * ({@code #} to the end of the line) are allowed; only the first image of a file is read.
 */
final class PgmReader {

    private final String file;
    private final byte[] bytes;
    private int pos;

    private PgmReader(String file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
    }

    /** Whether {@code head} starts with a PGM magic number ({@code P2} or {@code P5}). */
    static boolean isPgm(byte[] head) {
        return head.length >= 2 && head[0] == 'P' && (head[1] == '2' || head[1] == '5');
    }

    /**
     * Decodes a PGM file's bytes.
     *
     * @param file the file (a path or URI), for messages
     * @param bytes its content
     * @return an 8-bit grayscale image
     * @throws IOException naming the file if the content is not a valid PGM image
     */
    static BufferedImage decode(String file, byte[] bytes) throws IOException {
        return new PgmReader(file, bytes).decode();
    }

    private BufferedImage decode() throws IOException {
        if (!isPgm(bytes)) {
            throw corrupt("it does not start with the PGM magic number P2 or P5");
        }
        boolean binary = bytes[1] == '5';
        pos = 2;
        int width = headerNumber("width");
        int height = headerNumber("height");
        int maxval = headerNumber("maximum value");
        if (width <= 0 || height <= 0) {
            throw corrupt("its size " + width + "x" + height + " is not positive");
        }
        if (maxval <= 0 || maxval > 65535) {
            throw corrupt("its maximum value " + maxval + " is outside 1..65535");
        }
        if ((long) width * height > Integer.MAX_VALUE / 2) {
            throw corrupt("its size " + width + "x" + height + " is too large");
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        int n = width * height;
        if (binary) {
            pos++; // the single whitespace byte after the maximum value
            int bytesPerSample = maxval < 256 ? 1 : 2;
            if ((long) pos + (long) n * bytesPerSample > bytes.length) {
                long have = Math.max(0, bytes.length - pos) / bytesPerSample;
                throw corrupt("it ends after " + have + " of its " + n + " samples");
            }
            for (int i = 0; i < n; i++) {
                int v = bytesPerSample == 1 ? bytes[pos++] & 0xFF
                        : (bytes[pos++] & 0xFF) << 8 | (bytes[pos++] & 0xFF);
                raster.setSample(i % width, i / width, 0, scale(v, maxval, i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                int v = number("sample " + (i + 1) + " of " + n);
                raster.setSample(i % width, i / width, 0, scale(v, maxval, i));
            }
        }
        return image;
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
        return new IOException("The PGM file " + file + " is corrupt: " + detail + ".");
    }
}
