package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.miner.BatchTuples;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Triplets;
import io.github.dml4j.nn.GraphScalars;

/**
 * Triplet margin loss (Weinberger and Saul 2009; Schroff et al. 2015, FaceNet):
 * {@code L = relu(d(a,p) - d(a,n) + margin)} per triplet, written with the distance's own
 * direction so that it also works with similarities.
 *
 * <p>Defaults follow pytorch-metric-learning: Euclidean distance on normalized embeddings,
 * average over the triplets with a non-zero loss. Without mined tuples every valid triplet of
 * the batch is used.
 */
public final class TripletMarginLoss extends MetricLoss {

    private final float margin;
    private final boolean smoothLoss;

    private TripletMarginLoss(Builder builder) {
        super("TripletMarginLoss", builder.distance, builder.reduction);
        this.margin = builder.margin;
        this.smoothLoss = builder.smoothLoss;
    }

    /** Returns a builder; defaults: margin 0.2, normalized L2, {@link Reduction#MEAN_NON_ZERO}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The margin. */
    public float getMargin() {
        return margin;
    }

    @Override
    protected LossTerms computeTerms(NDArray embeddings, NDArray labels, MinedTuples tuples) {
        Triplets t = tuples == null ? BatchTuples.allTriplets(labels) : tuples.toTriplets();
        if (t.isEmpty()) {
            return LossTerms.of(t.anchor().toType(DataType.FLOAT32, false));
        }
        Distance distance = getDistance();
        // gather from the (B, B) matrix, as PML does: memory grows with B^2 + triplets, not triplets x dim
        long b = embeddings.getShape().get(0);
        NDArray d = distance.pairwise(embeddings, embeddings).reshape(-1);
        NDArray anchorRow = t.anchor().mul(b);
        NDArray ap = LossMath.take(d, anchorRow.add(t.positive()));
        NDArray an = LossMath.take(d, anchorRow.add(t.negative()));
        NDArray violation = distance.margin(ap, an).add(margin);
        if (smoothLoss) {
            // softplus, stable form: log(1 + exp(-|x|)) + max(x, 0)
            return LossTerms.of(violation.abs().neg().exp().add(1f).log().add(GraphScalars.maximum(violation, 0f)));
        }
        return LossTerms.of(GraphScalars.maximum(violation, 0f));
    }

    @Override
    public String toString() {
        return "TripletMarginLoss{margin=" + margin + ", distance=" + getDistance() + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link TripletMarginLoss}. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float margin = 0.2f;
        private boolean smoothLoss;

        private Builder() {
            super(LpDistance.normalized(), Reduction.MEAN_NON_ZERO);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Sets the margin (default 0.2). */
        public Builder optMargin(float margin) {
            this.margin = margin;
            return this;
        }

        /** Uses softplus instead of the hinge (default {@code false}). */
        public Builder optSmoothLoss(boolean smoothLoss) {
            this.smoothLoss = smoothLoss;
            return this;
        }

        /** Builds the loss. */
        public TripletMarginLoss build() {
            if (!Float.isFinite(margin) || margin < 0f) {
                throw new IllegalArgumentException("The margin of TripletMarginLoss must be a finite number >= 0, got " + margin + ".");
            }
            return new TripletMarginLoss(this);
        }
    }
}
