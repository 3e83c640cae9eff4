package io.github.dml4j.train;

/** Thrown when a training step's loss is NaN or infinite; names the epoch, batch and step. */
public final class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param epoch epoch number, from 1
     * @param batch batch number within the epoch, from 1
     * @param step global step number, from 1
     * @param loss the non-finite loss value
     */
    public TrainingDivergedException(int epoch, int batch, long step, float loss) {
        super("Training diverged: the loss is " + loss + " at epoch " + epoch + ", batch " + batch
                + " (step " + step + "). Lower the learning rate or check the input for NaN values.");
    }
}
