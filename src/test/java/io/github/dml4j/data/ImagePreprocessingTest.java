package io.github.dml4j.data;

import ai.djl.modality.cv.BufferedImageFactory;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImagePreprocessingTest {

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static Image wrap(BufferedImage image) {
        return new BufferedImageFactory().fromImage(image);
    }

    private static int[] unsigned(byte[] bytes) {
        int[] v = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            v[i] = bytes[i] & 0xFF;
        }
        return v;
    }

    private static ImagePreprocessing gray(int h, int w, ImagePreprocessing.Fit fit) {
        return ImagePreprocessing.builder().setSize(h, w).optColor(ColorMode.GRAYSCALE).optFit(fit).build();
    }

    @Test
    void sameSizeGrayIsCopiedExactly() {
        Image image = wrap(FaceFiles.gray(2, 3, (y, x) -> 100 + 10 * y + x));
        byte[] out = gray(2, 3, ImagePreprocessing.Fit.RESIZE_AND_CENTER_CROP).apply(image, manager);
        assertArrayEquals(new int[] {100, 101, 102, 110, 111, 112}, unsigned(out));
    }

    @Test
    void rgbIsStoredChannelFirstAndGrayIsRepeated() {
        ImagePreprocessing rgb = ImagePreprocessing.builder().setSize(1, 2).build();
        assertEquals(ColorMode.RGB, rgb.color());
        assertEquals(new Shape(3, 1, 2), rgb.imageShape());
        assertArrayEquals(new int[] {200, 200, 40, 40, 90, 90}, unsigned(rgb.apply(wrap(FaceFiles.rgb(1, 2, 200, 40, 90)), manager)));
        assertArrayEquals(new int[] {5, 6, 5, 6, 5, 6}, unsigned(rgb.apply(wrap(FaceFiles.gray(1, 2, (y, x) -> 5 + x)), manager)));
    }

    @Test
    void resizeShorterSideThenCropTheCentre() {
        // 4 x 8 with pixel 10x + 40y; to 2 x 2: shrink by 2 (area means of 2 x 2 blocks: 20k + 80r + 25),
        // then keep the centre columns 1 and 2 of 4
        Image image = wrap(FaceFiles.gray(4, 8, (y, x) -> 10 * x + 40 * y));
        byte[] out = gray(2, 2, ImagePreprocessing.Fit.RESIZE_AND_CENTER_CROP).apply(image, manager);
        assertArrayEquals(new int[] {45, 65, 125, 145}, unsigned(out));
    }

    @Test
    void plainResizeChangesTheAspectRatio() {
        // 4 x 8 to 2 x 2: area means of 2 x 4 blocks, 40k + 80r + 35
        Image image = wrap(FaceFiles.gray(4, 8, (y, x) -> 10 * x + 40 * y));
        byte[] out = gray(2, 2, ImagePreprocessing.Fit.RESIZE).apply(image, manager);
        assertArrayEquals(new int[] {35, 75, 115, 155}, unsigned(out));
    }

    @Test
    void enlargingIsBilinear() {
        // columns 0 and 100 doubled: half-pixel-centre bilinear gives 0, 25, 75, 100
        Image image = wrap(FaceFiles.gray(2, 2, (y, x) -> 100 * x));
        byte[] out = gray(4, 4, ImagePreprocessing.Fit.RESIZE).apply(image, manager);
        assertArrayEquals(new int[] {0, 25, 75, 100, 0, 25, 75, 100, 0, 25, 75, 100, 0, 25, 75, 100}, unsigned(out));
    }

    @Test
    void tallImagesAreCroppedVertically() {
        // 6 x 2 to 2 x 2: no resize, rows 2 and 3 kept
        Image image = wrap(FaceFiles.gray(6, 2, (y, x) -> 10 * y + x));
        byte[] out = gray(2, 2, ImagePreprocessing.Fit.RESIZE_AND_CENTER_CROP).apply(image, manager);
        assertArrayEquals(new int[] {20, 21, 30, 31}, unsigned(out));
    }

    @Test
    void builderNamesBadSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImagePreprocessing.builder().build());
        assertEquals("The output size of ImagePreprocessing must be set with setSize(height, width) to positive values,"
                + " got 0x0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImagePreprocessing.builder().setSize(2, 2).optColor(null).build());
        assertEquals("The colour of ImagePreprocessing (optColor) must not be null.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImagePreprocessing.builder().setSize(2, 2).optFit(null).build());
        assertEquals("The fit of ImagePreprocessing (optFit) must not be null.", e.getMessage());
        assertEquals(gray(2, 3, ImagePreprocessing.Fit.RESIZE), gray(2, 3, ImagePreprocessing.Fit.RESIZE));
        assertEquals("ImagePreprocessing{2x3, GRAYSCALE, RESIZE}", gray(2, 3, ImagePreprocessing.Fit.RESIZE).toString());
    }

    /** The engine path of {@link ImagePreprocessing#apply} for a resize with nothing to crop, as the reference. */
    private static byte[] onTheEngine(Image image, int height, int width) {
        try (NDManager scratch = manager.newSubManager()) {
            ai.djl.ndarray.NDArray hwc = image.toNDArray(scratch, Image.Flag.COLOR);
            if (image.getHeight() != height || image.getWidth() != width) {
                hwc = new ai.djl.modality.cv.transform.Resize(width, height, Image.Interpolation.AREA)
                        .transform(hwc.toType(ai.djl.ndarray.types.DataType.FLOAT32, false))
                        .round().clip(0, 255).toType(ai.djl.ndarray.types.DataType.UINT8, false);
            }
            return hwc.transpose(2, 0, 1).toByteArray();
        }
    }

    @Test
    void colourImagesShrunkByAWholeFactorGiveTheEnginesBytes() throws Exception {
        java.util.Random random = new java.util.Random(5);
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB}) {
            for (int k : new int[] {1, 2, 3, 4, 7}) {
                int side = 16;
                BufferedImage image = new BufferedImage(side * k, side * k + 0, type);
                for (int y = 0; y < image.getHeight(); y++) {
                    for (int x = 0; x < image.getWidth(); x++) {
                        image.setRGB(x, y, random.nextInt(1 << 24));
                    }
                }
                ImagePreprocessing p = ImagePreprocessing.builder().setSize(side, side).optColor(ColorMode.RGB).build();
                assertArrayEquals(onTheEngine(wrap(image), side, side), p.apply(wrap(image), manager),
                        "type " + type + ", factor " + k);
            }
        }
        // a decoded JPEG, as a photo folder holds
        BufferedImage photo = new BufferedImage(128, 128, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) {
                photo.setRGB(x, y, (x * 2) << 16 | (y * 2) << 8 | ((x + y) & 0xff));
            }
        }
        java.nio.file.Path file = java.nio.file.Files.createTempFile("photo", ".jpg");
        try {
            javax.imageio.ImageIO.write(photo, "jpg", file.toFile());
            Image decoded = ImageFiles.read(file);
            ImagePreprocessing p = ImagePreprocessing.builder().setSize(64, 64).optColor(ColorMode.RGB).build();
            assertArrayEquals(onTheEngine(decoded, 64, 64), p.apply(decoded, manager));
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }
}
