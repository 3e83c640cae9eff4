package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import io.github.dml4j.backbone.EmbeddingNet;

import java.util.Map;

/**
 * A class head that owns one per-class parameter matrix (class weights, proxies) and trains it at
 * a learning rate of its own. Forward returns the embeddings and the (B, C) scores of the
 * embeddings against the parameter; the loss is computed from the scores.
 */
abstract class ClassParameterHead extends ClassHead {

    private final Parameter classParameter;
    private final float learningRate;
    private final Loss loss;

    /**
     * @param parameterName the name of the per-class parameter
     * @param shape its shape, (D, C) or (C, D)
     * @param initialStd the standard deviation of its normal initial values
     * @param learningRate its own learning rate
     * @param lossName the name of the loss shown in logs
     */
    ClassParameterHead(byte version, EmbeddingNet embeddingNet, int numClasses, String parameterName, Shape shape,
                       float initialStd, float learningRate, String lossName) {
        super(version, embeddingNet, numClasses);
        this.classParameter = addParameter(Parameter.builder()
                .setName(parameterName)
                .setType(Parameter.Type.WEIGHT)
                .optShape(shape)
                .optInitializer(new NormalInitializer(initialStd))
                .build());
        this.learningRate = learningRate;
        this.loss = new ScoreLoss(lossName, this);
    }

    /**
     * The (B, C) scores of the embeddings against the parameter's value.
     *
     * @param embeddings (B, D) embeddings
     * @param parameter the parameter's value on the embeddings' device
     */
    abstract NDArray scores(NDArray embeddings, NDArray parameter);

    /**
     * The loss of a batch from its scores.
     *
     * @param scores (B, C) as {@link #scores} returns them
     * @param labels (B) or (B, 1) integer labels in [0, C)
     */
    abstract NDArray lossFromScores(NDArray scores, NDArray labels);

    /** The per-class parameter. */
    final Parameter classParameter() {
        return classParameter;
    }

    /** The per-class parameter's own learning rate. */
    final float parameterLearningRate() {
        return learningRate;
    }

    /** Evaluated on (labels, forward output): the loss of the scores. */
    @Override
    public Loss getLoss() {
        return loss;
    }

    @Override
    public Map<Parameter, Float> getParameterLearningRates() {
        return Map.of(classParameter, learningRate);
    }

    /** Returns the embeddings and the (B, C) scores against the per-class parameter. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray embeddings = getEmbeddingNet().forward(parameterStore, inputs, training, params).head();
        NDArray parameter = parameterStore.getValue(classParameter, embeddings.getDevice(), training);
        return new NDList(embeddings, scores(embeddings, parameter));
    }

    /** Checks that the labels lie in [0, C), then as the forward pass without labels. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
                                     PairList<String, Object> params) {
        if (labels != null && !labels.isEmpty()) {
            checkLabels(labels.head());
        }
        return forwardInternal(parameterStore, data, true, params);
    }

    /** The head's loss of the forward pass's scores (the second prediction). */
    private static final class ScoreLoss extends Loss {
        private final ClassParameterHead head;

        ScoreLoss(String name, ClassParameterHead head) {
            super(name);
            this.head = head;
        }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) {
            return head.lossFromScores(predictions.get(1), labels.head());
        }
    }
}
