package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.tracker.ParameterTracker;

/**
 * Stochastic gradient descent with optional momentum, with the same fused engine update as DJL's
 * {@code Sgd} (so its steps are bit for bit DJL's) and its momentum buffers in a checkpoint
 * ({@link ResumableOptimizer}).
 */
public final class ResumableSgd extends ResumableOptimizer {

    private final ParameterTracker learningRateTracker;
    private final float momentum;

    private ResumableSgd(Builder builder) {
        super(builder);
        this.learningRateTracker = builder.learningRateTracker("SGD");
        this.momentum = builder.momentum;
    }

    /**
     * A builder; defaults: lr 0.01, no momentum, no weight decay.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        float wd = getWeightDecay();
        float lr = learningRateTracker.getNewValue(parameterId, nextUpdate(parameterId));
        checkFinite(lr, wd);
        NDList inputs = momentum != 0f
                ? new NDList(weight, grad, state(parameterId, "momentum", weight))
                : new NDList(weight, grad);
        weight.getNDArrayInternal().sgdUpdate(inputs, new NDList(weight), lr, wd, rescaleGrad, clipGrad, momentum, true);
    }

    @Override
    public String toString() {
        return "SGD{momentum=" + momentum + ", weightDecay=" + getWeightDecay() + '}';
    }

    /** Builder of {@link ResumableSgd}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float momentum;

        private Builder() {
            super(0.01f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the momentum (default 0).
         *
         * @param momentum in [0, 1)
         * @return this builder
         */
        public Builder optMomentum(float momentum) {
            this.momentum = momentum;
            return this;
        }

        /**
         * Validates the settings and builds the optimizer.
         *
         * @return the optimizer
         * @throws IllegalArgumentException naming a setting out of range
         */
        public ResumableSgd build() {
            if (!(momentum >= 0f && momentum < 1f)) {
                throw new IllegalArgumentException("SGD's momentum must be in [0, 1), got " + momentum + ".");
            }
            return new ResumableSgd(this);
        }
    }
}
