package io.github.dml4j.inference;

import ai.djl.engine.Engine;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.provenance.TrainingProvenance;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Small networks, generated images and directory snapshots for the inference tests. */
final class TestModels {

    private TestModels() {}

    /** The brief's small net: ConvNet {8, 16}, 16-d, 1x28x28, Fashion-MNIST normalization, initialized with seed 0. */
    static EmbeddingNet smallNet(NDManager manager) {
        return net(manager, new int[] {8, 16}, 16, 1, false);
    }

    static EmbeddingNet net(NDManager manager, int[] channels, int embedding, int imageChannels, boolean normalize) {
        Engine.getInstance().setRandomSeed(0);
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(new ConvNet(channels, embedding))
                .setInputShape(imageChannels, 28, 28)
                .optNormalize(normalize)
                .optPixelNormalization(imageChannels == 1 ? PixelNormalization.FASHION_MNIST
                        : new PixelNormalization(new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.25f, 0.2f, 0.3f}))
                .build();
        net.initialize(manager);
        randomize(net, 0);
        return net;
    }

    /**
     * Gives every parameter, batch-norm running statistics included, random values, so that a
     * parameter that failed to load could not go unnoticed.
     */
    static void randomize(EmbeddingNet net, long seed) {
        Random random = new Random(seed);
        for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : net.getParameters()) {
            ai.djl.ndarray.NDArray array = p.getValue().getArray();
            float[] values = new float[(int) array.size()];
            boolean variance = p.getValue().getType() == ai.djl.nn.Parameter.Type.RUNNING_VAR;
            for (int i = 0; i < values.length; i++) {
                float v = (float) (random.nextGaussian() * 0.5);
                values[i] = variance ? Math.abs(v) + 0.5f : v;
            }
            array.set(java.nio.FloatBuffer.wrap(values));
        }
    }

    /** {@code n} random images, C x 28 x 28, labels i % 5. */
    static LabeledImages randomImages(int n, int channels, long seed) {
        byte[] pixels = new byte[n * channels * 28 * 28];
        new Random(seed).nextBytes(pixels);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 5;
        }
        return LabeledImages.of(pixels, labels, channels, 28, 28);
    }

    /** A TYPE_BYTE_GRAY image of the given (H, W) bytes. */
    static Image grayImage(byte[] hw, int height, int width) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, width, height, hw);
        return ImageFactory.getInstance().fromImage(img);
    }

    /** A TYPE_INT_RGB image of the given (3, H, W) bytes. */
    static Image rgbImage(byte[] chw, int height, int width) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int r = chw[i] & 0xff;
                int g = chw[plane + i] & 0xff;
                int b = chw[2 * plane + i] & 0xff;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return ImageFactory.getInstance().fromImage(img);
    }

    static TrainingProvenance provenance(LabeledImages data) {
        return TrainingProvenance.builder()
                .setDataset("random/test", data)
                .optHead("TripletMarginLoss{margin=0.2} with semi-hard miner")
                .optLoss("TripletMarginLoss")
                .optOptimizer("Adam")
                .optLearningRate(1e-3)
                .optEpochs(2)
                .optBatchSize(32)
                .optSeed(0)
                .optEpochLosses(0.25, 0.125)
                .optCreatedAt(Instant.parse("2025-01-31T12:00:00Z"))
                .addMetric("precision_at_1", 0.75)
                .addMetric("mean_average_precision_at_r", 0.5)
                .build();
    }

    /** File name -> SHA-256 of every file under {@code dir} (recursively), plus directory names. */
    static Map<String, String> snapshot(Path dir) {
        Map<String, String> result = new TreeMap<>();
        if (!Files.exists(dir)) {
            return result;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String key = dir.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    result.put(key + "/", "dir");
                } else {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    result.put(key, HexFormat.of().formatHex(md.digest(Files.readAllBytes(p)))
                            + "@" + Files.getLastModifiedTime(p).toMillis());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return result;
    }
}
