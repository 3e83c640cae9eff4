package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.miner.BatchTuples;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Pairs;
import io.github.dml4j.nn.GraphScalars;

/**
 * Contrastive loss (Hadsell, Chopra and LeCun 2006, "Dimensionality Reduction by Learning an
 * Invariant Mapping"): positive pairs are pulled within {@code posMargin}, negative pairs pushed
 * beyond {@code negMargin}. For a distance, {@code relu(d - posMargin)} per positive pair and
 * {@code relu(negMargin - d)} per negative pair; for a similarity the signs flip.
 *
 * <p>As in pytorch-metric-learning the positive and the negative terms are reduced separately
 * (by default each averaged over its non-zero terms) and summed. Defaults: positive margin 0,
 * negative margin 1, Euclidean distance on normalized embeddings. Without mined tuples every
 * pair of the batch is used; explicit pairs (a Siamese network's two inputs) go through
 * {@link #computeForPairs}.
 */
public final class ContrastiveLoss extends MetricLoss {

    private final float posMargin;
    private final float negMargin;

    private ContrastiveLoss(Builder builder) {
        super("ContrastiveLoss", builder.distance, builder.reduction);
        this.posMargin = builder.posMargin;
        this.negMargin = builder.negMargin;
    }

    /** Returns a builder; defaults: margins 0 and 1, normalized L2, mean over non-zero terms. */
    public static Builder builder() {
        return new Builder();
    }

    /** The positive margin. */
    public float getPosMargin() {
        return posMargin;
    }

    /** The negative margin. */
    public float getNegMargin() {
        return negMargin;
    }

    @Override
    protected LossTerms computeTerms(NDArray embeddings, NDArray labels, MinedTuples tuples) {
        Pairs p = tuples == null ? BatchTuples.allPairs(labels) : tuples.toPairs();
        Distance distance = getDistance();
        return LossTerms.of(
                positiveTerms(pairDistances(distance, embeddings, p.anchorPositive(), p.positive())),
                negativeTerms(pairDistances(distance, embeddings, p.anchorNegative(), p.negative())));
    }

    /**
     * The loss of explicit pairs, as a Siamese network sees them: row i of {@code first} and of
     * {@code second} form a pair, {@code same[i]} says whether they show the same class.
     *
     * @param first (N, D) embeddings of the first images
     * @param second (N, D) embeddings of the second images
     * @param same (N) boolean or 0/1 labels
     * @return the reduced scalar loss
     */
    public NDArray computeForPairs(NDArray first, NDArray second, NDArray same) {
        if (!first.getShape().equals(second.getShape()) || first.getShape().dimension() != 2) {
            throw new IllegalArgumentException("ContrastiveLoss needs two (N, D) embedding batches of one shape, got "
                    + first.getShape() + " and " + second.getShape() + ".");
        }
        NDArray isSame = same.reshape(-1).toType(DataType.BOOLEAN, false);
        if (isSame.size() != first.getShape().get(0)) {
            throw new IllegalArgumentException("ContrastiveLoss got " + first.getShape().get(0) + " pairs but "
                    + isSame.size() + " same/different labels.");
        }
        NDArray d = getDistance().paired(first, second);
        return reduce(first, LossTerms.of(positiveTerms(d.get(isSame)), negativeTerms(d.get(isSame.logicalNot()))));
    }

    private static NDArray pairDistances(Distance distance, NDArray embeddings, NDArray a, NDArray b) {
        if (a.isEmpty()) {
            return embeddings.getManager().zeros(new ai.djl.ndarray.types.Shape(0));
        }
        return distance.paired(LossMath.take(embeddings, a), LossMath.take(embeddings, b));
    }

    private NDArray positiveTerms(NDArray d) {
        return GraphScalars.maximum(getDistance().margin(d, d.getManager().create(posMargin)), 0f);
    }

    private NDArray negativeTerms(NDArray d) {
        return GraphScalars.maximum(getDistance().margin(d.getManager().create(negMargin), d), 0f);
    }

    @Override
    public String toString() {
        return "ContrastiveLoss{posMargin=" + posMargin + ", negMargin=" + negMargin + ", distance=" + getDistance()
                + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link ContrastiveLoss}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float posMargin;
        private float negMargin = 1f;

        private Builder() {
            super(LpDistance.normalized(), Reduction.MEAN_NON_ZERO);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Sets the positive margin (default 0). */
        public Builder optPosMargin(float posMargin) {
            this.posMargin = posMargin;
            return this;
        }

        /** Sets the negative margin (default 1). */
        public Builder optNegMargin(float negMargin) {
            this.negMargin = negMargin;
            return this;
        }

        /** Builds the loss. */
        public ContrastiveLoss build() {
            if (!Float.isFinite(posMargin) || !Float.isFinite(negMargin)) {
                throw new IllegalArgumentException("The margins of ContrastiveLoss must be finite, got " + posMargin + " and " + negMargin + ".");
            }
            return new ContrastiveLoss(this);
        }
    }
}
