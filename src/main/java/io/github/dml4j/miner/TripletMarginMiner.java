package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;

/**
 * Mines triplets by how much they violate a margin, as pytorch-metric-learning's
 * {@code TripletMarginMiner}.
 *
 * <p>With {@code m} the margin and {@code t = d(a,n) - d(a,p)} for a distance ({@code s(a,p) -
 * s(a,n)} for a similarity):
 * <ul>
 *   <li>{@link Type#ALL}: {@code t <= m}, every triplet that violates the margin;</li>
 *   <li>{@link Type#HARD}: {@code t <= 0}, the negative is closer than the positive;</li>
 *   <li>{@link Type#SEMIHARD}: {@code 0 < t <= m}, the negative is farther than the positive
 *       but inside the margin (Schroff et al. 2015, FaceNet);</li>
 *   <li>{@link Type#EASY}: {@code t > m}, triplets that already satisfy the margin.</li>
 * </ul>
 */
public final class TripletMarginMiner implements Miner<Triplets> {

    /** Which triplets to keep. */
    public enum Type {
        /** Every triplet violating the margin. */
        ALL,
        /** Negative closer than the positive. */
        HARD,
        /** Negative farther than the positive, within the margin. */
        SEMIHARD,
        /** Triplets satisfying the margin. */
        EASY
    }

    private final float margin;
    private final Type type;
    private final Distance distance;

    private TripletMarginMiner(Builder builder) {
        this.margin = builder.margin;
        this.type = builder.type;
        this.distance = builder.distance;
    }

    /** Returns a builder; defaults: margin 0.2, type ALL, {@link LpDistance#normalized()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The margin. */
    public float getMargin() {
        return margin;
    }

    /** The triplet type kept. */
    public Type getType() {
        return type;
    }

    /** The distance used. */
    public Distance getDistance() {
        return distance;
    }

    @Override
    public Triplets mine(NDArray embeddings, NDArray labels) {
        NDArray e = embeddings.stopGradient();
        NDArray d = distance.pairwise(e, e);
        NDArray pos = BatchTuples.positiveMask(labels).nonzero();
        if (pos.isEmpty()) {
            return BatchTuples.fromCandidates(pos, pos);
        }
        NDArray anchors = pos.get(":, 0");
        NDArray rows = d.get(anchors); // (P, B): d(a, j) for every j
        long b = d.getShape().get(0);
        NDArray ap = d.reshape(-1).get(anchors.mul(b).add(pos.get(":, 1"))).expandDims(1); // (P, 1)
        // t = how much farther the negative is than the positive, in the distance's own direction
        NDArray t = distance.margin(ap, rows).neg();
        NDArray keep;
        switch (type) {
            case EASY -> keep = t.gt(margin);
            case HARD -> keep = t.lte(0f);
            case SEMIHARD -> keep = t.gt(0f).logicalAnd(t.lte(margin));
            default -> keep = t.lte(margin);
        }
        NDArray accepted = keep.logicalAnd(BatchTuples.negativeMask(labels).get(anchors));
        return BatchTuples.fromCandidates(pos, accepted);
    }

    @Override
    public String toString() {
        return "TripletMarginMiner{margin=" + margin + ", type=" + type + ", distance=" + distance + '}';
    }

    /** Builder for {@link TripletMarginMiner}. */
    public static final class Builder {
        private float margin = 0.2f;
        private Type type = Type.ALL;
        private Distance distance = LpDistance.normalized();

        private Builder() {}

        /** Sets the margin (default 0.2); must be non-negative. */
        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        /** Sets which triplets are kept (default ALL). */
        public Builder optType(Type type) {
            this.type = type;
            return this;
        }

        /** Sets the distance (default Euclidean on normalized embeddings). */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** Builds the miner. */
        public TripletMarginMiner build() {
            if (!(margin >= 0f) || Float.isInfinite(margin)) {
                throw new IllegalArgumentException("The margin of TripletMarginMiner must be a finite number >= 0, got " + margin + ".");
            }
            if (type == null) {
                throw new IllegalArgumentException("The type of TripletMarginMiner must not be null.");
            }
            if (distance == null) {
                throw new IllegalArgumentException("The distance of TripletMarginMiner must not be null.");
            }
            return new TripletMarginMiner(this);
        }
    }
}
