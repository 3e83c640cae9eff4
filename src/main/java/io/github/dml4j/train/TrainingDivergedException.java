package io.github.dml4j.train;

/** Thrown when a training step's loss is NaN or infinite; names the epoch, batch and step. */
public final class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Epoch of the failing step, from 1. */
    private final int epoch;
    /** Batch of the failing step within its epoch, from 1. */
    private final int batch;
    /** Global number of the failing step, from 1. */
    private final long step;
    private final transient java.nio.file.Path checkpoint;

    /**
     * @param epoch epoch number, from 1
     * @param batch batch number within the epoch, from 1
     * @param step global step number, from 1
     * @param loss the non-finite loss value
     * @param checkpoint where the last good weights were saved, or {@code null}
     */
    public TrainingDivergedException(int epoch, int batch, long step, float loss, java.nio.file.Path checkpoint) {
        super("Training diverged: the loss is " + loss + " at epoch " + epoch + ", batch " + batch
                + " (step " + step + "). " + (checkpoint == null ? "" : "The last good weights are in " + checkpoint + ". ")
                + "Lower the learning rate or check the input for NaN values. On a CPU with AVX-512, a"
                + " convolution of fewer than 16 channels can give NaN gradients in libtorch 2.7.1: run with the"
                + " environment variable ONEDNN_MAX_CPU_ISA=AVX2 (see the README's troubleshooting).");
        this.epoch = epoch;
        this.batch = batch;
        this.step = step;
        this.checkpoint = checkpoint;
    }

    /** Epoch of the failing step, from 1. */
    public int getEpoch() {
        return epoch;
    }

    /** Batch of the failing step within its epoch, from 1. */
    public int getBatch() {
        return batch;
    }

    /** Global number of the failing step, from 1. */
    public long getStep() {
        return step;
    }

    /** Where the last finite weights were saved, or {@code null} if no checkpoint directory was set or they were not finite. */
    public java.nio.file.Path getCheckpoint() {
        return checkpoint;
    }
}
