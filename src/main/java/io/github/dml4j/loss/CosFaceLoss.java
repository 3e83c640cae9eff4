package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;

/**
 * CosFace, the large margin cosine loss (Wang, Wang, Zhou, Ji, Gong, Zhou, Li and Liu 2018,
 * "CosFace: Large Margin Cosine Loss for Deep Face Recognition"): the cosine between an embedding
 * and its own class weight is lowered by a margin m before the scaled softmax cross-entropy.
 *
 * <pre>
 *   logit_iy = s * (cos_iy - m),   logit_ij = s * cos_ij (j != y_i)
 *   L = mean_i( -log( exp(logit_iy) / sum_j exp(logit_ij) ) )
 * </pre>
 *
 * <p>Defaults as pytorch-metric-learning: margin 0.35, scale 64; see {@link MarginSoftmaxLoss}
 * for the cosine and the class weights' (D, C) layout.
 */
public final class CosFaceLoss extends MarginSoftmaxLoss {

    private final float margin;

    private CosFaceLoss(Builder builder) {
        super("CosFaceLoss", builder);
        this.margin = builder.margin;
    }

    /**
     * Returns a builder; the number of classes is required. Defaults: margin 0.35, scale 64, mean
     * over the batch, class weights at 10x the trainer's learning rate.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The cosine margin. */
    public float getMargin() {
        return margin;
    }

    @Override
    protected NDArray modifyTargetCosine(NDArray targetCosine) {
        return targetCosine.sub(margin);
    }

    @Override
    public String toString() {
        return "CosFaceLoss{margin=" + margin + ", classes=" + getNumClasses() + ", scale=" + getScale() + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link CosFaceLoss}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float margin = 0.35f;

        private Builder() {}

        /** Sets the cosine margin (default 0.35). */
        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Validates and builds the loss. */
        public CosFaceLoss build() {
            if (!Float.isFinite(margin) || margin < 0f) {
                throw new IllegalArgumentException("The margin of CosFaceLoss must be a finite number >= 0, got " + margin + ".");
            }
            validate("CosFaceLoss");
            return new CosFaceLoss(this);
        }
    }
}
