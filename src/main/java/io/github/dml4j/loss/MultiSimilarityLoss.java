package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.nn.GraphScalars;

/**
 * Multi-similarity loss (Wang, Han, Huang, Dong and Scott 2019, "Multi-Similarity Loss with
 * General Pair Weighting for Deep Metric Learning"), as pytorch-metric-learning's
 * {@code MultiSimilarityLoss}. With similarity {@code s}, for each anchor {@code i} with
 * positive pairs {@code P_i} and negative pairs {@code N_i}:
 * <pre>
 *   L_i = (1/alpha) log(1 + sum_{p in P_i} exp(-alpha (s_ip - base)))
 *       + (1/beta)  log(1 + sum_{n in N_i} exp( beta (s_in - base)))
 * </pre>
 * and the loss is the mean of {@code L_i} over all anchors of the batch ({@link Reduction#MEAN},
 * PML's {@code MeanReducer}); an anchor with no positive (no negative) pair contributes 0 for
 * that part. Both log-sum-exps are computed stably with the "1 +" as an extra zero logit, as
 * PML's {@code lmu.logsumexp(..., add_one=True)}. For a distance instead of a similarity the
 * signs flip through {@link Distance#margin}, as in PML.
 *
 * <p>Defaults: alpha 2, beta 50, base 0.5, {@link CosineSimilarity}, {@link Reduction#MEAN}.
 * Without mined tuples every pair of the batch is used; mined pairs (typically from
 * {@link io.github.dml4j.miner.MultiSimilarityMiner}) select the pairs, duplicates counted once.
 */
public final class MultiSimilarityLoss extends MetricLoss {

    private final float alpha;
    private final float beta;
    private final float base;

    private MultiSimilarityLoss(Builder builder) {
        super("MultiSimilarityLoss", builder.distance, builder.reduction);
        this.alpha = builder.alpha;
        this.beta = builder.beta;
        this.base = builder.base;
    }

    /** Returns a builder; defaults: alpha 2, beta 50, base 0.5, cosine similarity, mean. */
    public static Builder builder() {
        return new Builder();
    }

    /** The weight of the positive pairs. */
    public float getAlpha() {
        return alpha;
    }

    /** The weight of the negative pairs. */
    public float getBeta() {
        return beta;
    }

    /** The similarity shift applied to both kinds of pairs. */
    public float getBase() {
        return base;
    }

    @Override
    protected LossTerms computeTerms(NDArray embeddings, NDArray labels, MinedTuples tuples) {
        Distance distance = getDistance();
        NDArray mat = distance.pairwise(embeddings, embeddings);
        LossMath.PairMasks masks = LossMath.pairMasks(labels, tuples, mat.getShape().get(0), mat.getManager());
        NDArray baseValue = mat.getManager().create(base);
        NDArray posExp = GraphScalars.mul(distance.margin(mat, baseValue), alpha);
        NDArray negExp = GraphScalars.mul(distance.margin(baseValue, mat), beta);
        NDArray posLoss = GraphScalars.div(LossMath.maskedLogSumExp(posExp, masks.positive(), true), alpha);
        NDArray negLoss = GraphScalars.div(LossMath.maskedLogSumExp(negExp, masks.negative(), true), beta);
        return LossTerms.of(posLoss.add(negLoss).reshape(-1));
    }

    @Override
    public String toString() {
        return "MultiSimilarityLoss{alpha=" + alpha + ", beta=" + beta + ", base=" + base + ", distance=" + getDistance()
                + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link MultiSimilarityLoss}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float alpha = 2f;
        private float beta = 50f;
        private float base = 0.5f;

        private Builder() {
            super(new CosineSimilarity(), Reduction.MEAN);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Sets the weight of the positive pairs (default 2). */
        public Builder optAlpha(float alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Sets the weight of the negative pairs (default 50). */
        public Builder optBeta(float beta) {
            this.beta = beta;
            return this;
        }

        /** Sets the similarity shift (default 0.5). */
        public Builder optBase(float base) {
            this.base = base;
            return this;
        }

        /** Builds the loss, checking the settings. */
        public MultiSimilarityLoss build() {
            if (!(alpha > 0f) || Float.isInfinite(alpha)) {
                throw new IllegalArgumentException("The alpha of MultiSimilarityLoss must be a finite number > 0, got " + alpha + ".");
            }
            if (!(beta > 0f) || Float.isInfinite(beta)) {
                throw new IllegalArgumentException("The beta of MultiSimilarityLoss must be a finite number > 0, got " + beta + ".");
            }
            if (!Float.isFinite(base)) {
                throw new IllegalArgumentException("The base of MultiSimilarityLoss must be a finite number, got " + base + ".");
            }
            return new MultiSimilarityLoss(this);
        }
    }
}
