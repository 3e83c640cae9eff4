package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.tracker.ParameterTracker;

/**
 * RMSprop (Tieleman and Hinton 2012) written with engine ops, because DJL's built-in
 * {@code RmsProp} is not implemented on the PyTorch engine. Same update as
 * {@code torch.optim.RMSprop} without momentum or centering:
 * {@code v = rho * v + (1 - rho) * g^2; w -= lr * g / (sqrt(v) + eps)}. Its state goes into
 * checkpoints ({@link ResumableOptimizer}).
 */
public final class RmsProp extends ResumableOptimizer {

    private final ParameterTracker learningRateTracker;
    private final float rho;
    private final float epsilon;

    private RmsProp(Builder builder) {
        super(builder);
        this.learningRateTracker = builder.learningRateTracker("RmsProp");
        this.rho = builder.rho;
        this.epsilon = builder.epsilon;
    }

    /** Returns a builder; defaults as PyTorch: lr 0.01, rho (alpha) 0.99, epsilon 1e-8. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = nextUpdate(parameterId);
        float lr = learningRateTracker.getNewValue(parameterId, t);
        float wd = getWeightDecay();
        checkFinite(lr, wd);
        NDArray v = state(parameterId, "meanSquare", weight);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray g = grad.mul(rescaleGrad);
            if (clipGrad > 0) {
                g = g.clip(-clipGrad, clipGrad);
            }
            if (wd != 0f) {
                g = g.add(weight.mul(wd));
            }
            v.muli(rho).addi(g.square().muli(1f - rho));
            weight.subi(g.div(v.sqrt().addi(epsilon)).muli(lr));
        }
    }

    /** Builder for {@link RmsProp}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float rho = 0.99f;
        private float epsilon = 1e-8f;

        private Builder() {
            super(0.01f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Sets the decay of the running mean of squared gradients (default 0.99). */
        public Builder optRho(float rho) {
            this.rho = rho;
            return this;
        }

        /** Sets epsilon (default 1e-8). */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /** Builds the optimizer. */
        public RmsProp build() {
            if (!(rho > 0f && rho < 1f)) {
                throw new IllegalArgumentException("RmsProp's rho must be in (0, 1), got " + rho + ".");
            }
            return new RmsProp(this);
        }
    }
}
