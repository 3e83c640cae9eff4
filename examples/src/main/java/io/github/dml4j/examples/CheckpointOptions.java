package io.github.dml4j.examples;

import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.TrainingCheckpoints;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkpoint options the training examples share ({@code --checkpoints}, {@code --checkpoint-every},
 * {@code --resume}), as a picocli mixin: their checks and how they set up a trainer.
 */
final class CheckpointOptions {

    @Option(names = "--checkpoints", description = "Checkpoint the training in this directory (every epoch, and every"
            + " --checkpoint-every steps), so that --resume can continue it after a crash.")
    Path directory;

    @Option(names = "--checkpoint-every", defaultValue = "0",
            description = "With --checkpoints: also checkpoint every this many steps (default ${DEFAULT-VALUE}: epoch ends only).")
    int every;

    @Option(names = "--resume", description = "Continue the training checkpointed in --checkpoints where it stopped.")
    boolean resume;

    /** Adds the checks of these options; {@code subdirectories} are phases of the run that also count as holding it. */
    OptionChecks check(OptionChecks checks, String... subdirectories) {
        return checks.atLeast("--checkpoint-every", every, 0)
                .require(!resume || directory != null, "--resume needs --checkpoints DIR")
                .require(every == 0 || directory != null, "--checkpoint-every needs --checkpoints DIR")
                .require(directory == null || resume || !holdsRun(subdirectories), "--checkpoints " + directory
                        + " holds a run: add --resume to continue it, or choose another directory");
    }

    private boolean holdsRun(String... subdirectories) {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        if (!TrainingCheckpoints.checkpoints(directory).isEmpty()) {
            return true;
        }
        for (String sub : subdirectories) {
            if (!TrainingCheckpoints.checkpoints(directory.resolve(sub)).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** The run's checkpoint directory, or a phase's sub-directory of it; null without --checkpoints. */
    Path directory(String phase) {
        return directory == null ? null : phase == null ? directory : directory.resolve(phase);
    }

    /** Sets a trainer up to checkpoint into {@code dir} (null: no checkpoints) and resume when asked. */
    MetricTrainer.Builder apply(MetricTrainer.Builder builder, Path dir) {
        if (dir != null) {
            builder.optCheckpointDirectory(dir).optCheckpointEvery(every).optResume(resume);
        }
        return builder;
    }
}
