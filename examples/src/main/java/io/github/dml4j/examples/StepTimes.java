package io.github.dml4j.examples;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;

import java.util.ArrayList;
import java.util.List;

/**
 * Records when each training step ends (the trainer has read the step's loss, so the engine is
 * done with it), for throughput measured after a warm-up.
 */
final class StepTimes extends TrainingListenerAdapter {

    private final List<Long> ends = new ArrayList<>();

    @Override
    public void onTrainingBatch(Trainer trainer, BatchData batchData) {
        ends.add(System.nanoTime());
    }

    /**
     * Images per second over the steps after the first {@code warmUp}: from the end of step
     * {@code warmUp} to the end of the last.
     *
     * @throws IllegalStateException if no step after the warm-up was recorded
     */
    double imagesPerSecondAfter(int warmUp, int batchSize) {
        int timed = ends.size() - warmUp;
        if (timed < 1) {
            throw new IllegalStateException("Only " + ends.size() + " steps ran, no more than the " + warmUp
                    + " warm-up steps.");
        }
        double seconds = (ends.get(ends.size() - 1) - ends.get(warmUp - 1)) / 1e9;
        return (double) timed * batchSize / seconds;
    }
}
