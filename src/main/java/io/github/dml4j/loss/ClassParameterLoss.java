package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import io.github.dml4j.miner.MinedTuples;

/**
 * A loss that owns one parameter row or column per class (ArcFace's and CosFace's class
 * weights, proxy-anchor's proxies, center loss's centres) and scores a batch's embeddings
 * against it from their class labels in [0, C).
 *
 * <p>The parameter is sized at initialization from the embedding size D: (D, C), one column per
 * class, as pytorch-metric-learning lays out class weights, or (C, D), one row per class. Its
 * values are read through the parameter store into the batch's manager, so that nothing of a
 * step is left in the parameter's manager. Labels are checked on the engine (a max and a min).
 */
public abstract class ClassParameterLoss extends EmbeddingLoss {

    private static final byte VERSION = 1;

    private final int numClasses;
    private final boolean classesInColumns;
    private final Parameter classParameter;

    /**
     * @param name the loss name
     * @param numClasses the number of classes C, at least 2
     * @param learningRateMultiplier the multiple of the trainer's learning rate for the parameter
     * @param parameterName the parameter's name, e.g. {@code "classWeights"}
     * @param classesInColumns {@code true} for a (D, C) parameter, {@code false} for (C, D)
     * @param initializer how the parameter starts
     * @param requiresGradient {@code false} for a parameter the loss moves itself, outside the optimizer
     */
    protected ClassParameterLoss(String name, int numClasses, float learningRateMultiplier, String parameterName,
                                 boolean classesInColumns, Initializer initializer, boolean requiresGradient) {
        super(VERSION, name, learningRateMultiplier);
        if (numClasses < 2) {
            throw new IllegalArgumentException(name + " needs at least 2 classes: call setNumClasses(...), got "
                    + numClasses + ".");
        }
        this.numClasses = numClasses;
        this.classesInColumns = classesInColumns;
        this.classParameter = addParameter(Parameter.builder()
                .setName(parameterName)
                .setType(Parameter.Type.WEIGHT)
                .optInitializer(initializer)
                .optRequiresGrad(requiresGradient)
                .build());
    }

    /** The number of classes C. */
    public int getNumClasses() {
        return numClasses;
    }

    /** The per-class parameter, (D, C) or (C, D). */
    protected final Parameter classParameter() {
        return classParameter;
    }

    /** Sizes the parameter from the embedding size, the second dimension of the first input. */
    @Override
    protected void prepare(Shape[] inputShapes) {
        long d = inputShapes[0].get(inputShapes[0].dimension() - 1);
        classParameter.setShape(classesInColumns ? new Shape(d, numClasses) : new Shape(numClasses, d));
    }

    @Override
    protected final NDArray computeLoss(ParameterStore parameterStore, NDArray embeddings, NDArray labels,
                                        MinedTuples tuples, boolean training) {
        NDArray value = parameterStore.getValue(classParameter, embeddings.getDevice(), training);
        long d = embeddings.getShape().get(1);
        if (value.getShape().get(classesInColumns ? 0 : 1) != d) {
            throw new IllegalArgumentException(getName() + " was initialized for embeddings of size "
                    + value.getShape().get(classesInColumns ? 0 : 1) + " but got embeddings of size " + d + ".");
        }
        NDArray checked = ClassLabels.checkRange(labels, numClasses, getName(),
                "Build the loss with setNumClasses(...) covering every training label, or remap the labels.");
        return computeFromParameter(embeddings, checked, value, training);
    }

    /**
     * Computes the loss from the checked labels and the parameter's value.
     *
     * @param embeddings (B, D) embeddings
     * @param labels (B) int64 labels in [0, C)
     * @param parameter the parameter's value on the embeddings' device (the parameter's own array
     *     on a single device); operations must put the batch array first, or use
     *     {@link #inManagerOf}, so that results join the batch's manager
     * @param training whether this is a training step
     * @return the scalar loss
     */
    protected abstract NDArray computeFromParameter(NDArray embeddings, NDArray labels, NDArray parameter,
                                                    boolean training);

    /**
     * A differentiable copy of {@code parameter} in the manager of {@code batchArray}: operations
     * on the copy leave nothing in the parameter's manager (DJL puts a result in the manager of
     * the first operand).
     */
    protected static NDArray inManagerOf(NDArray batchArray, NDArray parameter) {
        return batchArray.getManager().create(1f).toType(parameter.getDataType(), false).mul(parameter);
    }

    /**
     * The builder settings every class-parameter loss shares: the number of classes and the
     * parameter's learning-rate multiplier.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> {
        int numClasses;
        float learningRateMultiplier;

        /** @param defaultMultiplier the loss's default learning-rate multiplier */
        protected BaseBuilder(float defaultMultiplier) {
            this.learningRateMultiplier = defaultMultiplier;
        }

        /** Sets the number of classes C of the training labels, which lie in [0, C) (required). */
        public T setNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return self();
        }

        /**
         * Sets the multiple of the trainer's learning rate at which the per-class parameter
         * trains (the loss's default is in its {@code builder()} doc).
         */
        public T optLearningRateMultiplier(float multiplier) {
            this.learningRateMultiplier = multiplier;
            return self();
        }

        /** This builder, typed. */
        protected abstract T self();
    }
}
