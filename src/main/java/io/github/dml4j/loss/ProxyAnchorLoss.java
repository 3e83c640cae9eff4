package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import io.github.dml4j.distance.Normalization;
import io.github.dml4j.nn.GraphScalars;

/**
 * Proxy-anchor loss (Kim, Kim, Cho and Kwak 2020, "Proxy Anchor Loss for Deep Metric
 * Learning"): one learned proxy per class is the anchor; each proxy pulls the batch's embeddings
 * of its class and pushes away the others, with weights that grow with the hardness of each
 * example. With s(x, p) the cosine similarity, P+ the proxies of the classes in the batch and
 * X+_p / X-_p the batch's embeddings of p's class / of other classes:
 *
 * <pre>
 *   L = 1/|P+| sum_{p in P+} log(1 + sum_{x in X+_p} exp(-alpha (s(x,p) - margin)))
 *     + 1/|P|  sum_{p in P}  log(1 + sum_{x in X-_p} exp( alpha (s(x,p) + margin)))
 * </pre>
 *
 * <p>Defaults as pytorch-metric-learning: margin 0.1, alpha 32, cosine similarity, and its
 * reduction (the positive sum divided by the number of classes present, the negative sum by
 * the number of classes). The loss owns the proxies, a (C, D) parameter that starts from
 * Kaiming-normal values (standard deviation sqrt(2 / C)) as pytorch-metric-learning's, and trains
 * them at 10 times the trainer's learning rate by default (the paper trains proxies 100 times
 * faster than its network). The log-sum-exp terms are computed stably (masked maximum
 * subtracted).
 */
public final class ProxyAnchorLoss extends ClassParameterLoss {

    private final float margin;
    private final float alpha;

    private ProxyAnchorLoss(Builder builder) {
        super("ProxyAnchorLoss", builder.numClasses, builder.learningRateMultiplier, "proxies", false,
                new NormalInitializer((float) Math.sqrt(2.0 / Math.max(1, builder.numClasses))), true);
        this.margin = builder.margin;
        this.alpha = builder.alpha;
    }

    /**
     * Returns a builder; the number of classes is required. Defaults: margin 0.1, alpha 32, proxies
     * at 10x the trainer's learning rate.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The margin. */
    public float getMargin() {
        return margin;
    }

    /** The scaling factor alpha. */
    public float getAlpha() {
        return alpha;
    }

    /** The (C, D) proxies, one row per class. */
    public Parameter getProxies() {
        return classParameter();
    }

    @Override
    protected NDArray computeFromParameter(NDArray embeddings, NDArray labels, NDArray proxies, boolean training) {
        return computeFromSimilarity(similarity(embeddings, proxies), labels);
    }

    /**
     * Computes the loss from the similarity matrix that {@link #similarity} returns, as a head
     * that has already computed it in its forward pass does. Labels are not range-checked here.
     *
     * @param similarity (B, C) cosine similarities between embeddings and proxies
     * @param labels (B) or (B, 1) integer labels in [0, C)
     * @return the scalar loss, in the manager of {@code similarity}
     */
    public NDArray computeFromSimilarity(NDArray similarity, NDArray labels) {
        int classes = (int) similarity.getShape().get(1);
        NDArray positive = labels.reshape(-1).toType(DataType.INT64, false).oneHot(classes).toType(DataType.BOOLEAN, false);
        NDArray negative = positive.logicalNot();
        NDArray posTerms = logOnePlusSumExp(GraphScalars.mul(GraphScalars.mul(similarity, -1f).add(margin), alpha), positive);
        NDArray negTerms = logOnePlusSumExp(GraphScalars.mul(similarity.add(margin), alpha), negative);
        NDArray classesPresent = positive.toType(similarity.getDataType(), false).sum(new int[] {0}).gt(0f)
                .toType(similarity.getDataType(), false).sum().maximum(1f);
        return posTerms.sum().div(classesPresent).add(negTerms.sum().div(classes));
    }

    /**
     * The (B, C) cosine similarities between L2-normalized embeddings and L2-normalized proxies.
     * The result and every intermediate array join the manager of {@code embeddings}, never the
     * proxies' (a parameter's) manager.
     *
     * @param embeddings (B, D) embeddings
     * @param proxies (C, D) proxies
     * @return (B, C) similarities, differentiable with respect to both arguments
     */
    public static NDArray similarity(NDArray embeddings, NDArray proxies) {
        NDArray p = inManagerOf(embeddings, proxies);
        return Normalization.l2(embeddings).matMul(Normalization.l2(p).transpose());
    }

    /**
     * Per column j: {@code log(1 + sum_{i: mask_ij} exp(z_ij))}, stably (PML's {@code logsumexp}
     * with {@code add_one}); zero for a column without any kept entry.
     */
    private static NDArray logOnePlusSumExp(NDArray z, NDArray mask) {
        NDArray masked = NDArrays.where(mask, z, z.getManager().full(z.getShape(), Float.NEGATIVE_INFINITY, z.getDataType()));
        // the shift only keeps exp() in range: the value and its gradient do not depend on it
        NDArray shift = masked.max(new int[] {0}, true).maximum(0f).stopGradient();
        NDArray sum = masked.sub(shift).exp().sum(new int[] {0}, true).add(shift.neg().exp());
        return sum.log().add(shift).reshape(-1);
    }

    @Override
    public String toString() {
        return "ProxyAnchorLoss{classes=" + getNumClasses() + ", margin=" + margin + ", alpha=" + alpha + '}';
    }

    /** Builder for {@link ProxyAnchorLoss}. */
    public static final class Builder extends ClassParameterLoss.BaseBuilder<Builder> {
        private float margin = 0.1f;
        private float alpha = 32f;

        private Builder() {
            super(10f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Sets the margin (default 0.1). */
        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        /** Sets the scaling factor alpha (default 32). */
        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Validates and builds the loss. */
        public ProxyAnchorLoss build() {
            if (!Float.isFinite(margin)) {
                throw new IllegalArgumentException("The margin of ProxyAnchorLoss must be a finite number, got " + margin + ".");
            }
            if (!Float.isFinite(alpha) || alpha <= 0f) {
                throw new IllegalArgumentException("The alpha of ProxyAnchorLoss must be a finite number > 0, got " + alpha + ".");
            }
            return new ProxyAnchorLoss(this);
        }
    }
}
