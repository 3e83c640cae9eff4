package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import io.github.dml4j.distance.Normalization;
import io.github.dml4j.nn.GraphScalars;

/**
 * Base of the additive margin-softmax losses ({@link ArcFaceLoss}, {@link CosFaceLoss}): a
 * softmax cross-entropy over scaled cosine similarities between the L2-normalized embedding and
 * L2-normalized class weight vectors, with a margin applied to the cosine of the true class only.
 *
 * <pre>
 *   cos_ij = (x_i / |x_i|) . (W_j / |W_j|)          W is (D, C): one column per class
 *   logit_ij = s * cos_ij                            for j != y_i
 *   logit_iy = s * f(cos_iy)                         f adds the margin (subclass)
 *   L = reduce_i( -log softmax(logit_i)[y_i] )       mean by default
 * </pre>
 *
 * <p>This is pytorch-metric-learning's {@code LargeMarginSoftmaxLoss} family. The loss owns the
 * (D, C) class weights, which start from N(0, 1) as in pytorch-metric-learning (only their
 * direction matters) and train at 10 times the trainer's learning rate by default (the benchmark
 * protocol's 1e-2 beside the network's 1e-3). They are not exported with the embedding network.
 * The cross-entropy is written with {@code logSoftmax}, which is stable for large scales.
 */
public abstract class MarginSoftmaxLoss extends ClassParameterLoss {

    private final float scale;
    private final Reduction reduction;

    /**
     * @param name the loss name shown in logs
     * @param builder the shared settings: classes, learning-rate multiplier, scale and reduction
     */
    protected MarginSoftmaxLoss(String name, BaseBuilder<?> builder) {
        super(name, builder.numClasses, builder.learningRateMultiplier, "classWeights", true,
                new NormalInitializer(1f), true);
        this.scale = builder.scale;
        this.reduction = builder.reduction;
    }

    /** The scale s applied to the (margin-modified) cosines. */
    public float getScale() {
        return scale;
    }

    /** How the per-example cross-entropies are reduced (default mean). */
    public Reduction getReduction() {
        return reduction;
    }

    /** The (D, C) class weights, one column per class. */
    public Parameter getClassWeights() {
        return classParameter();
    }

    /**
     * Replaces the cosine of each example's own class by its margin-modified value.
     *
     * @param targetCosine (B, 1) cosine between each embedding and its own class weight
     * @return the modified cosines, same shape, in the graph of {@code targetCosine}
     */
    protected abstract NDArray modifyTargetCosine(NDArray targetCosine);

    @Override
    protected final NDArray computeFromParameter(NDArray embeddings, NDArray labels, NDArray classWeights,
                                                 boolean training) {
        return computeFromCosine(cosine(embeddings, classWeights), labels);
    }

    /**
     * Computes the loss from the cosine matrix that {@link #cosine} returns, as a head that has
     * already computed it in its forward pass does. Labels are not range-checked here.
     *
     * @param cosine (B, C) cosine similarities between embeddings and class weights
     * @param labels (B) or (B, 1) integer labels in [0, C)
     * @return the reduced scalar loss, in the manager of {@code cosine}
     */
    public NDArray computeFromCosine(NDArray cosine, NDArray labels) {
        int classes = (int) cosine.getShape().get(1);
        NDArray oneHot = labels.reshape(-1).toType(DataType.INT64, false).oneHot(classes)
                .toType(cosine.getDataType(), false);
        NDArray target = cosine.mul(oneHot).sum(new int[] {1}, true);
        NDArray shift = modifyTargetCosine(target).sub(target);
        NDArray logits = GraphScalars.mul(cosine.add(shift.mul(oneHot)), scale);
        NDArray crossEntropy = logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg();
        return reduction.reduce(crossEntropy);
    }

    /**
     * The (B, C) cosine similarities between L2-normalized embeddings and L2-normalized class
     * weight columns. The result and every intermediate array join the manager of
     * {@code embeddings}, never the class weights' (a parameter's) manager.
     *
     * @param embeddings (B, D) embeddings
     * @param classWeights (D, C) class weights
     * @return (B, C) cosines, differentiable with respect to both arguments
     */
    public static NDArray cosine(NDArray embeddings, NDArray classWeights) {
        NDArray weights = inManagerOf(embeddings, classWeights);
        NDArray unitWeights = weights.div(GraphScalars.maximum(weights.square().sum(new int[] {0}, true).sqrt(), Normalization.EPS));
        return Normalization.l2(embeddings).matMul(unitWeights);
    }

    /**
     * The builder settings ArcFace and CosFace share: classes, learning-rate multiplier (default
     * 10), scale and reduction.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> extends ClassParameterLoss.BaseBuilder<T> {
        float scale = 64f;
        Reduction reduction = Reduction.MEAN;

        BaseBuilder() {
            super(10f);
        }

        /** Sets the scale s of the logits (default 64). */
        public T optScale(float scale) {
            this.scale = scale;
            return self();
        }

        /** Sets the reduction of the per-example cross-entropies (default mean, as pytorch-metric-learning). */
        public T optReduction(Reduction reduction) {
            this.reduction = reduction;
            return self();
        }

        void validate(String name) {
            if (!Float.isFinite(scale) || scale <= 0f) {
                throw new IllegalArgumentException("The scale of " + name + " must be a finite number > 0, got " + scale + ".");
            }
            if (reduction == null) {
                throw new IllegalArgumentException("The reduction of " + name + " must not be null.");
            }
        }
    }
}
