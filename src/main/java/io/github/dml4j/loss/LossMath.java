package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.miner.BatchTuples;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Pairs;
import io.github.dml4j.nn.GraphScalars;

/** Engine helpers shared by the losses: masked log-sum-exp, pair masks and temperature-scaled scores. */
final class LossMath {

    private LossMath() {}

    /** The (B, B) boolean masks of a batch's positive and negative pairs. */
    record PairMasks(NDArray positive, NDArray negative) {}

    /**
     * The masks of the pairs a loss scores: every positive and negative pair of the batch without
     * mined tuples, else the mined tuples' pairs (duplicates count once).
     *
     * @param labels (B) labels
     * @param tuples the mined tuples, or {@code null}
     * @param b the batch size
     * @param manager where the masks of mined pairs are created
     */
    static PairMasks pairMasks(NDArray labels, MinedTuples tuples, long b, NDManager manager) {
        if (tuples == null) {
            return new PairMasks(BatchTuples.positiveMask(labels), BatchTuples.negativeMask(labels));
        }
        Pairs p = tuples.toPairs();
        return new PairMasks(pairMask(p.anchorPositive(), p.positive(), b, manager),
                pairMask(p.anchorNegative(), p.negative(), b, manager));
    }

    /**
     * The (B, B) scores of every pair of embeddings (the negated distance for a distance) divided
     * by the temperature: the logits of the temperature-scaled losses.
     */
    static NDArray scaledScores(Distance distance, NDArray embeddings, float temperature) {
        return GraphScalars.div(distance.toScore(distance.pairwise(embeddings, embeddings)), temperature);
    }

    /** No terms: an empty term vector in the embeddings' manager. */
    static LossTerms noTerms(NDArray embeddings) {
        return LossTerms.of(embeddings.getManager().zeros(new Shape(0)));
    }

    /** Checks the temperature of a temperature-scaled loss: a finite number > 0. */
    static void checkTemperature(String loss, float temperature) {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("The temperature of " + loss + " must be a finite number > 0, got "
                    + temperature + ".");
        }
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
            max = GraphScalars.maximum(max, 0f); // the extra zero logit; also makes empty rows finite
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
     * Rows {@code index} of a matrix, or elements of a vector: what {@code x.get(index)} returns,
     * but read with {@code gather} so that the backward pass adds in a fixed order.
     *
     * <p>libtorch back-propagates an advanced-index read with {@code index_put_(accumulate=true)};
     * on CPU with more than one thread and at least 32768 elements it adds repeated indices with
     * atomic float additions whose order changes from run to run, so the gradient (and so a
     * whole training run) is not reproducible. {@code gather}'s backward ({@code scatter_add})
     * adds in a fixed order.
     *
     * @param x (N) or (N, D) values
     * @param index integer indices into the first axis, repeats allowed
     * @return (K) or (K, D) with K the number of indices
     */
    static NDArray take(NDArray x, NDArray index) {
        NDArray i = index.toType(DataType.INT64, false).reshape(-1);
        if (x.getShape().dimension() == 1) {
            return x.gather(i, 0);
        }
        if (x.getShape().dimension() != 2) {
            throw new IllegalArgumentException("LossMath.take expects a vector or a matrix, got " + x.getShape() + ".");
        }
        return x.gather(i.expandDims(1).broadcast(new Shape(i.size(), x.getShape().get(1))), 0);
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
}
