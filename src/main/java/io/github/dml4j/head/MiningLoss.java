package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import io.github.dml4j.loss.MetricLoss;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Miner;

/**
 * A DJL {@link Loss} that mines tuples from the batch (if a miner is set) and then computes a
 * {@link MetricLoss} on them.
 *
 * <p>DJL's {@code EvaluatorTrainingListener} evaluates the loss a second time on every batch to
 * update its accumulators. This loss remembers its last result for the same prediction and
 * label lists ({@link CachedLoss}), so mining is paid once per batch.
 */
final class MiningLoss extends CachedLoss {

    private final MetricLoss loss;
    private final Miner<? extends MinedTuples> miner;

    MiningLoss(MetricLoss loss, Miner<? extends MinedTuples> miner) {
        super(loss.getName());
        this.loss = loss;
        this.miner = miner;
    }

    @Override
    NDArray compute(NDList labels, NDList predictions) {
        NDArray embeddings = predictions.head();
        NDArray l = labels.head().reshape(-1);
        MinedTuples tuples = miner == null ? null : miner.mine(embeddings, l);
        return loss.compute(embeddings, l, tuples);
    }
}
