package io.github.dml4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.DrawnImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link ImageSource} contract on a source that holds no pixels, and on {@link LabeledImages}. */
class ImageSourceTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void theFingerprintFormatIsUnchanged() {
        // SHA-256 of the header (size, C, H, W as big-endian ints), the pixels and the labels
        // (big-endian ints): what the model cards written so far record
        byte[] pixels = new byte[12];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) i;
        }
        LabeledImages images = LabeledImages.of(pixels, new int[] {0, 1, 2}, 1, 2, 2);
        assertEquals("c85a9fd1de984c2e682c804dbb69ed71d4cc920e2ac9a1460a354c0cf3b0cc7d", images.fingerprint());
        assertEquals(images.fingerprint(), ImageSources.fingerprint(images));
    }

    @Test
    void aSourceWithoutPixelsInMemoryHasTheFingerprintOfTheSameImagesInMemory() {
        DrawnImages drawn = new DrawnImages(7, 6000, 3); // more than one 4 MB batch
        LabeledImages held = drawn.toLabeledImages();
        assertEquals(held.fingerprint(), drawn.fingerprint());
        assertEquals(6000, drawn.drawn());
        assertNotEquals(held.fingerprint(), new DrawnImages(7, 6000, 4).fingerprint());
        assertNotEquals(held.fingerprint(), new DrawnImages(7, 5999, 3).fingerprint());
        int[] otherLabels = held.labels();
        otherLabels[17] = 0;
        assertNotEquals(held.fingerprint(), held.withLabels(otherLabels).fingerprint());
    }

    @Test
    void defaultsReadThroughPixels() {
        DrawnImages drawn = new DrawnImages(3, 10, 1);
        LabeledImages held = drawn.toLabeledImages();
        assertEquals(1, drawn.channels());
        assertEquals(28, drawn.height());
        assertEquals(28, drawn.width());
        assertEquals(3, drawn.numClasses());
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(held.imageBytes(i), drawn.imageBytes(i), "image " + i);
        }
        long[] idx = {9, 0, 4, 4};
        PixelNormalization norm = new PixelNormalization(new float[] {0.2f}, new float[] {0.3f});
        assertArrayEquals(held.toNDArray(manager, idx, norm).toFloatArray(), drawn.toNDArray(manager, idx, norm).toFloatArray());
        NDArray labels = drawn.labelsNDArray(manager, idx);
        assertEquals(DataType.INT64, labels.getDataType());
        assertArrayEquals(new long[] {0, 0, 1, 1}, labels.toLongArray());
        assertEquals(PixelNormalization.estimate(held), PixelNormalization.estimate(drawn));
    }

    @Test
    void datasetsAndIdentitySetsServeAnySource() {
        DrawnImages drawn = new DrawnImages(3, 12, 6);
        LabeledImages held = drawn.toLabeledImages();
        PixelNormalization norm = new PixelNormalization(new float[] {0.2f}, new float[] {0.3f});
        ImageDataset fromDrawn = ImageDataset.builder().setImages(drawn).optNormalization(norm).setSampling(4, false).build();
        ImageDataset fromHeld = ImageDataset.builder().setImages(held).optNormalization(norm).setSampling(4, false).build();
        var a = fromDrawn.get(manager, 7);
        var b = fromHeld.get(manager, 7);
        assertEquals(new Shape(1, 28, 28), a.getData().head().getShape());
        assertArrayEquals(b.getData().head().toFloatArray(), a.getData().head().toFloatArray());
        assertEquals(b.getLabels().head().getLong(), a.getLabels().head().getLong());

        java.util.List<String> names = java.util.List.of("a", "b", "c");
        java.util.List<String> paths = IntStream.range(0, 12).mapToObj(i -> names.get(i % 3) + "/" + i + ".png").toList();
        IdentityImages ids = IdentityImages.of(drawn, names, paths);
        IdentityImages two = ids.selectIdentities(new int[] {2, 0});
        assertFalse(two.images() instanceof LabeledImages);
        assertEquals(java.util.List.of("a", "c"), two.identities());
        IdentityImages twoHeld = IdentityImages.of(held, names, paths).selectIdentities(new int[] {2, 0});
        assertInstanceOf(LabeledImages.class, twoHeld.images());
        assertEquals(twoHeld.paths(), two.paths());
        assertEquals(twoHeld.images().fingerprint(), two.images().fingerprint());
        assertArrayEquals(new int[] {0, 1, 0, 1, 0, 1, 0, 1}, two.images().labels());
    }

    @Test
    void theDefaultSubsetIsAViewThatReadsTheRightImages() {
        DrawnImages drawn = new DrawnImages(4, 40, 2);
        LabeledImages held = drawn.toLabeledImages();
        int[] chosen = {39, 2, 2, 17, 0};
        ImageSource view = drawn.subset(chosen);
        assertFalse(view instanceof LabeledImages);
        assertEquals(0, drawn.drawn(), "making the view reads no pixels");
        assertEquals(5, view.size());
        assertEquals(drawn.imageShape(), view.imageShape());
        assertArrayEquals(new int[] {3, 2, 2, 1, 0}, view.labels());
        assertEquals(held.subset(chosen).fingerprint(), view.fingerprint());
        byte[] batch = view.pixels(manager, new long[] {3, 0}).toByteArray();
        assertArrayEquals(concat(held.imageBytes(17), held.imageBytes(39)), batch);

        // a view of a view, and the label filter
        ImageSource inner = view.subset(new int[] {4, 3});
        assertArrayEquals(concat(held.imageBytes(0), held.imageBytes(17)), inner.pixels(manager, new long[] {0, 1}).toByteArray());
        ImageSource odd = drawn.filterLabels(label -> label % 2 == 1);
        assertEquals(held.filterLabels(label -> label % 2 == 1).fingerprint(), odd.fingerprint());
        assertTrue(IntStream.of(odd.labels()).allMatch(label -> label % 2 == 1));
    }

    @Test
    void labeledImagesKeepsReturningInMemoryCopies() {
        LabeledImages held = new DrawnImages(4, 40, 2).toLabeledImages();
        assertInstanceOf(LabeledImages.class, held.subset(new int[] {1, 2}));
        assertInstanceOf(LabeledImages.class, held.filterLabels(label -> label == 1));
        NDArray pixels = held.pixels(manager, new long[] {5, 6});
        assertEquals(DataType.UINT8, pixels.getDataType());
        assertEquals(new Shape(2, 1, 28, 28), pixels.getShape());
    }

    @Test
    void anIndexOutOfRangeIsNamedWithTheSize() {
        DrawnImages drawn = new DrawnImages(3, 10, 1);
        ImageSource view = drawn.subset(new int[] {1, 2, 3});
        LabeledImages held = drawn.toLabeledImages();
        assertMessage("Image index 3 is outside this set of 3 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> view.pixels(manager, new long[] {0, 3})));
        assertMessage("Image index -1 is outside this set of 3 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> view.label(-1)));
        assertMessage("Image index 10 is outside this set of 10 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> drawn.subset(new int[] {0, 10})));
        assertMessage("Image index 12 is outside this set of 10 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> drawn.toNDArray(manager, new long[] {12}, PixelNormalization.NONE)));
        assertMessage("Image index 10 is outside this set of 10 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> drawn.labelsNDArray(manager, new long[] {10})));
        assertMessage("Image index 10 is outside this set of 10 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> held.label(10)));
        assertMessage("Image index 11 is outside this set of 10 images.",
                assertThrows(IndexOutOfBoundsException.class, () -> held.pixels(manager, new long[] {11})));
    }

    @Test
    void pixelsOfTheWrongTypeOrShapeAreReported() {
        DrawnImages drawn = new DrawnImages(3, 10, 1);
        ImageSource floats = new ImageSource() {
            @Override
            public int size() {
                return drawn.size();
            }

            @Override
            public Shape imageShape() {
                return drawn.imageShape();
            }

            @Override
            public int label(int index) {
                return drawn.label(index);
            }

            @Override
            public int[] labels() {
                return drawn.labels();
            }

            @Override
            public NDArray pixels(NDManager m, long[] indices) {
                return drawn.pixels(m, indices).toType(DataType.FLOAT32, false);
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> floats.toNDArray(manager, new long[] {1, 2}, PixelNormalization.NONE));
        assertTrue(e.getMessage().contains("expected UINT8 of shape (2, 1, 28, 28)"), e.getMessage());
    }

    private static void assertMessage(String expected, Exception e) {
        assertEquals(expected, e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
