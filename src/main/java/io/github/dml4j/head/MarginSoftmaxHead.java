package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.CosFaceLoss;
import io.github.dml4j.loss.MarginSoftmaxLoss;

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
public final class MarginSoftmaxHead extends ClassParameterHead {

    private static final byte VERSION = 1;

    private final MarginSoftmaxLoss marginLoss;

    private MarginSoftmaxHead(Builder builder) {
        super(VERSION, builder.embeddingNet, builder.numClasses, "classWeights",
                new Shape(builder.embeddingNet.getEmbeddingSize(), builder.numClasses), 1f,
                builder.classWeightLearningRate, builder.loss.getName());
        this.marginLoss = builder.loss;
    }

    /** Returns a builder; the embedding network and the number of classes are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The margin-softmax loss (ArcFace or CosFace). */
    public MarginSoftmaxLoss getMarginSoftmaxLoss() {
        return marginLoss;
    }

    /** The (D, C) class weights, a parameter of this head. */
    public Parameter getClassWeights() {
        return classParameter();
    }

    /** The learning rate of the class weights. */
    public float getClassWeightLearningRate() {
        return parameterLearningRate();
    }

    @Override
    public String describe() {
        return marginLoss + " on " + getNumClasses() + " classes, class weights at lr " + parameterLearningRate();
    }

    /** The (B, C) cosines between the L2-normalized embeddings and class weights. */
    @Override
    NDArray scores(NDArray embeddings, NDArray classWeights) {
        return MarginSoftmaxLoss.cosine(embeddings, classWeights);
    }

    /** The margin-softmax loss of the cosines. */
    @Override
    NDArray lossFromScores(NDArray cosine, NDArray labels) {
        return marginLoss.computeFromCosine(cosine, labels);
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
            checkSettings("MarginSoftmaxHead", embeddingNet, numClasses);
            if (loss == null) {
                throw new IllegalArgumentException("The loss of MarginSoftmaxHead must not be null.");
            }
            checkLearningRate("MarginSoftmaxHead", "class weight", classWeightLearningRate);
            return new MarginSoftmaxHead(this);
        }
    }
}
