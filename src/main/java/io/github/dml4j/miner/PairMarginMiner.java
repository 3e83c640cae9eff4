package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;

/**
 * Mines the pairs that violate a margin, as pytorch-metric-learning's {@code PairMarginMiner}:
 * positive pairs farther apart than {@code posMargin} and negative pairs closer than
 * {@code negMargin}.
 *
 * <p>For a distance {@code d}: positive pairs with {@code d(a,p) > posMargin} and negative pairs
 * with {@code d(a,n) < negMargin}. For a similarity {@code s} (where larger means closer) the
 * comparisons flip: {@code s(a,p) < posMargin} and {@code s(a,n) > negMargin}. These are exactly
 * the pairs with a non-zero contrastive loss (Hadsell, Chopra and LeCun 2006, "Dimensionality
 * Reduction by Learning an Invariant Mapping") when the miner's margins equal the loss's.
 *
 * <p>Defaults follow PML: positive margin 0.2, negative margin 0.8, Euclidean distance on
 * L2-normalized embeddings. Mining reads detached embeddings and builds only (B, B) matrices.
 */
public final class PairMarginMiner implements Miner<Pairs> {

    private final float posMargin;
    private final float negMargin;
    private final Distance distance;

    private PairMarginMiner(Builder builder) {
        this.posMargin = builder.posMargin;
        this.negMargin = builder.negMargin;
        this.distance = builder.distance;
    }

    /** Returns a builder; defaults: positive margin 0.2, negative margin 0.8, normalized L2. */
    public static Builder builder() {
        return new Builder();
    }

    /** The positive margin: positive pairs farther than this are mined. */
    public float getPosMargin() {
        return posMargin;
    }

    /** The negative margin: negative pairs closer than this are mined. */
    public float getNegMargin() {
        return negMargin;
    }

    /** The distance used. */
    public Distance getDistance() {
        return distance;
    }

    @Override
    public Pairs mine(NDArray embeddings, NDArray labels) {
        NDArray e = embeddings.stopGradient();
        NDArray d = distance.pairwise(e, e);
        NDArray flatLabels = labels.reshape(-1);
        // margin(x, y) > 0 means "x is farther than y", in the distance's own direction
        NDArray farPositive = distance.margin(d, d.getManager().create(posMargin)).gt(0f);
        NDArray closeNegative = distance.margin(d.getManager().create(negMargin), d).gt(0f);
        NDArray pos = BatchTuples.positiveMask(flatLabels).logicalAnd(farPositive).nonzero();
        NDArray neg = BatchTuples.negativeMask(flatLabels).logicalAnd(closeNegative).nonzero();
        return new Pairs(pos.get(":, 0"), pos.get(":, 1"), neg.get(":, 0"), neg.get(":, 1"));
    }

    @Override
    public String toString() {
        return "PairMarginMiner{posMargin=" + posMargin + ", negMargin=" + negMargin + ", distance=" + distance + '}';
    }

    /** Builder for {@link PairMarginMiner}. */
    public static final class Builder {
        private float posMargin = 0.2f;
        private float negMargin = 0.8f;
        private Distance distance = LpDistance.normalized();

        private Builder() {}

        /** Sets the positive margin (default 0.2). */
        public Builder optPosMargin(float posMargin) {
            this.posMargin = posMargin;
            return this;
        }

        /** Sets the negative margin (default 0.8). */
        public Builder optNegMargin(float negMargin) {
            this.negMargin = negMargin;
            return this;
        }

        /** Sets the distance (default Euclidean on normalized embeddings). */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** Builds the miner, checking the settings. */
        public PairMarginMiner build() {
            if (!Float.isFinite(posMargin)) {
                throw new IllegalArgumentException("The posMargin of PairMarginMiner must be a finite number, got " + posMargin + ".");
            }
            if (!Float.isFinite(negMargin)) {
                throw new IllegalArgumentException("The negMargin of PairMarginMiner must be a finite number, got " + negMargin + ".");
            }
            if (distance == null) {
                throw new IllegalArgumentException("The distance of PairMarginMiner must not be null.");
            }
            return new PairMarginMiner(this);
        }
    }
}
