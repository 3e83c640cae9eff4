package io.github.dml4j.data;

import ai.djl.modality.cv.BufferedImageFactory;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads one image file into a DJL {@link Image}: JPEG, PNG (and the other formats of Java's
 * ImageIO: BMP, GIF, TIFF) and the Netpbm formats: PGM, PPM and PBM, binary and plain (P1 to
 * P6; PNM is their common name), read by a small reader of our own because ImageIO has none. The format is told from the content, not the
 * file name.
 *
 * <p>Why not simply {@code ImageFactory.getInstance().fromFile(path)}: on DJL's default
 * {@link BufferedImageFactory} that is {@code ImageIO.read}, which decodes a truncated JPEG
 * without complaint (its "Missing EOI marker" is only a warning nobody listens to) and leaves
 * the missing part gray. Here every decoder warning is an error, so a damaged file fails with
 * an {@link IOException} naming it instead of entering a training set. The decoded
 * {@link BufferedImage} is wrapped with {@link BufferedImageFactory#fromImage(Object)}, so the
 * result behaves like any DJL image (use {@link Image#toNDArray} for (H, W, C) pixels).
 */
public final class ImageFiles {

    private static final ImageFactory FACTORY = new BufferedImageFactory();

    private ImageFiles() {}

    /**
     * Decodes an image file.
     *
     * @param file a JPEG, PNG, PGM, PPM, PBM (or BMP, GIF, TIFF) file
     * @return the image
     * @throws IOException naming the file if it cannot be read, is not an image or is corrupt
     */
    public static Image read(Path file) throws IOException {
        return FACTORY.fromImage(readBuffered(file));
    }

    /**
     * Decodes an image file into a {@link BufferedImage}; see {@link #read(Path)}.
     *
     * @param file the file
     * @return the decoded image
     * @throws IOException naming the file if it cannot be read, is not an image or is corrupt
     */
    static BufferedImage readBuffered(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("The image file " + file + " is a directory.");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("The image file " + file + " does not exist.");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(2);
        }
        if (PnmReader.isPnm(head)) {
            return PnmReader.decode(file.toString(), Files.readAllBytes(file));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decodeImageIo(in, file.toString());
        }
    }

    /**
     * Decodes an image from its bytes exactly as {@link #read(Path)} decodes a file, for images
     * that are not on the local file system (a Spark {@code binaryFile} row, HDFS, an object
     * store).
     *
     * @param content the encoded image (JPEG, PNG, PGM, PPM, PBM, BMP, GIF or TIFF)
     * @param name where the bytes come from (a path or URI), named in every error
     * @return the image
     * @throws IOException naming {@code name} if the bytes are not an image or are corrupt
     */
    public static Image decode(byte[] content, String name) throws IOException {
        if (content == null || content.length == 0) {
            throw new IOException("The image file " + name + " is empty.");
        }
        if (PnmReader.isPnm(java.util.Arrays.copyOf(content, Math.min(2, content.length)))) {
            return FACTORY.fromImage(PnmReader.decode(name, content));
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(content))) {
            return FACTORY.fromImage(decodeImageIo(in, name));
        }
    }

    /** Decodes with the first ImageIO reader of the content, every decoder warning an error. */
    private static BufferedImage decodeImageIo(ImageInputStream in, String name) throws IOException {
        Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
        if (readers == null || !readers.hasNext()) {
            throw new IOException("The file " + name + " is not an image: it is neither PGM, PPM nor PBM nor a"
                    + " format Java's ImageIO decodes (JPEG, PNG, BMP, GIF, TIFF).");
        }
        ImageReader reader = readers.next();
        String format = reader.getFormatName().toUpperCase(Locale.ROOT);
        Set<String> warnings = new LinkedHashSet<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage image;
        try {
            reader.setInput(in, true, true);
            image = reader.read(0);
        } catch (IOException | RuntimeException e) {
            throw new IOException(message(name, format, String.valueOf(e.getMessage())), e);
        } finally {
            reader.dispose();
        }
        if (!warnings.isEmpty()) {
            throw new IOException(message(name, format, String.join("; ", warnings)));
        }
        return image;
    }

    private static String message(String file, String format, String detail) {
        String d = detail.strip();
        while (d.endsWith(".") || d.endsWith("!")) {
            d = d.substring(0, d.length() - 1);
        }
        return "The " + format + " file " + file + " is corrupt: " + d + ".";
    }
}
