package io.github.dml4j.train;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;

/**
 * Makes the optimizer of a training run from the learning rate of every parameter. The trainer
 * hands it a tracker that already holds each parameter group's multiplier (and the schedule), so
 * any DJL optimizer keeps the per-group rates:
 *
 * <pre>{@code
 * MetricTrainer.builder().setHead(head)
 *         .optOptimizer(lr -> Optimizer.adam().optLearningRateTracker(lr).optBeta1(0.8f).build())
 *         .build();
 * }</pre>
 */
@FunctionalInterface
public interface OptimizerFactory {

    /**
     * Creates the optimizer.
     *
     * @param learningRate the learning rate of each parameter by its id, to be passed to the
     *     optimizer's learning-rate tracker setting
     * @return the optimizer
     */
    Optimizer create(ParameterTracker learningRate);
}
