package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * A DJL {@link Loss} that remembers its last result for the same label and prediction lists.
 * DJL's {@code EvaluatorTrainingListener} evaluates the loss a second time on every batch to
 * update its accumulators; with this, the work (mining, for one) is paid once per batch.
 */
abstract class CachedLoss extends Loss {

    private NDList lastLabels;
    private NDList lastPredictions;
    private NDArray lastValue;

    CachedLoss(String name) {
        super(name);
    }

    /** The loss of the batch; computed anew for other lists or once the last value is released. */
    @Override
    public final synchronized NDArray evaluate(NDList labels, NDList predictions) {
        if (labels == lastLabels && predictions == lastPredictions && lastValue != null && !lastValue.isReleased()) {
            return lastValue;
        }
        NDArray value = compute(labels, predictions);
        lastLabels = labels;
        lastPredictions = predictions;
        lastValue = value;
        return value;
    }

    /** Computes the loss of the batch, without looking at the cache. */
    abstract NDArray compute(NDList labels, NDList predictions);
}
