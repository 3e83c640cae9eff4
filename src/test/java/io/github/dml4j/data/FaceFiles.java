package io.github.dml4j.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes small image files of known content for the face-data tests. */
final class FaceFiles {

    private FaceFiles() {}

    /** An 8-bit grayscale image with pixel (y, x) = {@code value(y, x)}. */
    static BufferedImage gray(int height, int width, java.util.function.IntBinaryOperator value) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, value.applyAsInt(y, x));
            }
        }
        return image;
    }

    /** An RGB image of one colour. */
    static BufferedImage rgb(int height, int width, int r, int g, int b) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    /** Writes an image with ImageIO ("png" or "jpg") and returns the file. */
    static Path write(Path file, BufferedImage image, String format) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, format, file.toFile())) {
            throw new IOException("No ImageIO writer for " + format);
        }
        return file;
    }

    /** A JPEG cut to half its length: ImageIO alone would still decode it, with a warning. */
    static Path truncatedJpeg(Path file) throws IOException {
        BufferedImage noise = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(7);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(noise, "jpg", out);
        byte[] bytes = out.toByteArray();
        Files.createDirectories(file.getParent());
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        return file;
    }

    /** A binary P5 PGM with the given samples, row by row; two bytes per sample when maxval > 255. */
    static Path pgmP5(Path file, int height, int width, int maxval, int[] samples) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("P5\n# written by a test\n" + width + " " + height + "\n" + maxval + "\n").getBytes(StandardCharsets.US_ASCII));
        for (int v : samples) {
            if (maxval > 255) {
                out.write(v >> 8);
            }
            out.write(v & 0xFF);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, out.toByteArray());
        return file;
    }

    /** A plain P2 PGM with the given samples, one row per line. */
    static Path pgmP2(Path file, int height, int width, int maxval, int[] samples) throws IOException {
        StringBuilder s = new StringBuilder("P2\n# plain\n" + width + " " + height + "\n" + maxval + "\n");
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                s.append(samples[y * width + x]).append(x + 1 < width ? " " : "\n");
            }
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, s.toString(), StandardCharsets.US_ASCII);
        return file;
    }

    /**
     * An in-memory identity set named LFW-style: {@code counts[i]} images of identity
     * {@code names[i]}, files {@code Name/Name_0001.jpg} onwards, 1 x 2 x 2 pixels that differ
     * per image.
     */
    static IdentityImages lfwStyle(String[] names, int[] counts) {
        java.util.List<String> paths = new java.util.ArrayList<>();
        java.util.List<Integer> labels = new java.util.ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            for (int k = 1; k <= counts[i]; k++) {
                paths.add(names[i] + "/" + names[i] + String.format(java.util.Locale.ROOT, "_%04d.jpg", k));
                labels.add(i);
            }
        }
        byte[] pixels = new byte[labels.size() * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        LabeledImages images = LabeledImages.of(pixels, labels.stream().mapToInt(Integer::intValue).toArray(), 1, 2, 2);
        return IdentityImages.of(images, java.util.List.of(names), paths);
    }
}
