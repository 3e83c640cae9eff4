package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.miner.BatchTuples;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Pairs;

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
        long b = mat.getShape().get(0);
        NDArray posMask;
        NDArray negMask;
        if (tuples == null) {
            posMask = BatchTuples.positiveMask(labels);
            negMask = BatchTuples.negativeMask(labels);
        } else {
            Pairs p = tuples.toPairs();
            posMask = pairMask(p.anchorPositive(), p.positive(), b, mat.getManager());
            negMask = pairMask(p.anchorNegative(), p.negative(), b, mat.getManager());
        }
        NDArray baseValue = mat.getManager().create(base);
        NDArray posExp = distance.margin(mat, baseValue).mul(alpha);
        NDArray negExp = distance.margin(baseValue, mat).mul(beta);
        NDArray posLoss = maskedLogSumExp(posExp, posMask, true).div(alpha);
        NDArray negLoss = maskedLogSumExp(negExp, negMask, true).div(beta);
        return LossTerms.of(posLoss.add(negLoss).reshape(-1));
    }

    /**
     * Row-wise {@code log(sum_{j: mask[i,j]} exp(x[i,j]))} of a (B, C) matrix, computed stably
     * (max subtracted, max without gradient); with {@code addOne} a zero logit joins every row
     * ({@code log(1 + sum exp)}), as PML's {@code lmu.logsumexp}. A row whose mask is empty gives
     * 0, with a zero gradient.
     *
     * @param x (B, C) logits
     * @param mask (B, C) boolean
     * @param addOne whether to add the extra zero logit
     * @return (B, 1)
     */
    static NDArray maskedLogSumExp(NDArray x, NDArray mask, boolean addOne) {
        NDManager manager = x.getManager();
        NDArray masked = NDArrays.where(mask, x, manager.full(x.getShape(), Float.NEGATIVE_INFINITY));
        NDArray max = masked.max(new int[] {1}, true);
        NDArray emptyRow = mask.countNonzero(1).eq(0).expandDims(1);
        if (addOne) {
            max = max.maximum(0f); // the extra zero logit; also makes empty rows finite
        } else {
            max = NDArrays.where(emptyRow, manager.zeros(max.getShape()), max);
        }
        max = max.stopGradient();
        NDArray sum = masked.sub(max).exp().sum(new int[] {1}, true);
        if (addOne) {
            sum = sum.add(max.neg().exp());
        } else {
            sum = sum.add(emptyRow.toType(DataType.FLOAT32, false)); // log(1) = 0 for an empty row
        }
        return sum.log().add(max);
    }

    /**
     * A (B, B) boolean mask that is true at every (rows[k], cols[k]); duplicates count once.
     *
     * @param rows int64 row indices
     * @param cols int64 column indices
     * @param b the batch size
     * @param manager where the mask is created
     */
    static NDArray pairMask(NDArray rows, NDArray cols, long b, NDManager manager) {
        return pairCounts(rows, cols, b, manager, false).gt(0f);
    }

    /**
     * A (B, B) float matrix that counts how often each (rows[k], cols[k]) occurs (with
     * {@code count}), or is 1 where it occurs (without).
     */
    static NDArray pairCounts(NDArray rows, NDArray cols, long b, NDManager manager, boolean count) {
        NDArray flatZeros = manager.zeros(new Shape(b * b), DataType.FLOAT32);
        if (rows.isEmpty()) {
            return flatZeros.reshape(b, b);
        }
        NDArray flat = rows.toType(DataType.INT64, false).mul(b).add(cols.toType(DataType.INT64, false));
        if (!count) {
            return flatZeros.put(flat, manager.ones(new Shape(flat.size()), DataType.FLOAT32)).reshape(b, b);
        }
        // sort, find where runs of equal indices start, and put each run's length at its index
        long n = flat.size();
        NDArray sorted = flat.sort();
        NDArray isStart = n == 1
                ? manager.create(new boolean[] {true})
                : manager.create(new boolean[] {true}).concat(sorted.get("1:").neq(sorted.get(":-1")));
        NDArray starts = isStart.nonzero().reshape(-1);
        NDArray ends = starts.get("1:").concat(manager.create(new long[] {n}));
        NDArray counts = ends.sub(starts).toType(DataType.FLOAT32, false);
        return flatZeros.put(sorted.get(starts), counts).reshape(b, b);
    }

    @Override
    public String toString() {
        return "MultiSimilarityLoss{alpha=" + alpha + ", beta=" + beta + ", base=" + base + ", distance=" + getDistance()
                + ", reduction=" + getReduction() + '}';
    }

    /** Builder for {@link MultiSimilarityLoss}. */
    public static final class Builder {
        private float alpha = 2f;
        private float beta = 50f;
        private float base = 0.5f;
        private Distance distance = new CosineSimilarity();
        private Reduction reduction = Reduction.MEAN;

        private Builder() {}

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

        /** Sets the distance (default cosine similarity, as in PML). */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** Sets the reduction over anchors (default mean, PML's {@code MeanReducer}). */
        public Builder optReduction(Reduction reduction) {
            this.reduction = reduction;
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
