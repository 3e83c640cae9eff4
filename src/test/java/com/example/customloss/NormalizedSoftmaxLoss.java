package com.example.customloss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.github.dml4j.loss.ClassLabels;
import io.github.dml4j.loss.EmbeddingLoss;
import io.github.dml4j.miner.MinedTuples;

/**
 * A loss written outside DML4J against its public API only: the normalized softmax loss
 * (Zhai and Wu 2018, pytorch-metric-learning's {@code NormalizedSoftmaxLoss}), a softmax
 * cross-entropy over the cosines between each embedding and C learned class weights, divided by
 * a temperature:
 *
 * <pre>
 *   L = mean_i( -log softmax( cos(x_i, W_j) / T )[y_i] )        W is (C, D), one row per class
 * </pre>
 *
 * <p>The class weights are this loss's own trainable parameter: added with {@code addParameter}
 * in the constructor, sized from the embedding size in {@code prepare}, read through the
 * parameter store so that the trainer updates them at the loss's learning-rate multiplier.
 */
public final class NormalizedSoftmaxLoss extends EmbeddingLoss {

    private static final byte VERSION = 1;

    private final int numClasses;
    private final float temperature;
    private final Parameter classWeights;

    /**
     * @param numClasses the number of classes C of the training labels
     * @param temperature the temperature T, &gt; 0 (pytorch-metric-learning's default is 0.05)
     * @param learningRateMultiplier the multiple of the trainer's rate at which the class weights train
     */
    public NormalizedSoftmaxLoss(int numClasses, float temperature, float learningRateMultiplier) {
        super(VERSION, "NormalizedSoftmaxLoss", learningRateMultiplier);
        if (numClasses < 2 || !(temperature > 0f)) {
            throw new IllegalArgumentException("NormalizedSoftmaxLoss needs at least 2 classes and a temperature > 0.");
        }
        this.numClasses = numClasses;
        this.temperature = temperature;
        this.classWeights = addParameter(Parameter.builder()
                .setName("classWeights")
                .setType(Parameter.Type.WEIGHT)
                .optInitializer(new NormalInitializer(1f))
                .build());
    }

    /** The (C, D) class weights. */
    public Parameter getClassWeights() {
        return classWeights;
    }

    /** Sizes the class weights from the embeddings' shape (B, D), the first input. */
    @Override
    protected void prepare(Shape[] inputShapes) {
        classWeights.setShape(new Shape(numClasses, inputShapes[0].get(1)));
    }

    @Override
    protected NDArray computeLoss(ParameterStore parameterStore, NDArray embeddings, NDArray labels, MinedTuples tuples,
                                  boolean training) {
        NDArray weights = parameterStore.getValue(classWeights, embeddings.getDevice(), training);
        // a differentiable copy in the batch's manager, so that nothing of the step stays with the parameter
        NDArray w = embeddings.getManager().create(1f).mul(weights);
        NDArray unitWeights = w.div(w.norm(new int[] {1}, true).maximum(1e-12f));
        NDArray unitEmbeddings = embeddings.div(embeddings.norm(new int[] {1}, true).maximum(1e-12f));
        NDArray logits = unitEmbeddings.matMul(unitWeights.transpose()).div(temperature);
        NDArray y = ClassLabels.checkRange(labels, numClasses, getName(), "");
        NDArray oneHot = y.oneHot(numClasses).toType(logits.getDataType(), false);
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
    }
}
