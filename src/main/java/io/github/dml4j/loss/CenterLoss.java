package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import io.github.dml4j.nn.GraphScalars;

/**
 * Center loss (Wen, Zhang, Li and Qiao 2016, "A Discriminative Feature Learning Approach for
 * Deep Face Recognition"): pulls each embedding towards a learned centre of its class.
 *
 * <pre>
 *   L_C = 1/2 * mean_i |x_i - c_{y_i}|^2
 * </pre>
 *
 * <p>The paper adds it, weighted by lambda (0.01 in the benchmark protocol), to a softmax
 * cross-entropy: {@code MultipleLosses.builder().addLoss(SoftmaxLoss...).addLoss(centerLoss,
 * 0.01f)}. The paper writes the sum over the mini-batch and divides its gradient by the batch
 * size; the mean here is the same objective (choose {@link Reduction#SUM} for the plain sum).
 * pytorch-metric-learning has no center loss (its issue #108).
 *
 * <p>The loss owns the (C, D) centres, which start at zero and learn in one of three ways
 * ({@link CenterUpdate}):
 * <ul>
 *   <li>{@link CenterUpdate#WEN} (default), the paper's rule, in every training step, outside the
 *       optimizer: {@code c_j -= alpha * sum_{i: y_i = j}(c_j - x_i) / (1 + n_j)} with n_j the
 *       batch's examples of class j and alpha 0.5 by default. As batch normalization updates its
 *       running statistics, the loss does this itself while it computes a training batch (after
 *       reading the centres for the loss), on the detached embeddings, with one-hot matrix
 *       products on the engine; with it the centres become running class means within a few
 *       steps;</li>
 *   <li>{@link CenterUpdate#SGD}: as WEN, but by plain SGD at rate alpha on the centre loss's own
 *       gradient, {@code c_j -= alpha * sum_{i: y_i = j}(c_j - x_i) / B}, as
 *       pytorch-metric-learning's recipe (and the benchmark's reference run) moves them;</li>
 *   <li>{@link CenterUpdate#OPTIMIZER}: the centres are an ordinary parameter that the trainer's
 *       optimizer trains on the centre term's gradient, at the loss's learning-rate multiplier.</li>
 * </ul>
 * The centres are never exported with the embedding network.
 */
public final class CenterLoss extends ClassParameterLoss {

    /** How the class centres learn. */
    public enum CenterUpdate {
        /** Wen et al.'s rule at rate alpha, in each training step, outside the optimizer (the paper's). */
        WEN,
        /** Through the optimizer, on the centre term's gradient. */
        OPTIMIZER,
        /**
         * Plain SGD at rate alpha on the centre loss's own gradient, {@code (1/B) sum_{i: y_i = j}
         * (c_j - x_i)} for a batch of B: like {@link #WEN} but normalized by the batch size instead
         * of {@code 1 + n_j}, so centres move more slowly. This is how pytorch-metric-learning's
         * center-loss recipe (and the benchmark's reference run) moves them.
         */
        SGD
    }

    private final float alpha;
    private final CenterUpdate centerUpdate;
    private final Reduction reduction;

    private CenterLoss(Builder builder) {
        super("CenterLoss", builder.numClasses, builder.learningRateMultiplier, "centers", false, Initializer.ZEROS,
                builder.centerUpdate == CenterUpdate.OPTIMIZER);
        this.alpha = builder.alpha;
        this.centerUpdate = builder.centerUpdate;
        this.reduction = builder.reduction;
    }

    /**
     * Returns a builder; the number of classes is required. Defaults: Wen et al.'s update at alpha
     * 0.5, mean over the batch.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The rate alpha of the centre update (WEN and SGD). */
    public float getAlpha() {
        return alpha;
    }

    /** How the centres learn. */
    public CenterUpdate getCenterUpdate() {
        return centerUpdate;
    }

    /** How the per-example squared distances are reduced (default mean). */
    public Reduction getReduction() {
        return reduction;
    }

    /** The (C, D) class centres, one row per class. */
    public Parameter getCenters() {
        return classParameter();
    }

    /**
     * The loss against the current centres; in a training step with WEN or SGD, then moves the
     * centres of the batch's classes in place.
     */
    @Override
    protected NDArray computeFromParameter(NDArray embeddings, NDArray labels, NDArray centers, boolean training) {
        NDArray oneHot = labels.oneHot((int) centers.getShape().get(0)).toType(centers.getDataType(), false);
        NDArray own = oneHot.matMul(centers);
        NDArray loss = computeFromOwnCenters(embeddings, own);
        if (training && centerUpdate != CenterUpdate.OPTIMIZER && alpha != 0f) {
            // the centres do not require gradients here, so no graph holds them: updating in place is safe
            NDArray x = embeddings.stopGradient();
            NDArray sums = oneHot.transpose().matMul(own.sub(x));
            if (centerUpdate == CenterUpdate.SGD) {
                centers.subi(sums.mul(alpha / x.getShape().get(0)));
            } else {
                NDArray counts = oneHot.sum(new int[] {0}).add(1f).reshape(-1, 1);
                centers.subi(sums.div(counts).mul(alpha));
            }
        }
        return loss;
    }

    /**
     * Computes the loss from each example's own centre.
     *
     * @param embeddings (B, D) embeddings
     * @param ownCenters (B, D) row i is the centre of example i's class
     * @return the scalar loss, in the manager of {@code embeddings}
     */
    public NDArray computeFromOwnCenters(NDArray embeddings, NDArray ownCenters) {
        return GraphScalars.mul(reduction.reduce(embeddings.sub(ownCenters).square().sum(new int[] {1})), 0.5f);
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
        String update = switch (centerUpdate) {
            case WEN -> "Wen et al.'s update at alpha " + alpha;
            case SGD -> "SGD update at rate " + alpha;
            case OPTIMIZER -> "optimizer update at " + getLearningRateMultiplier() + "x";
        };
        return "CenterLoss{classes=" + getNumClasses() + ", " + update + ", reduction=" + reduction + '}';
    }

    /** Builder for {@link CenterLoss}. */
    public static final class Builder extends ClassParameterLoss.BaseBuilder<Builder> {
        private float alpha = 0.5f;
        private CenterUpdate centerUpdate = CenterUpdate.WEN;
        private Reduction reduction = Reduction.MEAN;
        private boolean multiplierSet;

        private Builder() {
            super(1f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the centres' learning-rate multiplier with {@link CenterUpdate#OPTIMIZER} (default 1);
         * Wen et al.'s rule and SGD use alpha instead.
         */
        @Override
        public Builder optLearningRateMultiplier(float multiplier) {
            multiplierSet = true;
            return super.optLearningRateMultiplier(multiplier);
        }

        /** Sets the rate alpha of the WEN and SGD centre updates, in [0, 1] (default 0.5). */
        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Chooses how the centres learn (default {@link CenterUpdate#WEN}). */
        public Builder optCenterUpdate(CenterUpdate centerUpdate) {
            this.centerUpdate = centerUpdate;
            return this;
        }

        /** Sets the reduction of the per-example squared distances (default mean; sum as written in the paper). */
        public Builder optReduction(Reduction reduction) {
            this.reduction = reduction;
            return this;
        }

        /** Validates and builds the loss. */
        public CenterLoss build() {
            if (!(alpha >= 0f && alpha <= 1f)) {
                throw new IllegalArgumentException("The alpha of CenterLoss must lie in [0, 1], got " + alpha + ".");
            }
            if (centerUpdate == null) {
                throw new IllegalArgumentException("The center update of CenterLoss must not be null.");
            }
            if (reduction == null) {
                throw new IllegalArgumentException("The reduction of CenterLoss must not be null.");
            }
            if (multiplierSet && centerUpdate != CenterUpdate.OPTIMIZER) {
                throw new IllegalArgumentException("CenterLoss's learning-rate multiplier applies only with "
                        + "optCenterUpdate(CenterUpdate.OPTIMIZER); Wen et al.'s rule and SGD use alpha instead.");
            }
            return new CenterLoss(this);
        }
    }
}
