package io.github.dml4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.LabeledImages;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link ImageSource} that holds no pixels: it draws image {@code i} from the index each time it
 * is read, 1x28x28, class {@code i % classes}, in the style of {@link SyntheticImages} (three
 * Gaussian blobs per class, shifted, scaled in brightness, with a distractor blob and noise), so
 * that a network learns from it. It stands for a source larger than memory and counts the
 * images it has drawn.
 */
public final class DrawnImages implements ImageSource {

    private static final int SIDE = 28;

    private final int classes;
    private final int size;
    private final long seed;
    private final double[][][] blobs;
    private final AtomicLong drawn = new AtomicLong();

    /** {@code size} images of {@code classes} classes, the same for the same seed. */
    public DrawnImages(int classes, int size, long seed) {
        this.classes = classes;
        this.size = size;
        this.seed = seed;
        Random protoRandom = new Random(1234);
        blobs = new double[classes][3][];
        for (int c = 0; c < classes; c++) {
            for (int b = 0; b < 3; b++) {
                blobs[c][b] = new double[] {6 + protoRandom.nextDouble() * 16, 6 + protoRandom.nextDouble() * 16,
                        1.5 + protoRandom.nextDouble() * 2.5};
            }
        }
    }

    /** The same images and labels held in memory, drawn without going through {@link #pixels}. */
    public LabeledImages toLabeledImages() {
        byte[] pixels = new byte[size * SIDE * SIDE];
        for (int i = 0; i < size; i++) {
            System.arraycopy(draw(i), 0, pixels, i * SIDE * SIDE, SIDE * SIDE);
        }
        return LabeledImages.of(pixels, labels(), 1, SIDE, SIDE);
    }

    /** How many images {@link #pixels} has drawn so far. */
    public long drawn() {
        return drawn.get();
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Shape imageShape() {
        return new Shape(1, SIDE, SIDE);
    }

    @Override
    public int label(int index) {
        check(index);
        return index % classes;
    }

    @Override
    public int[] labels() {
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = i % classes;
        }
        return labels;
    }

    @Override
    public NDArray pixels(NDManager manager, long[] indices) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(indices.length * SIDE * SIDE);
        for (long index : indices) {
            check(index);
            buffer.put(draw((int) index));
        }
        drawn.addAndGet(indices.length);
        buffer.rewind();
        return manager.create(buffer, new Shape(indices.length, 1, SIDE, SIDE), DataType.UINT8);
    }

    private void check(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("Image index " + index + " is outside these " + size + " drawn images.");
        }
    }

    private byte[] draw(int index) {
        Random r = new Random(seed * 1_000_003L + index);
        int c = index % classes;
        double dx = r.nextInt(7) - 3;
        double dy = r.nextInt(7) - 3;
        double gain = 0.6 + 0.6 * r.nextDouble();
        double[] distractor = {4 + r.nextDouble() * 20, 4 + r.nextDouble() * 20, 1.5 + r.nextDouble() * 2};
        byte[] image = new byte[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double v = 0;
                for (double[] b : blobs[c]) {
                    v += blob(x - dx, y - dy, b);
                }
                v = gain * v + 0.8 * blob(x, y, distractor) + 0.25 * r.nextGaussian();
                image[y * SIDE + x] = (byte) Math.round(255 * Math.max(0, Math.min(1, v)));
            }
        }
        return image;
    }

    private static double blob(double x, double y, double[] b) {
        double d2 = (x - b[0]) * (x - b[0]) + (y - b[1]) * (y - b[1]);
        return Math.exp(-d2 / (2 * b[2] * b[2]));
    }

    @Override
    public String toString() {
        return "DrawnImages{" + size + " images, " + classes + " classes, seed " + seed + '}';
    }
}
