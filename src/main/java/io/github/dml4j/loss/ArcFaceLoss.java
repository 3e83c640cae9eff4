package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;

/**
 * ArcFace, the additive angular margin loss (Deng, Guo, Xue and Zafeiriou 2019, "ArcFace:
 * Additive Angular Margin Loss for Deep Face Recognition"): the angle between an embedding and
 * its own class weight is enlarged by a margin m before the scaled softmax cross-entropy.
 *
 * <pre>
 *   theta_iy = acos(cos_iy),   logit_iy = s * cos(theta_iy + m),   logit_ij = s * cos_ij (j != y_i)
 *   L = mean_i( -log( exp(logit_iy) / sum_j exp(logit_ij) ) )
 * </pre>
 *
 * <p>As in pytorch-metric-learning the margin is given in degrees (default 28.6, about 0.5
 * radians) and the scale defaults to 64; see {@link MarginSoftmaxLoss} for the cosine and the
 * class weights' (D, C) layout. Like pytorch-metric-learning, no "easy margin" correction is made
 * when {@code theta + m > pi}. The target cosine is clipped to {@code [-1 + 1e-6, 1 - 1e-6]}
 * before {@code acos}, so the gradient stays finite where pytorch-metric-learning's (clipped to
 * {@code [-1, 1]}) is infinite; elsewhere the two agree.
 */
public final class ArcFaceLoss extends MarginSoftmaxLoss {

    private static final float COSINE_LIMIT = 1f - 1e-6f;

    private final float marginDegrees;
    private final float marginRadians;

    private ArcFaceLoss(Builder builder) {
        super("ArcFaceLoss", builder);
        this.marginDegrees = builder.margin;
        this.marginRadians = (float) Math.toRadians(builder.margin);
    }

    /**
     * Returns a builder; the number of classes is required. Defaults: margin 28.6 degrees, scale
     * 64, mean over the batch, class weights at 10x the trainer's learning rate.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The angular margin in degrees. */
    public float getMargin() {
        return marginDegrees;
    }

    @Override
    protected NDArray modifyTargetCosine(NDArray targetCosine) {
        return targetCosine.clip(-COSINE_LIMIT, COSINE_LIMIT).acos().add(marginRadians).cos();
    }

    @Override
    public String toString() {
        return "ArcFaceLoss{margin=" + marginDegrees + " degrees, classes=" + getNumClasses() + ", scale=" + getScale() + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link ArcFaceLoss}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float margin = 28.6f;

        private Builder() {}

        /** Sets the angular margin in degrees, as pytorch-metric-learning takes it (default 28.6). */
        public Builder optMargin(float degrees) {
            this.margin = degrees;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Validates and builds the loss. */
        public ArcFaceLoss build() {
            if (!Float.isFinite(margin) || margin < 0f || margin >= 180f) {
                throw new IllegalArgumentException("The margin of ArcFaceLoss must be an angle in degrees in [0, 180), got "
                        + margin + ".");
            }
            validate("ArcFaceLoss");
            return new ArcFaceLoss(this);
        }
    }
}
