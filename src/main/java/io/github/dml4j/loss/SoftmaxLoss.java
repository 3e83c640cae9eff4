package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import io.github.dml4j.miner.MinedTuples;

/**
 * Softmax cross-entropy of a linear classifier on the embedding, {@code L = reduce_i(-log
 * softmax(W x_i + b)[y_i])}: the classification objective that center loss is added to (Wen et
 * al. 2016), and a plain baseline on its own.
 *
 * <p>The loss owns the classifier (a DJL {@link Linear} block of C units with bias), initialized
 * as PyTorch initializes linear weights (uniform in +-1/sqrt(D)) with a zero bias, trained at the
 * trainer's learning rate by default and never exported with the embedding network.
 */
public final class SoftmaxLoss extends EmbeddingLoss {

    private static final byte VERSION = 1;

    private final int numClasses;
    private final Reduction reduction;
    private final Linear classifier;

    private SoftmaxLoss(Builder builder) {
        super(VERSION, "SoftmaxLoss", builder.learningRateMultiplier);
        if (builder.numClasses < 2) {
            throw new IllegalArgumentException("SoftmaxLoss needs at least 2 classes: call setNumClasses(...), got "
                    + builder.numClasses + ".");
        }
        this.numClasses = builder.numClasses;
        this.reduction = builder.reduction;
        this.classifier = addChildBlock("classifier", Linear.builder().setUnits(numClasses).build());
        classifier.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                XavierInitializer.FactorType.IN, 1f), Parameter.Type.WEIGHT);
    }

    /**
     * Returns a builder; the number of classes is required. Defaults: mean over the batch, the
     * trainer's learning rate.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of classes C. */
    public int getNumClasses() {
        return numClasses;
    }

    /** How the per-example cross-entropies are reduced (default mean). */
    public Reduction getReduction() {
        return reduction;
    }

    /** The linear classifier from the embedding to the C class logits. */
    public Linear getClassifier() {
        return classifier;
    }

    @Override
    protected NDArray computeLoss(ParameterStore parameterStore, NDArray embeddings, NDArray labels, MinedTuples tuples,
                                  boolean training) {
        NDArray flat = ClassLabels.checkRange(labels, numClasses, getName(),
                "Build the loss with setNumClasses(...) covering every training label, or remap the labels.");
        NDArray logits = classifier.forward(parameterStore, new NDList(embeddings), training).head();
        NDArray oneHot = flat.oneHot(numClasses).toType(logits.getDataType(), false);
        return reduction.reduce(logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        classifier.initialize(manager, dataType, inputShapes[0]);
    }

    @Override
    public String toString() {
        return "SoftmaxLoss{classes=" + numClasses + ", reduction=" + reduction + '}';
    }

    /** Builder for {@link SoftmaxLoss}. */
    public static final class Builder {
        private int numClasses;
        private float learningRateMultiplier = 1f;
        private Reduction reduction = Reduction.MEAN;

        private Builder() {}

        /** Sets the number of classes C of the training labels, which lie in [0, C) (required). */
        public Builder setNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** Sets the multiple of the trainer's learning rate at which the classifier trains (default 1). */
        public Builder optLearningRateMultiplier(float multiplier) {
            this.learningRateMultiplier = multiplier;
            return this;
        }

        /** Sets the reduction of the per-example cross-entropies (default mean). */
        public Builder optReduction(Reduction reduction) {
            this.reduction = reduction;
            return this;
        }

        /** Validates and builds the loss. */
        public SoftmaxLoss build() {
            if (reduction == null) {
                throw new IllegalArgumentException("The reduction of SoftmaxLoss must not be null.");
            }
            return new SoftmaxLoss(this);
        }
    }
}
