package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.miner.BatchTuples;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Pairs;

/**
 * Normalized temperature-scaled cross-entropy loss, NT-Xent (Chen, Kornblith, Norouzi and Hinton
 * 2020, "A Simple Framework for Contrastive Learning of Visual Representations", SimCLR; the
 * InfoNCE loss of van den Oord et al. 2018), as pytorch-metric-learning's {@code NTXentLoss}.
 *
 * <p>Every positive pair (a, p) is a separate instance, contrasted with the negative pairs
 * (a, n) of the same anchor. With similarity {@code s} and temperature {@code t}:
 * <pre>
 *   L_ap = -log( exp(s_ap / t) / (exp(s_ap / t) + sum_n exp(s_an / t)) )
 * </pre>
 * and the loss is the mean over the positive pairs ({@link Reduction#MEAN}, PML's
 * {@code MeanReducer} on its "pos_pair" terms). For a distance the negated distance takes the
 * place of {@code s}. Without mined tuples every pair of the batch is used (with labels from
 * two augmented views of each image this is SimCLR's loss); with mined pairs a negative pair
 * listed twice counts twice, as in PML. Computed as a stable log-softmax, so it does not
 * saturate where PML adds its {@code 1e-38} inside the logarithm (a loss above about 87).
 *
 * <p>Memory grows with (positive pairs) x B, never with (positive pairs) x (negative pairs).
 * Defaults: temperature 0.07, {@link CosineSimilarity}, {@link Reduction#MEAN}.
 */
public final class NTXentLoss extends MetricLoss {

    private final float temperature;

    private NTXentLoss(Builder builder) {
        super("NTXentLoss", builder.distance, builder.reduction);
        this.temperature = builder.temperature;
    }

    /** Returns a builder; defaults: temperature 0.07, cosine similarity, mean over positive pairs. */
    public static Builder builder() {
        return new Builder();
    }

    /** The temperature. */
    public float getTemperature() {
        return temperature;
    }

    @Override
    protected LossTerms computeTerms(NDArray embeddings, NDArray labels, MinedTuples tuples) {
        Pairs pairs = tuples == null ? BatchTuples.allPairs(labels) : tuples.toPairs();
        if (pairs.anchorPositive().isEmpty() || pairs.anchorNegative().isEmpty()) {
            return LossMath.noTerms(embeddings);
        }
        NDArray logits = LossMath.scaledScores(getDistance(), embeddings, temperature); // (B, B)
        long b = logits.getShape().get(0);
        NDArray anchors = pairs.anchorPositive();
        NDArray negativeCounts = tuples == null
                ? BatchTuples.negativeMask(labels).toType(DataType.FLOAT32, false)
                : LossMath.pairCounts(pairs.anchorNegative(), pairs.negative(), b, logits.getManager(), true);
        NDArray rows = LossMath.take(logits, anchors); // (P, B)
        NDArray counts = negativeCounts.get(anchors); // (P, B)
        NDArray positive = LossMath.take(logits.reshape(-1), anchors.mul(b).add(pairs.positive())).expandDims(1); // (P, 1)
        NDArray negatives = NDArrays.where(counts.gt(0f), rows,
                rows.getManager().full(rows.getShape(), Float.NEGATIVE_INFINITY));
        NDArray max = negatives.max(new int[] {1}, true).maximum(positive).stopGradient();
        NDArray denominator = positive.sub(max).exp()
                .add(negatives.sub(max).exp().mul(counts).sum(new int[] {1}, true));
        // -log(exp(pos - max) / denominator)
        return LossTerms.of(denominator.log().sub(positive.sub(max)).reshape(-1));
    }

    @Override
    public String toString() {
        return "NTXentLoss{temperature=" + temperature + ", distance=" + getDistance() + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link NTXentLoss}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float temperature = 0.07f;

        private Builder() {
            super(new CosineSimilarity(), Reduction.MEAN);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Sets the temperature (default 0.07). */
        public Builder optTemperature(float temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Builds the loss, checking the settings. */
        public NTXentLoss build() {
            LossMath.checkTemperature("NTXentLoss", temperature);
            return new NTXentLoss(this);
        }
    }
}
