package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * Center loss (Wen, Zhang, Li and Qiao 2016, "A Discriminative Feature Learning Approach for
 * Deep Face Recognition"): pulls each embedding towards a learned centre of its class.
 *
 * <pre>
 *   L_C = 1/2 * mean_i |x_i - c_{y_i}|^2
 * </pre>
 *
 * <p>The paper writes the sum over the mini-batch and divides its gradient by the batch size;
 * the mean here is the same objective (choose {@link Reduction#SUM} for the plain sum). It is
 * meant to be added, weighted by lambda, to a softmax cross-entropy: that is what
 * {@code io.github.dml4j.head.CenterLossHead} does, and it also owns the (C, D) centres and
 * updates them, by the paper's rule or through the optimizer. Here the centres are passed
 * explicitly; pytorch-metric-learning has no center loss (its issue #108).
 *
 * <p>Used directly as a DJL {@link Loss}, {@link #evaluate} takes the embeddings from the first
 * prediction and the (C, D) centres from the second.
 */
public final class CenterLoss extends Loss {

    private final Reduction reduction;

    private CenterLoss(Builder builder) {
        super("CenterLoss");
        this.reduction = builder.reduction;
    }

    /** Returns a builder; default: mean over the batch. */
    public static Builder builder() {
        return new Builder();
    }

    /** How the per-example squared distances are reduced (default mean). */
    public Reduction getReduction() {
        return reduction;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions.size() < 2) {
            throw new IllegalArgumentException("CenterLoss as a DJL loss needs two predictions, the embeddings and "
                    + "the (classes, dim) centres, got " + predictions.size() + ".");
        }
        return compute(predictions.get(0), labels.head(), predictions.get(1));
    }

    /**
     * Computes the loss of a batch against explicit centres.
     *
     * @param embeddings (B, D) embeddings
     * @param labels (B) or (B, 1) integer labels in [0, C)
     * @param centers (C, D) centres, one row per class
     * @return the scalar loss, in the manager of {@code embeddings}; differentiable with respect
     *     to the embeddings and (if it requires gradients) the centres
     */
    public NDArray compute(NDArray embeddings, NDArray labels, NDArray centers) {
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException("CenterLoss expects embeddings of shape (batch, dim), got "
                    + embeddings.getShape() + ".");
        }
        if (centers.getShape().dimension() != 2 || centers.getShape().get(1) != embeddings.getShape().get(1)) {
            throw new IllegalArgumentException("CenterLoss expects centres of shape (classes, " + embeddings.getShape().get(1)
                    + ") for embeddings of size " + embeddings.getShape().get(1) + ", got " + centers.getShape() + ".");
        }
        NDArray flat = ClassLabels.check(labels, embeddings.getShape().get(0), centers.getShape().get(0),
                "CenterLoss's centres");
        return computeFromOwnCenters(embeddings, ownCenters(flat, centers));
    }

    /**
     * Computes the loss from each example's own centre, as {@link #ownCenters} returns them.
     *
     * @param embeddings (B, D) embeddings
     * @param ownCenters (B, D) row i is the centre of example i's class
     * @return the scalar loss, in the manager of {@code embeddings}
     */
    public NDArray computeFromOwnCenters(NDArray embeddings, NDArray ownCenters) {
        return reduction.reduce(embeddings.sub(ownCenters).square().sum(new int[] {1})).mul(0.5f);
    }

    /**
     * Row i is the centre of example i's class: a one-hot (B, C) matrix times the (C, D) centres,
     * so the result (and the gradient path to the centres) lives in the manager of the labels,
     * a batch array, never in the centres' (a parameter's) manager. Labels are not range-checked.
     *
     * @param labels (B) or (B, 1) integer labels in [0, C)
     * @param centers (C, D) centres
     * @return (B, D) centres of the examples' classes
     */
    public static NDArray ownCenters(NDArray labels, NDArray centers) {
        return labels.reshape(-1).toType(DataType.INT64, false).oneHot((int) centers.getShape().get(0))
                .toType(centers.getDataType(), false).matMul(centers);
    }

    @Override
    public String toString() {
        return "CenterLoss{reduction=" + reduction + '}';
    }

    /** Builder for {@link CenterLoss}. */
    public static final class Builder {
        private Reduction reduction = Reduction.MEAN;

        private Builder() {}

        /** Sets the reduction of the per-example squared distances (default mean; sum as written in the paper). */
        public Builder optReduction(Reduction reduction) {
            this.reduction = reduction;
            return this;
        }

        /** Validates and builds the loss. */
        public CenterLoss build() {
            if (reduction == null) {
                throw new IllegalArgumentException("The reduction of CenterLoss must not be null.");
            }
            return new CenterLoss(this);
        }
    }
}
