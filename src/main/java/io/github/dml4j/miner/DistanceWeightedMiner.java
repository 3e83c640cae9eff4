package io.github.dml4j.miner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.distance.LpDistance;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Distance-weighted sampling (Wu, Manmatha, Smola and Krähenbühl 2017, "Sampling Matters in Deep
 * Embedding Learning"), as pytorch-metric-learning's {@code DistanceWeightedMiner}: negatives are
 * drawn with probability inversely proportional to how likely their distance is for points
 * spread uniformly on the unit sphere, so that every distance is sampled about equally often
 * instead of the many near {@code sqrt(2)}.
 *
 * <p>On L2-normalized embeddings of dimension {@code n}, with {@code d} the Euclidean distance
 * clipped below at {@code cutoff}, the density of pairwise distances is
 * {@code q(d) ~ d^(n-2) (1 - d^2/4)^((n-3)/2)}, and a negative {@code j} of anchor {@code a} is
 * drawn with weight
 * <pre>
 *   w(a,j) = 1 / q(max(d(a,j), cutoff))   if label[j] != label[a] and d(a,j) &lt; nonzeroLossCutoff,
 *   w(a,j) = 0                            otherwise,
 * </pre>
 * computed in log space ({@code log w = (2 - n) log d - ((n - 3) / 2) log(1 - d^2/4)}) and
 * normalized per anchor; non-finite log weights (d near 2) get weight 0, as in PML. Negatives at
 * or beyond {@code nonzeroLossCutoff} are never drawn, since they would give a zero loss.
 *
 * <p>Each anchor that has a positive and at least one negative of non-zero weight yields one
 * triplet: a positive drawn uniformly among its same-label samples and a negative drawn by the
 * weights (inverse-CDF sampling on the engine). PML draws as many triplets per anchor as the
 * anchor's class has samples; one per anchor keeps the loss's batch size fixed. PML subtracts the
 * batch-wide maximum log weight before exponentiating; this class subtracts each anchor's own
 * maximum, the same distribution without rows underflowing to zero.
 *
 * <p>Reproducible by construction: the miner holds a {@code long seed}; the i-th call of
 * {@link #mine} of any miner built with the same seed draws the same random numbers, whatever
 * the global engine seed. The distance is always Euclidean on L2-normalized embeddings, the only
 * distance the weights are defined for. Defaults: cutoff 0.5, nonzeroLossCutoff 1.4, seed 0.
 */
public final class DistanceWeightedMiner implements Miner<Triplets> {

    /** Largest uniform draw, so that {@code u * total} stays strictly below the total in float32. */
    private static final float MAX_UNIFORM = 1f - 1e-6f;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final float cutoff;
    private final float nonzeroLossCutoff;
    private final long seed;
    private final AtomicLong calls = new AtomicLong();
    private final LpDistance distance = LpDistance.normalized();

    private DistanceWeightedMiner(Builder builder) {
        this.cutoff = builder.cutoff;
        this.nonzeroLossCutoff = builder.nonzeroLossCutoff;
        this.seed = builder.seed;
    }

    /** Returns a builder; defaults: cutoff 0.5, nonzeroLossCutoff 1.4, seed 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** Distances below this are clipped to it before weighting. */
    public float getCutoff() {
        return cutoff;
    }

    /** Negatives at this distance or farther are never drawn. */
    public float getNonzeroLossCutoff() {
        return nonzeroLossCutoff;
    }

    /** The seed of the sampling. */
    public long getSeed() {
        return seed;
    }

    /** The distance: Euclidean on L2-normalized embeddings. */
    public LpDistance getDistance() {
        return distance;
    }

    /**
     * The (B, B) sampling weights of the negatives, each row normalized to sum 1 (or all zero for
     * an anchor without an eligible negative). Exposed for inspection and tests.
     *
     * @param embeddings (B, D) embeddings
     * @param labels (B) labels
     * @return the weights, without gradient
     */
    public NDArray negativeWeights(NDArray embeddings, NDArray labels) {
        NDArray w = unnormalizedWeights(embeddings.stopGradient(), labels.reshape(-1));
        return w.div(w.sum(new int[] {1}, true).maximum(Float.MIN_NORMAL));
    }

    private NDArray unnormalizedWeights(NDArray e, NDArray labels) {
        long dim = e.getShape().get(1);
        NDArray d = distance.pairwise(e, e);
        NDArray clipped = d.maximum(cutoff);
        NDArray logWeights = clipped.log().mul(2f - dim)
                .sub(clipped.square().mul(-0.25f).add(1f).log().mul((dim - 3) / 2f));
        NDArray eligible = BatchTuples.negativeMask(labels)
                .logicalAnd(d.lt(nonzeroLossCutoff))
                .logicalAnd(logWeights.isNaN().logicalOr(logWeights.isInfinite()).logicalNot());
        NDManager manager = e.getManager();
        NDArray masked = NDArrays.where(eligible, logWeights,
                manager.full(logWeights.getShape(), Float.NEGATIVE_INFINITY));
        NDArray rowMax = masked.max(new int[] {1}, true);
        NDArray hasAny = eligible.countNonzero(1).gt(0).expandDims(1);
        rowMax = NDArrays.where(hasAny, rowMax, manager.zeros(rowMax.getShape()));
        return masked.sub(rowMax).exp(); // exactly 0 where not eligible
    }

    @Override
    public Triplets mine(NDArray embeddings, NDArray labels) {
        NDArray e = embeddings.stopGradient();
        NDArray flatLabels = labels.reshape(-1);
        long b = e.getShape().get(0);
        NDManager manager = e.getManager();
        NDArray negWeights = unnormalizedWeights(e, flatLabels);
        NDArray posWeights = BatchTuples.positiveMask(flatLabels).toType(DataType.FLOAT32, false);
        SplittableRandom random = new SplittableRandom(seed + GOLDEN_GAMMA * calls.getAndIncrement());
        NDArray uPos = uniforms(manager, random, b);
        NDArray uNeg = uniforms(manager, random, b);
        NDArray positive = sample(posWeights, uPos);
        NDArray negative = sample(negWeights, uNeg);
        NDArray valid = posWeights.sum(new int[] {1}).gt(0f).logicalAnd(negWeights.sum(new int[] {1}).gt(0f));
        NDArray anchors = valid.nonzero().reshape(-1);
        return new Triplets(anchors, positive.get(anchors), negative.get(anchors));
    }

    private static NDArray uniforms(NDManager manager, SplittableRandom random, long n) {
        float[] u = new float[(int) n];
        for (int i = 0; i < u.length; i++) {
            u[i] = Math.min((float) random.nextDouble(), MAX_UNIFORM);
        }
        return manager.create(u).expandDims(1);
    }

    /**
     * Inverse-CDF sampling of one column per row: the first j whose cumulative weight exceeds
     * {@code u * rowTotal}. Columns of weight 0 are never chosen; for a row of zeros the result is
     * meaningless and must be filtered out by the caller.
     */
    private static NDArray sample(NDArray weights, NDArray u) {
        NDArray cdf = weights.cumSum(1);
        long b = weights.getShape().get(1);
        NDArray total = cdf.get(":, " + (b - 1) + ":");
        NDArray index = cdf.lte(total.mul(u)).toType(DataType.INT64, false).sum(new int[] {1});
        return index.minimum(b - 1);
    }

    @Override
    public String toString() {
        return "DistanceWeightedMiner{cutoff=" + cutoff + ", nonzeroLossCutoff=" + nonzeroLossCutoff + ", seed=" + seed + '}';
    }

    /** Builder for {@link DistanceWeightedMiner}. */
    public static final class Builder {
        private float cutoff = 0.5f;
        private float nonzeroLossCutoff = 1.4f;
        private long seed;

        private Builder() {}

        /** Sets the lower clip of the distances (default 0.5). */
        public Builder optCutoff(float cutoff) {
            this.cutoff = cutoff;
            return this;
        }

        /** Sets the distance from which negatives are never drawn (default 1.4). */
        public Builder optNonzeroLossCutoff(float nonzeroLossCutoff) {
            this.nonzeroLossCutoff = nonzeroLossCutoff;
            return this;
        }

        /** Sets the seed of the sampling (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Builds the miner, checking the settings. */
        public DistanceWeightedMiner build() {
            if (!(cutoff > 0f) || !(cutoff < 2f)) {
                throw new IllegalArgumentException("The cutoff of DistanceWeightedMiner must be in (0, 2), got " + cutoff + ".");
            }
            if (!(nonzeroLossCutoff > cutoff) || Float.isInfinite(nonzeroLossCutoff)) {
                throw new IllegalArgumentException("The nonzeroLossCutoff of DistanceWeightedMiner must be a finite number greater than the cutoff "
                        + cutoff + ", got " + nonzeroLossCutoff + ".");
            }
            return new DistanceWeightedMiner(this);
        }
    }
}
