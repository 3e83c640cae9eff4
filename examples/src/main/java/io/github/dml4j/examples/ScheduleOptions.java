package io.github.dml4j.examples;

import io.github.dml4j.train.LearningRateSchedules;
import io.github.dml4j.train.MetricTrainer;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The learning-rate schedule option the face examples share ({@code --schedule constant|cosine}),
 * as a picocli mixin: its check and how it sets a trainer's rate.
 */
final class ScheduleOptions {

    @Option(names = "--schedule", defaultValue = "constant", description = "Learning rate: constant, or cosine"
            + " (linear warm-up over 5%% of the steps, then cosine decay to 1%%) (default ${DEFAULT-VALUE}).")
    String schedule;

    /** Adds the check of this option. */
    OptionChecks check(OptionChecks checks) {
        return checks.require(List.of("constant", "cosine").contains(schedule), "--schedule must be constant or cosine,"
                + " got " + schedule);
    }

    /** Sets the trainer's rate: {@code learningRate} throughout, or the cosine schedule over {@code totalSteps}. */
    MetricTrainer.Builder apply(MetricTrainer.Builder builder, float learningRate, int totalSteps) {
        if (schedule.equals("cosine")) {
            return builder.optLearningRate(LearningRateSchedules.warmUpCosine(learningRate,
                    Math.max(1, totalSteps / 20), totalSteps, learningRate / 100));
        }
        return builder.optLearningRate(learningRate);
    }

    /** The schedule's name, for a run's summary. */
    String name() {
        return schedule;
    }
}
