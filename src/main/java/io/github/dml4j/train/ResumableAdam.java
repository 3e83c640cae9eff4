package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.tracker.ParameterTracker;

/**
 * Adam (Kingma and Ba 2015) and AdamW (Loshchilov and Hutter 2019, decoupled weight decay), with
 * the same fused engine update as DJL's {@code Adam} and {@code AdamW}, so its steps are bit for
 * bit theirs, and with its state in a checkpoint ({@link ResumableOptimizer}).
 *
 * <p>With {@link Builder#optDecoupledWeightDecay(boolean) decoupled} weight decay (AdamW), the
 * weights shrink by {@code lr * weightDecay} each step apart from the gradient, as
 * {@code torch.optim.AdamW} does; otherwise the decay is added to the gradient (L2, as
 * {@code torch.optim.Adam}'s {@code weight_decay}).
 */
public final class ResumableAdam extends ResumableOptimizer {

    private final ParameterTracker learningRateTracker;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final boolean decoupled;

    private ResumableAdam(Builder builder) {
        super(builder);
        this.learningRateTracker = builder.learningRateTracker("Adam");
        this.beta1 = builder.beta1;
        this.beta2 = builder.beta2;
        this.epsilon = builder.epsilon;
        this.decoupled = builder.decoupled;
    }

    /**
     * A builder; defaults as PyTorch's: lr 1e-3, betas 0.9 and 0.999, epsilon 1e-8, no weight decay.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether weight decay is decoupled from the gradient (AdamW).
     *
     * @return true for AdamW
     */
    public boolean isDecoupled() {
        return decoupled;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = nextUpdate(parameterId);
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float lr = learningRateTracker.getNewValue(parameterId, t);
        float lrBiasCorrection = (float) (lr * Math.sqrt(coef2) / coef1);
        float wd = getWeightDecay();
        checkFinite(lr, wd);
        NDList inputs = new NDList(weight, grad, state(parameterId, "mean", weight), state(parameterId, "variance", weight));
        weight.getNDArrayInternal().adamUpdate(inputs, new NDList(weight), lr, lrBiasCorrection, wd, rescaleGrad,
                clipGrad, beta1, beta2, epsilon, true, decoupled);
    }

    @Override
    public String toString() {
        return (decoupled ? "AdamW" : "Adam") + "{betas=" + beta1 + "/" + beta2 + ", eps=" + epsilon + ", weightDecay="
                + getWeightDecay() + '}';
    }

    /** Builder of {@link ResumableAdam}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private boolean decoupled;

        private Builder() {
            super(1e-3f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the decay of the first moment (default 0.9).
         *
         * @param beta1 in [0, 1)
         * @return this builder
         */
        public Builder optBeta1(float beta1) {
            this.beta1 = beta1;
            return this;
        }

        /**
         * Sets the decay of the second moment (default 0.999).
         *
         * @param beta2 in [0, 1)
         * @return this builder
         */
        public Builder optBeta2(float beta2) {
            this.beta2 = beta2;
            return this;
        }

        /**
         * Sets epsilon (default 1e-8).
         *
         * @param epsilon a small positive number
         * @return this builder
         */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Decouples weight decay from the gradient, as AdamW (default false: L2 added to the gradient).
         *
         * @param decoupled true for AdamW
         * @return this builder
         */
        public Builder optDecoupledWeightDecay(boolean decoupled) {
            this.decoupled = decoupled;
            return this;
        }

        /**
         * Validates the settings and builds the optimizer.
         *
         * @return the optimizer
         * @throws IllegalArgumentException naming a setting out of range
         */
        public ResumableAdam build() {
            if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
                throw new IllegalArgumentException("Adam's betas must be in [0, 1), got " + beta1 + " and " + beta2 + ".");
            }
            if (!(epsilon > 0f)) {
                throw new IllegalArgumentException("Adam's epsilon must be positive, got " + epsilon + ".");
            }
            return new ResumableAdam(this);
        }
    }
}
