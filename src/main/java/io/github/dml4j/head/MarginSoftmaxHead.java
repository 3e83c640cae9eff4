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
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.CosFaceLoss;
import io.github.dml4j.loss.MarginSoftmaxLoss;

import java.util.Map;

/**
 * The head of the margin-softmax losses, {@link ArcFaceLoss} (Deng et al. 2019) and
 * {@link CosFaceLoss} (Wang et al. 2018): it owns the (D, C) class weights, one column per class,
 * and trains them at a learning rate of their own.
 *
 * <p>Forward returns the embeddings and the (B, C) cosines between the L2-normalized embeddings
 * and class weights; the loss adds the margin to each example's own class and takes the scaled
 * softmax cross-entropy. The class weights start from N(0, 1), as in pytorch-metric-learning
 * (only their direction matters). Only the embedding network is exported; the class weights are
 * dropped with the head.
 *
 * <pre>{@code
 * MarginSoftmaxHead head = MarginSoftmaxHead.builder()
 *         .setEmbeddingNet(net)
 *         .setNumClasses(10)
 *         .optLoss(ArcFaceLoss.builder().optMargin(28.6f).optScale(64f).build())
 *         .optClassWeightLearningRate(1e-2f)
 *         .build();
 * }</pre>
 */
public final class MarginSoftmaxHead extends MetricHead {

    private static final byte VERSION = 1;

    private final MarginSoftmaxLoss marginLoss;
    private final int numClasses;
    private final float classWeightLearningRate;
    private final Parameter classWeights;
    private final Loss loss;

    private MarginSoftmaxHead(Builder builder) {
        super(VERSION, builder.embeddingNet);
        this.marginLoss = builder.loss;
        this.numClasses = builder.numClasses;
        this.classWeightLearningRate = builder.classWeightLearningRate;
        this.classWeights = addParameter(Parameter.builder()
                .setName("classWeights")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(builder.embeddingNet.getEmbeddingSize(), numClasses))
                .optInitializer(new NormalInitializer(1f))
                .build());
        this.loss = new CosineLoss(marginLoss);
    }

    /** Returns a builder; the embedding network and the number of classes are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The margin-softmax loss (ArcFace or CosFace). */
    public MarginSoftmaxLoss getMarginSoftmaxLoss() {
        return marginLoss;
    }

    /** The number of classes C. */
    public int getNumClasses() {
        return numClasses;
    }

    /** The (D, C) class weights, a parameter of this head. */
    public Parameter getClassWeights() {
        return classWeights;
    }

    /** The learning rate of the class weights. */
    public float getClassWeightLearningRate() {
        return classWeightLearningRate;
    }

    /** Evaluated on (labels, forward output): the margin-softmax loss of the cosines. */
    @Override
    public Loss getLoss() {
        return loss;
    }

    @Override
    public String describe() {
        return marginLoss + " on " + numClasses + " classes, class weights at lr " + classWeightLearningRate;
    }

    @Override
    public Map<Parameter, Float> getParameterLearningRates() {
        return Map.of(classWeights, classWeightLearningRate);
    }

    /** Returns the embeddings and the (B, C) cosines to the class weights. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray embeddings = getEmbeddingNet().forward(parameterStore, inputs, training, params).head();
        NDArray weights = parameterStore.getValue(classWeights, embeddings.getDevice(), training);
        return new NDList(embeddings, MarginSoftmaxLoss.cosine(embeddings, weights));
    }

    /** Checks that the labels lie in [0, C), then as the forward pass without labels. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
                                     PairList<String, Object> params) {
        if (labels != null && !labels.isEmpty()) {
            CenterLossHead.checkLabelRange(labels.head(), numClasses, "MarginSoftmaxHead");
        }
        return forwardInternal(parameterStore, data, true, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        return new Shape[] {new Shape(batch, getEmbeddingNet().getEmbeddingSize()), new Shape(batch, numClasses)};
    }

    @Override
    public String toString() {
        return "MarginSoftmaxHead{" + describe() + '}';
    }

    /** The margin-softmax loss of the forward pass's cosines (the second prediction). */
    private static final class CosineLoss extends Loss {
        private final MarginSoftmaxLoss loss;

        CosineLoss(MarginSoftmaxLoss loss) {
            super(loss.getName());
            this.loss = loss;
        }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) {
            return loss.computeFromCosine(predictions.get(1), labels.head());
        }
    }

    /** Builder for {@link MarginSoftmaxHead}. */
    public static final class Builder {
        private EmbeddingNet embeddingNet;
        private int numClasses;
        private MarginSoftmaxLoss loss = ArcFaceLoss.builder().build();
        private float classWeightLearningRate = 1e-2f;

        private Builder() {}

        /** Sets the shared embedding network (required). */
        public Builder setEmbeddingNet(EmbeddingNet embeddingNet) {
            this.embeddingNet = embeddingNet;
            return this;
        }

        /** Sets the number of classes C of the training labels, which lie in [0, C) (required). */
        public Builder setNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** Sets the loss (default ArcFace, margin 28.6 degrees, scale 64). */
        public Builder optLoss(MarginSoftmaxLoss loss) {
            this.loss = loss;
            return this;
        }

        /**
         * Sets the class weights' own learning rate (default 1e-2, the benchmark protocol's with
         * the network at 1e-3); the rest of the model trains at the trainer's rate.
         */
        public Builder optClassWeightLearningRate(float learningRate) {
            this.classWeightLearningRate = learningRate;
            return this;
        }

        /** Validates and builds the head. */
        public MarginSoftmaxHead build() {
            if (embeddingNet == null) {
                throw new IllegalArgumentException("MarginSoftmaxHead needs an EmbeddingNet: call setEmbeddingNet(...).");
            }
            if (numClasses < 2) {
                throw new IllegalArgumentException("MarginSoftmaxHead needs at least 2 classes: call setNumClasses(...), got "
                        + numClasses + ".");
            }
            if (loss == null) {
                throw new IllegalArgumentException("The loss of MarginSoftmaxHead must not be null.");
            }
            if (!(classWeightLearningRate > 0f) || !Float.isFinite(classWeightLearningRate)) {
                throw new IllegalArgumentException("The class weight learning rate of MarginSoftmaxHead must be a positive number, got "
                        + classWeightLearningRate + ".");
            }
            return new MarginSoftmaxHead(this);
        }
    }
}
