package io.github.dml4j.backbone;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.distance.Normalization;
import io.github.dml4j.nn.ParameterGroup;

import java.util.List;

/**
 * The network that maps an image to its embedding: a backbone, then optionally L2
 * normalization. It is the one network shared by every head during training and the only
 * network exported.
 *
 * <p>It also carries what is needed to feed it: the input shape (C, H, W) and the pixel
 * normalization, so that a saved model preprocesses images exactly as in training.
 */
public final class EmbeddingNet extends AbstractBlock {

    private static final byte VERSION = 1;

    private final BackboneConfig backbone;
    private final boolean normalize;
    private final Shape inputShape;
    private final PixelNormalization pixelNormalization;
    private final Block backboneBlock;

    private EmbeddingNet(Builder builder) {
        super(VERSION);
        this.backbone = builder.backbone;
        this.normalize = builder.normalize;
        this.inputShape = builder.inputShape;
        this.pixelNormalization = builder.pixelNormalization;
        this.backboneBlock = addChildBlock("backbone", backbone.newBlock((int) builder.inputShape.get(0)));
        // PyTorch's default for conv and linear weights: uniform in +-1/sqrt(fan_in)
        backboneBlock.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                XavierInitializer.FactorType.IN, 1f), Parameter.Type.WEIGHT);
    }

    /** Returns a builder; backbone and input shape are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The backbone's configuration. */
    public BackboneConfig getBackbone() {
        return backbone;
    }

    /** Whether embeddings are L2-normalized. */
    public boolean isNormalize() {
        return normalize;
    }

    /** Shape of one input image, (C, H, W). */
    public Shape getInputShape() {
        return inputShape;
    }

    /** How 8-bit pixels are turned into the network's input. */
    public PixelNormalization getPixelNormalization() {
        return pixelNormalization;
    }

    /** Length of the embedding. */
    public int getEmbeddingSize() {
        return backbone.embeddingSize();
    }

    /** Shape of a batch of inputs, (B, C, H, W). */
    public Shape batchInputShape(long batchSize) {
        return new Shape(batchSize).addAll(inputShape);
    }

    /** Initializes the parameters for this network's input shape. */
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, batchInputShape(1));
    }

    /**
     * The groups of trainable parameters: the whole network as one group named
     * {@code "embedding"} at the trainer's learning rate.
     */
    public List<ParameterGroup> parameterGroups() {
        List<Parameter> trainable = getParameters().values().stream().filter(Parameter::requiresGradient).toList();
        return trainable.isEmpty() ? List.of() : List.of(new ParameterGroup("embedding", 1f, trainable));
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDList out = backboneBlock.forward(parameterStore, inputs, training, params);
        return normalize ? new NDList(Normalization.l2(out.singletonOrThrow())) : out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), backbone.embeddingSize())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        backboneBlock.initialize(manager, dataType, inputShapes);
    }

    @Override
    public String toString() {
        return "EmbeddingNet{backbone=" + backbone + ", normalize=" + normalize + ", input=" + inputShape + '}';
    }

    /** Builder for {@link EmbeddingNet}. */
    public static final class Builder {
        private BackboneConfig backbone;
        private boolean normalize;
        private Shape inputShape;
        private PixelNormalization pixelNormalization = PixelNormalization.NONE;

        private Builder() {}

        /** Sets the backbone (required). */
        public Builder setBackbone(BackboneConfig backbone) {
            this.backbone = backbone;
            return this;
        }

        /** Sets the input shape of one image, channels first (required). */
        public Builder setInputShape(int channels, int height, int width) {
            this.inputShape = new Shape(channels, height, width);
            return this;
        }

        /** L2-normalizes the embeddings (default {@code false}). */
        public Builder optNormalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Sets the pixel normalization (default: scale to [0, 1] only). */
        public Builder optPixelNormalization(PixelNormalization normalization) {
            this.pixelNormalization = normalization;
            return this;
        }

        /** Builds the network; its parameters are not initialized yet. */
        public EmbeddingNet build() {
            if (backbone == null) {
                throw new IllegalArgumentException("EmbeddingNet needs a backbone: call setBackbone(ConvNet.small(64)) or similar.");
            }
            if (inputShape == null) {
                throw new IllegalArgumentException("EmbeddingNet needs an input shape: call setInputShape(channels, height, width).");
            }
            for (long d : inputShape.getShape()) {
                if (d <= 0) {
                    throw new IllegalArgumentException("The input shape of EmbeddingNet must be positive, got " + inputShape + ".");
                }
            }
            if (pixelNormalization == null) {
                throw new IllegalArgumentException("The pixel normalization of EmbeddingNet must not be null.");
            }
            return new EmbeddingNet(this);
        }
    }
}
