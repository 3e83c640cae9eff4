package io.github.dml4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {

    @TempDir
    Path dir;

    private final LabeledImages data = TestImages.generate(10, 7, 5, 4, 1);

    @Test
    void roundTripPlain() throws IOException {
        Path images = dir.resolve("images-idx3-ubyte");
        Path labels = dir.resolve("labels-idx1-ubyte");
        IdxReader.write(images, labels, data, false);
        assertEquals(16 + 70 * 20, Files.size(images));
        assertEquals(8 + 70, Files.size(labels));
        byte[] header = Arrays.copyOf(Files.readAllBytes(images), 16);
        assertEquals(0x08, header[2]);
        assertEquals(0x03, header[3]);
        LabeledImages back = IdxReader.read(images, labels);
        assertTrue(TestImages.same(data, back));
        assertEquals(1, back.channels());
    }

    @Test
    void roundTripGzipDetectedByContentNotName() throws IOException {
        // gzip content under plain names
        Path images = dir.resolve("images-idx3-ubyte");
        Path labels = dir.resolve("labels-idx1-ubyte");
        IdxReader.write(images, labels, data, true);
        byte[] raw = Files.readAllBytes(images);
        assertEquals(0x1f, raw[0] & 0xFF);
        assertEquals(0x8b, raw[1] & 0xFF);
        assertTrue(TestImages.same(data, IdxReader.read(images, labels)));

        // plain content under .gz names
        Path imagesGz = dir.resolve("images-idx3-ubyte.gz");
        Path labelsGz = dir.resolve("labels-idx1-ubyte.gz");
        IdxReader.write(imagesGz, labelsGz, data, false);
        assertTrue(TestImages.same(data, IdxReader.read(imagesGz, labelsGz)));
    }

    @Test
    void emptySetRoundTrips() throws IOException {
        LabeledImages empty = LabeledImages.of(new byte[0], new int[0], 1, 3, 3);
        Path images = dir.resolve("i");
        Path labels = dir.resolve("l");
        IdxReader.write(images, labels, empty, true);
        assertEquals(0, IdxReader.read(images, labels).size());
    }

    @Test
    void wrongMagicNamesFileExpectedAndFound() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxReader.write(images, labels, data, true);
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(labels, images));
        assertEquals("The IDX image file " + labels + " has a wrong magic number: expected 0x00000803 but found"
                + " 0x00000801 (that of an IDX label file).", e.getMessage());

        Path junk = dir.resolve("junk.txt");
        Files.writeString(junk, "hello, this is not IDX");
        e = assertThrows(IOException.class, () -> IdxReader.read(images, junk));
        assertTrue(e.getMessage().startsWith("The IDX label file " + junk + " has a wrong magic number: expected"
                + " 0x00000801 but found 0x68656C6C"), e.getMessage());
    }

    @Test
    void truncatedPlainFileReportsExpectedAndAvailableBytes() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        IdxReader.write(images, labels, data, false);
        byte[] full = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(full, full.length - 30));
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, labels));
        assertEquals("The IDX image file " + images + " is truncated: expected 1416 bytes (header 16 + data 1400)"
                + " but only 1386 bytes are available.", e.getMessage());

        Files.write(labels, Arrays.copyOf(Files.readAllBytes(labels), 6));
        Files.write(images, full);
        e = assertThrows(IOException.class, () -> IdxReader.read(images, labels));
        assertEquals("The IDX label file " + labels + " is truncated: expected a header of 8 bytes but only 6"
                + " bytes are available.", e.getMessage());
    }

    @Test
    void truncatedGzipFileReportsExpectedAndAvailableBytes() throws IOException {
        // a complete gzip stream of a short IDX file
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        IdxReader.write(images, labels, data, false);
        byte[] full = Files.readAllBytes(images);
        Files.write(images, gzip(Arrays.copyOf(full, 100)));
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, labels));
        assertEquals("The IDX image file " + images + " is truncated: expected 1416 bytes (header 16 + data 1400)"
                + " but only 100 bytes are available.", e.getMessage());

        // a gzip stream cut in the middle
        IdxReader.write(images, labels, data, true);
        byte[] gz = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(gz, gz.length / 2));
        e = assertThrows(IOException.class, () -> IdxReader.read(images, labels));
        assertTrue(e.getMessage().startsWith("The IDX image file " + images + " is truncated: expected 1416 bytes"),
                e.getMessage());
    }

    @Test
    void countMismatchNamesBothFilesAndCounts() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        IdxReader.write(images, labels, data, false);
        Path otherImages = dir.resolve("other-images");
        Path otherLabels = dir.resolve("other-labels");
        IdxReader.write(otherImages, otherLabels, data.subset(new int[] {0, 1, 2}), true);
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(images, otherLabels));
        assertEquals("The image file " + images + " holds 70 images but the label file " + otherLabels
                + " holds 3 labels; they must hold the same number.", e.getMessage());
    }

    @Test
    void missingFileIsNamed() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        IdxReader.write(images, labels, data, false);
        Path absent = dir.resolve("absent-idx1-ubyte.gz");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IdxReader.read(images, absent));
        assertEquals(absent + ": IDX label file not found", e.getMessage());
        e = assertThrows(NoSuchFileException.class, () -> IdxReader.read(absent, labels));
        assertEquals(absent + ": IDX image file not found", e.getMessage());
    }

    @Test
    void writeRejectsWhatIdxCannotHold() {
        LabeledImages rgb = LabeledImages.of(new byte[12], new int[] {0}, 3, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IdxReader.write(dir.resolve("i"), dir.resolve("l"), rgb, false));
        assertEquals("IDX image files hold 1-channel images, but the images have 3 channels.", e.getMessage());
        LabeledImages big = LabeledImages.of(new byte[4], new int[] {256}, 1, 2, 2);
        e = assertThrows(IllegalArgumentException.class,
                () -> IdxReader.write(dir.resolve("i"), dir.resolve("l"), big, false));
        assertEquals("IDX label files hold labels in [0, 255], but the label at index 0 is 256.", e.getMessage());
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
