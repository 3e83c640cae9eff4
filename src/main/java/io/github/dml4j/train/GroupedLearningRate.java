package io.github.dml4j.train;

import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;

import java.util.Map;

/**
 * The learning rate of each parameter: the trainer's rate (a schedule over update counts) times
 * the multiplier of the parameter's group, 1 for parameters in no group.
 */
final class GroupedLearningRate implements ParameterTracker {

    private final Tracker base;
    private final Map<String, Float> multipliers;

    /**
     * @param base the trainer's learning rate
     * @param multipliers the multiplier of each parameter, by parameter id
     */
    GroupedLearningRate(Tracker base, Map<String, Float> multipliers) {
        this.base = base;
        this.multipliers = Map.copyOf(multipliers);
    }

    @Override
    public float getNewValue(String parameterId, int numUpdate) {
        return base.getNewValue(numUpdate) * multipliers.getOrDefault(parameterId, 1f);
    }
}
