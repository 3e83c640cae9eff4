package io.github.dml4j.backbone;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

import java.util.Arrays;

/**
 * A small configurable CNN that ends in an embedding: for each stage a 3x3 convolution (padding
 * 1), batch norm and ReLU, with 2x2 max pooling after every stage but the last; then global
 * average pooling and a linear projection to the embedding.
 *
 * <p>The defaults are the benchmark protocol's ConvNet-S: channels 32, 64, 128 and a 64-d
 * embedding (about 102k parameters for 1-channel input).
 *
 * <p>The block it builds initializes itself as PyTorch initializes these layers: every
 * convolution and linear weight uniform in +-1/sqrt(fan_in) (Xavier-uniform on the fan-in, with
 * magnitude 1), every bias uniform in +-1/sqrt(fan_in), batch norm at scale one and shift zero.
 *
 * @param channels output channels of each stage, at least one
 * @param embeddingSize length of the embedding
 */
public record ConvNet(int[] channels, int embeddingSize) implements Backbone {

    /** Type name in model cards. */
    public static final String TYPE = "convnet";

    /** Validates the configuration. */
    public ConvNet {
        if (channels == null || channels.length == 0) {
            throw new IllegalArgumentException("A ConvNet needs at least one stage of channels.");
        }
        for (int c : channels) {
            if (c <= 0) {
                throw new IllegalArgumentException("ConvNet channels must be positive, got " + Arrays.toString(channels) + ".");
            }
        }
        if (embeddingSize <= 0) {
            throw new IllegalArgumentException("The embedding size must be positive, got " + embeddingSize + ".");
        }
        channels = channels.clone();
    }

    /** ConvNet-S of the benchmark protocol: channels 32, 64, 128 and the given embedding size. */
    public static ConvNet small(int embeddingSize) {
        return new ConvNet(new int[] {32, 64, 128}, embeddingSize);
    }

    /** {@return the output channels of each stage, a copy} */
    @Override
    public int[] channels() {
        return channels.clone();
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * Builds a new, uninitialized ConvNet for images of {@code inputShape}, with the
     * initializers of its weights and biases set (the biases' range depends on the number of
     * input channels).
     *
     * @throws IllegalArgumentException if the shape is not (C, H, W) with positive sizes
     */
    @Override
    public Block newBlock(Shape inputShape) {
        if (inputShape == null || inputShape.dimension() != 3
                || Arrays.stream(inputShape.getShape()).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("A ConvNet takes images of shape (C, H, W) with positive sizes, got "
                    + inputShape + ".");
        }
        SequentialBlock net = new SequentialBlock();
        long in = inputShape.get(0);
        for (int i = 0; i < channels.length; i++) {
            Block conv = Conv2d.builder()
                    .setKernelShape(new Shape(3, 3))
                    .optPadding(new Shape(1, 1))
                    .setFilters(channels[i])
                    .build();
            TorchInit.torchDefault(conv, in * 9);
            net.add(conv).add(BatchNorm.builder().build()).add(Activation.reluBlock());
            if (i < channels.length - 1) {
                net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
            }
            in = channels[i];
        }
        net.add(Pool.globalAvgPool2dBlock());
        net.add(TorchInit.torchDefault(Linear.builder().setUnits(embeddingSize).build(), channels[channels.length - 1]));
        return net;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvNet c && Arrays.equals(channels, c.channels) && embeddingSize == c.embeddingSize;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(channels) + embeddingSize;
    }

    @Override
    public String toString() {
        return "ConvNet{channels=" + Arrays.toString(channels) + ", embeddingSize=" + embeddingSize + '}';
    }
}
