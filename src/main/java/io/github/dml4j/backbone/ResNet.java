package io.github.dml4j.backbone;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;

import java.util.Arrays;
import java.util.List;

/**
 * ResNet v1 (He et al., 2016) as torchvision builds it, ending in an embedding: ResNet-18 and -34
 * of basic blocks, ResNet-50 of bottleneck blocks (stride on the 3x3 convolution, "v1.5"), then
 * global average pooling and a linear projection to the embedding.
 *
 * <p>The stem is torchvision's (7x7 convolution with stride 2, then 3x3 max pooling with stride
 * 2) or, with {@code smallInput}, a 3x3 convolution with stride 1 and no pooling, which suits
 * images of 64 pixels and less (CIFAR-style). {@code width} is the channel count of the first
 * stage (64 in the paper); the four stages have width, 2x, 4x and 8x that many channels (times 4
 * for bottleneck outputs).
 *
 * <p>The block initializes itself as torchvision does: every convolution Kaiming-normal on its
 * fan-out (standard deviation sqrt(2 / (out channels x kernel area))), batch norm at scale one and
 * shift zero, the projection as PyTorch's {@code Linear} (uniform in +-1/sqrt(fan_in)). With
 * {@code zeroInitResidual} the last batch norm of every residual block starts at scale zero, so
 * each block starts as the identity (Goyal et al., 2017).
 *
 * <pre>{@code
 * EmbeddingNet net = EmbeddingNet.builder()
 *         .setBackbone(ResNet.builder().setDepth(18).setEmbeddingSize(128).optSmallInput(true).build())
 *         .setInputShape(3, 64, 64)
 *         .build();
 * }</pre>
 *
 * @param depth 18, 34 or 50
 * @param embeddingSize length of the embedding
 * @param width channels of the first stage, at least 1 (64 in the paper)
 * @param smallInput whether the stem is a 3x3 convolution without pooling, for small images
 * @param zeroInitResidual whether the last batch norm of each residual block starts at scale zero
 */
public record ResNet(int depth, int embeddingSize, int width, boolean smallInput, boolean zeroInitResidual)
        implements Backbone {

    /** Type name in model cards. */
    public static final String TYPE = "resnet";

    /** The depths built here. */
    public static final List<Integer> DEPTHS = List.of(18, 34, 50);

    /** Validates the configuration. */
    public ResNet {
        if (!DEPTHS.contains(depth)) {
            throw new IllegalArgumentException("ResNet depth must be one of " + DEPTHS + ", got " + depth + ".");
        }
        if (embeddingSize <= 0) {
            throw new IllegalArgumentException("The embedding size must be positive, got " + embeddingSize + ".");
        }
        if (width <= 0) {
            throw new IllegalArgumentException("The ResNet width must be positive, got " + width + ".");
        }
    }

    /** ResNet-18 with torchvision's stem and width 64. */
    public static ResNet resnet18(int embeddingSize) {
        return builder().setDepth(18).setEmbeddingSize(embeddingSize).build();
    }

    /** ResNet-34 with torchvision's stem and width 64. */
    public static ResNet resnet34(int embeddingSize) {
        return builder().setDepth(34).setEmbeddingSize(embeddingSize).build();
    }

    /** ResNet-50 with torchvision's stem and width 64. */
    public static ResNet resnet50(int embeddingSize) {
        return builder().setDepth(50).setEmbeddingSize(embeddingSize).build();
    }

    /** Creates a builder; depth and embedding size are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Whether the residual blocks are bottlenecks (ResNet-50) rather than basic blocks. */
    public boolean bottleneck() {
        return depth >= 50;
    }

    /** The number of residual blocks in each of the four stages. */
    public int[] blocksPerStage() {
        return depth == 18 ? new int[] {2, 2, 2, 2} : new int[] {3, 4, 6, 3};
    }

    /** Channels of the last stage's output: the input of the projection. */
    public int featureSize() {
        return width * 8 * (bottleneck() ? 4 : 1);
    }

    /**
     * Builds a new ResNet for images of {@code inputShape}, with the initializer of every
     * parameter set.
     *
     * @throws IllegalArgumentException if the shape is not (C, H, W) with positive sizes, or the
     *     images are too small for the stem's and stages' strides
     */
    @Override
    public Block newBlock(Shape inputShape) {
        if (inputShape == null || inputShape.dimension() != 3
                || Arrays.stream(inputShape.getShape()).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("A ResNet takes images of shape (C, H, W) with positive sizes, got "
                    + inputShape + ".");
        }
        // each stride-2 step maps n to ceil(n / 2); the last stage must keep at least one pixel
        int minSide = smallInput ? 8 : 32;
        if (inputShape.get(1) < minSide || inputShape.get(2) < minSide) {
            throw new IllegalArgumentException("A ResNet " + (smallInput ? "with the small-input stem" : "with torchvision's stem")
                    + " needs images of at least " + minSide + "x" + minSide + " pixels, got " + inputShape
                    + (smallInput ? "." : "; for small images use optSmallInput(true)."));
        }
        SequentialBlock net = new SequentialBlock();
        long in = inputShape.get(0);
        if (smallInput) {
            net.add(conv(in, width, 3, 1, 1));
        } else {
            net.add(conv(in, width, 7, 2, 3));
        }
        net.add(batchNorm(false)).add(Activation.reluBlock());
        if (!smallInput) {
            net.add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
        }
        int[] blocks = blocksPerStage();
        int expansion = bottleneck() ? 4 : 1;
        long channels = width;
        for (int stage = 0; stage < 4; stage++) {
            int planes = width << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                net.add(residual(channels, planes, stride));
                channels = (long) planes * expansion;
            }
        }
        net.add(Pool.globalAvgPool2dBlock());
        net.add(TorchInit.torchDefault(Linear.builder().setUnits(embeddingSize).build(), channels));
        return net;
    }

    private Block residual(long in, int planes, int stride) {
        SequentialBlock main = new SequentialBlock();
        long out;
        if (bottleneck()) {
            out = planes * 4L;
            main.add(conv(in, planes, 1, 1, 0)).add(batchNorm(false)).add(Activation.reluBlock())
                    .add(conv(planes, planes, 3, stride, 1)).add(batchNorm(false)).add(Activation.reluBlock())
                    .add(conv(planes, out, 1, 1, 0)).add(batchNorm(zeroInitResidual));
        } else {
            out = planes;
            main.add(conv(in, planes, 3, stride, 1)).add(batchNorm(false)).add(Activation.reluBlock())
                    .add(conv(planes, planes, 3, 1, 1)).add(batchNorm(zeroInitResidual));
        }
        Block shortcut = stride != 1 || in != out
                ? new SequentialBlock().add(conv(in, out, 1, stride, 0)).add(batchNorm(false))
                : Blocks.identityBlock();
        return new SequentialBlock()
                .add(new ParallelBlock(paths -> new NDList(NDArrays.add(
                        paths.get(0).singletonOrThrow(), paths.get(1).singletonOrThrow())), List.of(main, shortcut)))
                .add(Activation.reluBlock());
    }

    private static Block conv(long in, long out, int kernel, int stride, int padding) {
        Block conv = Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .setFilters((int) out)
                .optBias(false)
                .build();
        conv.setInitializer(new NormalInitializer((float) Math.sqrt(2.0 / (out * kernel * kernel))), Parameter.Type.WEIGHT);
        return conv;
    }

    private static Block batchNorm(boolean zeroScale) {
        Block bn = BatchNorm.builder().build();
        bn.setInitializer(new ConstantInitializer(zeroScale ? 0f : 1f), Parameter.Type.GAMMA);
        bn.setInitializer(new ConstantInitializer(0f), Parameter.Type.BETA);
        return bn;
    }

    /** Builds a {@link ResNet}; depth and embedding size are required. */
    public static final class Builder {
        private int depth;
        private int embeddingSize;
        private int width = 64;
        private boolean smallInput;
        private boolean zeroInitResidual;

        private Builder() {}

        /** Sets the depth: 18, 34 or 50. */
        public Builder setDepth(int depth) {
            this.depth = depth;
            return this;
        }

        /** Sets the length of the embedding. */
        public Builder setEmbeddingSize(int embeddingSize) {
            this.embeddingSize = embeddingSize;
            return this;
        }

        /** Sets the channels of the first stage (default 64, as in the paper). */
        public Builder optWidth(int width) {
            this.width = width;
            return this;
        }

        /** Uses a 3x3 stem with stride 1 and no max pooling, for images of 64 pixels and less (default false). */
        public Builder optSmallInput(boolean smallInput) {
            this.smallInput = smallInput;
            return this;
        }

        /** Starts the last batch norm of every residual block at scale zero (default false). */
        public Builder optZeroInitResidual(boolean zeroInitResidual) {
            this.zeroInitResidual = zeroInitResidual;
            return this;
        }

        /**
         * Builds the ResNet.
         *
         * @throws IllegalArgumentException if the depth is not 18, 34 or 50, or a size is not positive
         */
        public ResNet build() {
            return new ResNet(depth, embeddingSize, width, smallInput, zeroInitResidual);
        }
    }
}
