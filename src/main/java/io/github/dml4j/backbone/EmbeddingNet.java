package io.github.dml4j.backbone;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.distance.Normalization;
import io.github.dml4j.nn.ParameterGroup;

import java.util.List;

/**
 * The network that maps an image to its embedding: a {@link Backbone}'s block, then optionally
 * L2 normalization. It is the one network shared by every head during training and the only
 * network exported.
 *
 * <p>It also carries what is needed to feed it: the input shape (C, H, W) and the pixel
 * normalization, so that a saved model preprocesses images exactly as in training.
 *
 * <p>The network sets no initializer of its own: the backbone's block initializes itself, and
 * parameters that arrive with their weights keep them through {@link #initialize(NDManager)}.
 * The embedding size is what the block outputs for the input shape.
 */
public final class EmbeddingNet extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Backbone backbone;
    private final boolean normalize;
    private final Shape inputShape;
    private final PixelNormalization pixelNormalization;
    private final Block backboneBlock;
    private volatile int embeddingSize;

    private EmbeddingNet(Builder builder) {
        super(VERSION);
        this.backbone = builder.backbone;
        this.normalize = builder.normalize;
        this.inputShape = builder.inputShape;
        this.pixelNormalization = builder.pixelNormalization;
        Block block = backbone.newBlock(inputShape);
        if (block == null) {
            throw new IllegalArgumentException("Backbone " + backbone + " returned no block.");
        }
        this.backboneBlock = addChildBlock("backbone", block);
        Shape out = reportedOutputShape();
        if (out != null) {
            this.embeddingSize = checkedEmbeddingSize(out);
        }
    }

    /** Returns a builder; backbone and input shape are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The backbone, as the model card stores it. */
    public Backbone getBackbone() {
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

    /**
     * Length of the embedding: the last dimension of the backbone block's output for the input
     * shape. A block that cannot report its output shape (DJL's {@code getOutputShapes}) is run
     * once on zeros instead, which needs its parameters.
     *
     * @throws IllegalStateException if the block cannot report its output shape and is not
     *     initialized yet
     */
    public int getEmbeddingSize() {
        int size = embeddingSize;
        if (size == 0) {
            size = checkedEmbeddingSize(forwardOutputShape());
            embeddingSize = size;
        }
        return size;
    }

    /** The backbone block's reported output shape for one image, or null if it reports none. */
    private Shape reportedOutputShape() {
        try {
            Shape[] out = backboneBlock.getOutputShapes(new Shape[] {batchInputShape(1)});
            return out == null || out.length == 0 ? null : out[0];
        } catch (RuntimeException e) {
            return null; // e.g. a block that knows its shapes only once loaded
        }
    }

    /** The backbone block's output shape for one image of zeros, in inference mode. */
    private Shape forwardOutputShape() {
        if (!backboneBlock.getParameters().values().stream().allMatch(Parameter::isInitialized)) {
            throw new IllegalStateException("The block of backbone " + backbone + " does not report its output shape, so"
                    + " the embedding size is known once the network is initialized.");
        }
        Parameter any = backboneBlock.getParameters().isEmpty() ? null : backboneBlock.getParameters().valueAt(0);
        try (NDManager manager = any == null ? NDManager.newBaseManager()
                : NDManager.newBaseManager(any.getArray().getDevice())) {
            NDList out = backboneBlock.forward(new ParameterStore(manager, false),
                    new NDList(manager.zeros(batchInputShape(1))), false);
            return out.singletonOrThrow().getShape();
        }
    }

    private int checkedEmbeddingSize(Shape out) {
        if (out.dimension() != 2 || out.get(0) != 1 || out.get(1) <= 0 || out.get(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("The block of backbone " + backbone + " maps input "
                    + batchInputShape(1) + " to " + out + "; an embedding network needs (1, embedding size).");
        }
        return (int) out.get(1);
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
        return new Shape[] {new Shape(inputShapes[0].get(0), getEmbeddingSize())};
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
        private Backbone backbone;
        private boolean normalize;
        private Shape inputShape;
        private PixelNormalization pixelNormalization = PixelNormalization.NONE;

        private Builder() {}

        /** Sets the backbone (required), for example {@code ConvNet.small(64)}. */
        public Builder setBackbone(Backbone backbone) {
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

        /**
         * Builds the network on a block of the backbone; parameters that did not arrive with
         * their weights are initialized by {@link EmbeddingNet#initialize(NDManager)} (or a
         * head's or trainer's initialization).
         *
         * @throws IllegalArgumentException if a setting is missing or invalid, or the backbone's
         *     block does not output (batch, embedding size) for the input shape
         */
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
