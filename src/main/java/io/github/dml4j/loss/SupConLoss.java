package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.miner.MinedTuples;

/**
 * Supervised contrastive loss (Khosla et al. 2020, "Supervised Contrastive Learning", the
 * {@code L_out} form), as pytorch-metric-learning's {@code SupConLoss}. With similarity
 * {@code s}, temperature {@code t}, positives {@code P_i} and negatives {@code N_i} of anchor
 * {@code i}:
 * <pre>
 *   L_i = -(1 / |P_i|) sum_{p in P_i} log( exp(s_ip / t) / sum_{j in P_i or N_i} exp(s_ij / t) )
 * </pre>
 * one term per anchor, averaged over the anchors with a non-zero term
 * ({@link Reduction#MEAN_NON_ZERO}, PML's default {@code AvgNonZeroReducer} for this loss); an
 * anchor without positives contributes 0. The denominator is a stable masked log-sum-exp. For a
 * distance the negated distance takes the place of {@code s}. Without mined tuples every pair of
 * the batch is used; mined pairs select positives and the denominator's members, duplicates
 * counted once, as PML's masks do. A batch without any positive or any negative pair gives 0.
 *
 * <p>Defaults: temperature 0.1, {@link CosineSimilarity}, {@link Reduction#MEAN_NON_ZERO}.
 */
public final class SupConLoss extends MetricLoss {

    private final float temperature;

    private SupConLoss(Builder builder) {
        super("SupConLoss", builder.distance, builder.reduction);
        this.temperature = builder.temperature;
    }

    /** Returns a builder; defaults: temperature 0.1, cosine similarity, mean over non-zero terms. */
    public static Builder builder() {
        return new Builder();
    }

    /** The temperature. */
    public float getTemperature() {
        return temperature;
    }

    @Override
    protected LossTerms computeTerms(NDArray embeddings, NDArray labels, MinedTuples tuples) {
        NDArray logits = LossMath.scaledScores(getDistance(), embeddings, temperature); // (B, B)
        LossMath.PairMasks masks = LossMath.pairMasks(labels, tuples, logits.getShape().get(0), logits.getManager());
        NDArray posMask = masks.positive();
        NDArray negMask = masks.negative();
        if (!posMask.any().getBoolean() || !negMask.any().getBoolean()) {
            return LossMath.noTerms(embeddings);
        }
        NDArray denominator = LossMath.maskedLogSumExp(logits, posMask.logicalOr(negMask), false); // (B, 1)
        NDArray positives = posMask.toType(DataType.FLOAT32, false);
        NDArray logProbSum = logits.sub(denominator).mul(positives).sum(new int[] {1});
        NDArray positiveCount = positives.sum(new int[] {1}).maximum(1f);
        return LossTerms.of(logProbSum.div(positiveCount).neg());
    }

    @Override
    public String toString() {
        return "SupConLoss{temperature=" + temperature + ", distance=" + getDistance() + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link SupConLoss}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float temperature = 0.1f;

        private Builder() {
            super(new CosineSimilarity(), Reduction.MEAN_NON_ZERO);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Sets the temperature (default 0.1). */
        public Builder optTemperature(float temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Builds the loss, checking the settings. */
        public SupConLoss build() {
            LossMath.checkTemperature("SupConLoss", temperature);
            return new SupConLoss(this);
        }
    }
}
