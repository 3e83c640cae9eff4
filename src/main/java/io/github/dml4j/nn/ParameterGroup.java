package io.github.dml4j.nn;

import ai.djl.nn.Parameter;

import java.util.List;

/**
 * A named set of parameters that trains at a multiple of the trainer's learning rate, as
 * PyTorch's optimizer parameter groups: for example a loss's class weights at 10x the network's
 * rate, or a pretrained backbone at 0.1x. Networks and losses declare their groups; the trainer
 * turns them into one per-parameter learning rate, whatever optimizer it is given, and records
 * every group's rate in the model card.
 *
 * @param name the group's name in logs and model cards, e.g. {@code "embedding"} or {@code "loss"}
 * @param learningRateMultiplier the factor applied to the trainer's learning rate, finite and &gt; 0
 * @param parameters the group's parameters, at least one
 */
public record ParameterGroup(String name, float learningRateMultiplier, List<Parameter> parameters) {

    /** Validates the group and copies the list. */
    public ParameterGroup {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A parameter group needs a name.");
        }
        if (!(learningRateMultiplier > 0f) || !Float.isFinite(learningRateMultiplier)) {
            throw new IllegalArgumentException("The learning-rate multiplier of parameter group '" + name
                    + "' must be a finite number > 0, got " + learningRateMultiplier + ".");
        }
        parameters = List.copyOf(parameters);
    }
}
