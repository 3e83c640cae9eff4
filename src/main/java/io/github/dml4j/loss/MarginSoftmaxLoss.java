package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import io.github.dml4j.distance.Normalization;

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
 * <p>This is pytorch-metric-learning's {@code LargeMarginSoftmaxLoss} family. The class weights
 * are a parameter that the loss does not own: it is passed to {@link #compute} explicitly and
 * lives in a head ({@code io.github.dml4j.head.MarginSoftmaxHead}) that trains it, usually at a
 * learning rate of its own. The cross-entropy is written with {@code logSoftmax}, which is stable
 * for large scales.
 *
 * <p>Used directly as a DJL {@link Loss}, {@link #evaluate} takes the embeddings from the first
 * prediction and the (D, C) class weights from the second.
 */
public abstract class MarginSoftmaxLoss extends Loss {

    private final float scale;
    private final Reduction reduction;

    /**
     * @param name the loss name shown in logs
     * @param scale the scale s of the logits
     * @param reduction how the per-example cross-entropies are reduced
     */
    protected MarginSoftmaxLoss(String name, float scale, Reduction reduction) {
        super(name);
        this.scale = scale;
        this.reduction = reduction;
    }

    /** The scale s applied to the (margin-modified) cosines. */
    public float getScale() {
        return scale;
    }

    /** How the per-example cross-entropies are reduced (default mean). */
    public Reduction getReduction() {
        return reduction;
    }

    /**
     * Replaces the cosine of each example's own class by its margin-modified value.
     *
     * @param targetCosine (B, 1) cosine between each embedding and its own class weight
     * @return the modified cosines, same shape, in the graph of {@code targetCosine}
     */
    protected abstract NDArray modifyTargetCosine(NDArray targetCosine);

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions.size() < 2) {
            throw new IllegalArgumentException(getName() + " as a DJL loss needs two predictions, the embeddings and "
                    + "the (dim, classes) class weights, got " + predictions.size() + ".");
        }
        return compute(predictions.get(0), labels.head(), predictions.get(1));
    }

    /**
     * Computes the loss of a batch against explicit class weights.
     *
     * @param embeddings (B, D) embeddings (normalized here; they need not be)
     * @param labels (B) or (B, 1) integer labels in [0, C)
     * @param classWeights (D, C) class weights, one column per class (pytorch-metric-learning's layout)
     * @return the reduced scalar loss, in the manager of {@code embeddings}
     */
    public NDArray compute(NDArray embeddings, NDArray labels, NDArray classWeights) {
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException(getName() + " expects embeddings of shape (batch, dim), got "
                    + embeddings.getShape() + ".");
        }
        if (classWeights.getShape().dimension() != 2 || classWeights.getShape().get(0) != embeddings.getShape().get(1)) {
            throw new IllegalArgumentException(getName() + " expects class weights of shape (" + embeddings.getShape().get(1)
                    + ", classes) for embeddings of size " + embeddings.getShape().get(1) + ", got "
                    + classWeights.getShape() + ".");
        }
        NDArray flat = ClassLabels.check(labels, embeddings.getShape().get(0), classWeights.getShape().get(1),
                getName() + "'s class weights");
        return computeFromCosine(cosine(embeddings, classWeights), flat);
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
        NDArray logits = cosine.add(shift.mul(oneHot)).mul(scale);
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
        NDArray unitWeights = weights.div(weights.square().sum(new int[] {0}, true).sqrt().maximum(Normalization.EPS));
        return Normalization.l2(embeddings).matMul(unitWeights);
    }

    /**
     * A differentiable copy of {@code parameter} in the manager of {@code batchArray}: operations
     * on the copy leave nothing in the parameter's manager (DJL puts a result in the manager of
     * the first operand).
     */
    static NDArray inManagerOf(NDArray batchArray, NDArray parameter) {
        return batchArray.getManager().create(1f).toType(parameter.getDataType(), false).mul(parameter);
    }

    /**
     * The builder settings ArcFace and CosFace share: the scale and the reduction.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> {
        float scale = 64f;
        Reduction reduction = Reduction.MEAN;

        BaseBuilder() {}

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

        /** This builder. */
        protected abstract T self();

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
