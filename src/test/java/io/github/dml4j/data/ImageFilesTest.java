package io.github.dml4j.data;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFilesTest {

    @TempDir
    Path dir;

    private static int[] grayPixels(Image image) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return image.toNDArray(manager, Image.Flag.GRAYSCALE).toUint8Array();
        }
    }

    @Test
    void pngKeepsExactGrayValues() throws IOException {
        Path png = FaceFiles.write(dir.resolve("a.png"), FaceFiles.gray(2, 3, (y, x) -> 10 * y + x), "png");
        Image image = ImageFiles.read(png);
        assertEquals(3, image.getWidth());
        assertEquals(2, image.getHeight());
        assertArrayEquals(new int[] {0, 1, 2, 10, 11, 12}, grayPixels(image));
    }

    @Test
    void jpegDecodesCloseToItsColour() throws IOException {
        Path jpg = FaceFiles.write(dir.resolve("a.jpg"), FaceFiles.rgb(8, 8, 200, 40, 90), "jpg");
        try (NDManager manager = NDManager.newBaseManager()) {
            int[] rgb = ImageFiles.read(jpg).toNDArray(manager, Image.Flag.COLOR).toUint8Array();
            assertEquals(8 * 8 * 3, rgb.length);
            assertTrue(Math.abs(rgb[0] - 200) <= 4 && Math.abs(rgb[1] - 40) <= 4 && Math.abs(rgb[2] - 90) <= 4);
        }
    }

    @Test
    void binaryPgmWithOneAndTwoBytesPerSample() throws IOException {
        Path p8 = FaceFiles.pgmP5(dir.resolve("a.pgm"), 2, 2, 255, new int[] {0, 7, 128, 255});
        assertArrayEquals(new int[] {0, 7, 128, 255}, grayPixels(ImageFiles.read(p8)));
        // 16-bit samples are scaled: round(v * 255 / 65535)
        Path p16 = FaceFiles.pgmP5(dir.resolve("b.pgm"), 1, 3, 65535, new int[] {0, 32896, 65535});
        assertArrayEquals(new int[] {0, 128, 255}, grayPixels(ImageFiles.read(p16)));
    }

    @Test
    void plainPgmWithCommentsAndSmallMaxval() throws IOException {
        Path p2 = dir.resolve("c.pgm");
        Files.writeString(p2, "P2\n# a comment\n3 # width\n1\n15\n0 # another\n 8\n15\n", StandardCharsets.US_ASCII);
        // scaled by 255 / 15 = 17
        assertArrayEquals(new int[] {0, 136, 255}, grayPixels(ImageFiles.read(p2)));
        Path written = FaceFiles.pgmP2(dir.resolve("d.pgm"), 2, 2, 255, new int[] {1, 2, 3, 4});
        assertArrayEquals(new int[] {1, 2, 3, 4}, grayPixels(ImageFiles.read(written)));
    }

    @Test
    void ppmAndPbmDecodeInColourAndGrey() throws IOException {
        // P6: two pixels, red and (10, 20, 30)
        Path p6 = dir.resolve("a.ppm");
        Files.write(p6, concat("P6\n2 1\n255\n".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 255, 0, 0, 10, 20, 30}));
        java.awt.image.BufferedImage colour = ImageFiles.readBuffered(p6);
        assertEquals(3, colour.getRaster().getNumBands());
        assertEquals(0xFF0000, colour.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(10 << 16 | 20 << 8 | 30, colour.getRGB(1, 0) & 0xFFFFFF);
        // P3 plain with maximum value 15 (scaled by 17), and a 16-bit P6 (big-endian samples)
        Path p3 = dir.resolve("b.pnm");
        Files.writeString(p3, "P3 # LFWcrop-like\n1 1 15\n15 0 5\n", StandardCharsets.US_ASCII);
        assertEquals(255 << 16 | 85, ImageFiles.readBuffered(p3).getRGB(0, 0) & 0xFFFFFF);
        Path wide = dir.resolve("c.ppm");
        Files.write(wide, concat("P6 1 1 65535\n".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0x80, 0, 0, 0}));
        assertEquals(255 << 16 | 128 << 8, ImageFiles.readBuffered(wide).getRGB(0, 0) & 0xFFFFFF);
        // bitmaps: 1 is black; binary rows are padded to whole bytes
        Path p4 = dir.resolve("d.pbm");
        Files.write(p4, concat("P4 3 2\n".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0b1010_0000, (byte) 0b0100_0000}));
        assertArrayEquals(new int[] {0, 255, 0, 255, 0, 255}, grayPixels(ImageFiles.read(p4)));
        Path p1 = dir.resolve("e.pbm");
        Files.writeString(p1, "P1 3 1\n0 1\n0", StandardCharsets.US_ASCII);
        assertArrayEquals(new int[] {255, 0, 255}, grayPixels(ImageFiles.read(p1)));
        // a colour PPM through the identity folder's preprocessing, in RGB and in grey
        Path person = Files.createDirectories(dir.resolve("faces").resolve("person"));
        Files.copy(p6, person.resolve("1.ppm"));
        Files.copy(p6, person.resolve("2.ppm"));
        for (ColorMode mode : ColorMode.values()) {
            IdentityImages faces = IdentityFolder.builder().setRoot(dir.resolve("faces"))
                    .setPreprocessing(ImagePreprocessing.builder().setSize(1, 2).optColor(mode).build()).build().load();
            assertEquals(2, faces.size(), mode.toString());
            assertEquals(mode == ColorMode.RGB ? 3 : 1, faces.images().channels());
        }
    }

    @Test
    void corruptPpmsAndPbmsAreErrorsNamingTheFile() throws IOException {
        Path shortFile = dir.resolve("short.ppm");
        Files.write(shortFile, concat("P6 2 2 255\n".getBytes(StandardCharsets.US_ASCII), new byte[] {1, 2, 3, 4}));
        IOException e = assertThrows(IOException.class, () -> ImageFiles.read(shortFile));
        assertEquals("The PPM file " + shortFile + " is corrupt: it ends after 4 of its 12 samples.", e.getMessage());
        Path bits = dir.resolve("bits.pbm");
        Files.writeString(bits, "P1 2 1 0 2", StandardCharsets.US_ASCII);
        e = assertThrows(IOException.class, () -> ImageFiles.read(bits));
        assertEquals("The PBM file " + bits + " is corrupt: sample 2 is not 0 or 1 (found '2').", e.getMessage());
        Path rows = dir.resolve("rows.pbm");
        Files.write(rows, concat("P4 9 2\n".getBytes(StandardCharsets.US_ASCII), new byte[] {0, 0, 0}));
        e = assertThrows(IOException.class, () -> ImageFiles.read(rows));
        assertEquals("The PBM file " + rows + " is corrupt: it ends after 1 of its 2 rows.", e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void truncatedJpegIsAnErrorNamingTheFile() throws IOException {
        Path bad = FaceFiles.truncatedJpeg(dir.resolve("cut.jpg"));
        IOException e = assertThrows(IOException.class, () -> ImageFiles.read(bad));
        assertTrue(e.getMessage().startsWith("The JPEG file " + bad + " is corrupt: "), e.getMessage());
        assertTrue(e.getMessage().contains("Missing EOI marker"), e.getMessage());
    }

    @Test
    void nonImageFileIsAnErrorNamingTheFile() throws IOException {
        Path text = dir.resolve("notes.jpg");
        Files.writeString(text, "not an image");
        IOException e = assertThrows(IOException.class, () -> ImageFiles.read(text));
        assertEquals("The file " + text + " is not an image: it is neither PGM, PPM nor PBM nor a format Java's"
                + " ImageIO decodes (JPEG, PNG, BMP, GIF, TIFF).", e.getMessage());
        Path missing = dir.resolve("missing.png");
        e = assertThrows(IOException.class, () -> ImageFiles.read(missing));
        assertEquals("The image file " + missing + " does not exist.", e.getMessage());
        e = assertThrows(IOException.class, () -> ImageFiles.read(dir));
        assertEquals("The image file " + dir + " is a directory.", e.getMessage());
    }

    @Test
    void bytesDecodeAsTheFileDoesAndErrorsNameTheirSource() throws IOException {
        Path png = FaceFiles.write(dir.resolve("b.png"), FaceFiles.gray(2, 3, (y, x) -> 10 * y + x), "png");
        assertArrayEquals(grayPixels(ImageFiles.read(png)), grayPixels(ImageFiles.decode(Files.readAllBytes(png), "b.png")));
        Path p8 = FaceFiles.pgmP5(dir.resolve("d.pgm"), 2, 2, 255, new int[] {0, 7, 128, 255});
        assertArrayEquals(new int[] {0, 7, 128, 255}, grayPixels(ImageFiles.decode(Files.readAllBytes(p8), "d.pgm")));

        byte[] cut = Files.readAllBytes(FaceFiles.truncatedJpeg(dir.resolve("cut.jpg")));
        IOException e = assertThrows(IOException.class, () -> ImageFiles.decode(cut, "hdfs://nn/photos/cut.jpg"));
        assertTrue(e.getMessage().startsWith("The JPEG file hdfs://nn/photos/cut.jpg is corrupt: "), e.getMessage());
        e = assertThrows(IOException.class, () -> ImageFiles.decode("text".getBytes(StandardCharsets.US_ASCII), "n.png"));
        assertEquals("The file n.png is not an image: it is neither PGM, PPM nor PBM nor a format Java's ImageIO"
                + " decodes (JPEG, PNG, BMP, GIF, TIFF).", e.getMessage());
        e = assertThrows(IOException.class, () -> ImageFiles.decode(new byte[0], "empty.png"));
        assertEquals("The image file empty.png is empty.", e.getMessage());
    }

    @Test
    void corruptPgmsAreErrorsNamingTheFile() throws IOException {
        Path shortFile = dir.resolve("short.pgm");
        Files.write(shortFile, "P5\n4 4\n255\n\u0001\u0002".getBytes(StandardCharsets.ISO_8859_1));
        IOException e = assertThrows(IOException.class, () -> ImageFiles.read(shortFile));
        assertEquals("The PGM file " + shortFile + " is corrupt: it ends after 2 of its 16 samples.", e.getMessage());

        Path above = dir.resolve("above.pgm");
        Files.writeString(above, "P2 2 1 10 3 11", StandardCharsets.US_ASCII);
        e = assertThrows(IOException.class, () -> ImageFiles.read(above));
        assertEquals("The PGM file " + above + " is corrupt: sample 2 is 11, above the maximum value 10.", e.getMessage());

        Path header = dir.resolve("header.pgm");
        Files.writeString(header, "P5 4 x 255\n", StandardCharsets.US_ASCII);
        e = assertThrows(IOException.class, () -> ImageFiles.read(header));
        assertEquals("The PGM file " + header + " is corrupt: its height is not a number (found 'x').", e.getMessage());

        Path maxval = dir.resolve("maxval.pgm");
        Files.writeString(maxval, "P2 1 1 70000 5", StandardCharsets.US_ASCII);
        e = assertThrows(IOException.class, () -> ImageFiles.read(maxval));
        assertEquals("The PGM file " + maxval + " is corrupt: its maximum value 70000 is outside 1..65535.", e.getMessage());

        Path plainShort = dir.resolve("plain.pgm");
        Files.writeString(plainShort, "P2 2 2 255 1 2 3", StandardCharsets.US_ASCII);
        e = assertThrows(IOException.class, () -> ImageFiles.read(plainShort));
        assertEquals("The PGM file " + plainShort + " is corrupt: it ends before sample 4 of 4.", e.getMessage());
    }
}
