package io.github.dml4j.examples;

import io.github.dml4j.data.LabeledImages;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads one of Omniglot's published zips ({@code images_background.zip}, {@code
 * images_evaluation.zip}: {@code <set>/<Alphabet>/<characterNN>/<file>.png}, 105 x 105 black
 * strokes on white) into 28 x 28 grey images with ink as high values, one class per character,
 * classes in the order of their paths. For the Omniglot variant of the benchmark protocol
 * (docs/benchmark.md).
 */
final class OmniglotZip {

    static final int SIZE = 28;

    private OmniglotZip() {}

    /**
     * Reads {@code zip}.
     *
     * @throws IOException if the file cannot be read, or an image cannot be decoded (named)
     */
    static LabeledImages read(Path zip) throws IOException {
        if (!Files.isRegularFile(zip)) {
            throw new IOException("No Omniglot zip at " + zip + " (images_background.zip and images_evaluation.zip"
                    + " from github.com/brendenlake/omniglot, python/).");
        }
        Map<String, List<byte[]>> byCharacter = new TreeMap<>();
        try (ZipFile file = new ZipFile(zip.toFile())) {
            List<? extends ZipEntry> entries = file.stream().filter(e -> !e.isDirectory()
                    && e.getName().toLowerCase(java.util.Locale.ROOT).endsWith(".png")).sorted(
                    java.util.Comparator.comparing(ZipEntry::getName)).toList();
            for (ZipEntry entry : entries) {
                String name = entry.getName();
                int cut = name.lastIndexOf('/');
                String[] parts = name.split("/");
                if (parts.length < 4) {
                    throw new IOException(zip + ": " + name + " is not <set>/<Alphabet>/<character>/<file>.png.");
                }
                byte[] bytes = file.getInputStream(entry).readAllBytes();
                byCharacter.computeIfAbsent(name.substring(0, cut), k -> new ArrayList<>()).add(decode(bytes, zip, name));
            }
        }
        if (byCharacter.isEmpty()) {
            throw new IOException(zip + " holds no PNG images.");
        }
        int n = byCharacter.values().stream().mapToInt(List::size).sum();
        byte[] pixels = new byte[n * SIZE * SIZE];
        int[] labels = new int[n];
        int i = 0;
        int label = 0;
        for (List<byte[]> images : byCharacter.values()) {
            for (byte[] image : images) {
                System.arraycopy(image, 0, pixels, i * SIZE * SIZE, SIZE * SIZE);
                labels[i++] = label;
            }
            label++;
        }
        return LabeledImages.of(pixels, labels, 1, SIZE, SIZE);
    }

    /** One PNG as 28 x 28 bytes, ink high: area-averaged down from 105 x 105, then inverted. */
    private static byte[] decode(byte[] png, Path zip, String name) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        if (image == null) {
            throw new IOException(zip + ": " + name + " is not a readable PNG.");
        }
        BufferedImage grey = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image.getScaledInstance(SIZE, SIZE, java.awt.Image.SCALE_AREA_AVERAGING), 0, 0, null);
        g.dispose();
        byte[] out = new byte[SIZE * SIZE];
        grey.getRaster().getDataElements(0, 0, SIZE, SIZE, out);
        for (int p = 0; p < out.length; p++) {
            out[p] = (byte) (255 - (out[p] & 0xff));
        }
        return out;
    }
}
