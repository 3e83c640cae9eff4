package io.github.dml4j.train;

import io.github.dml4j.provenance.EpochResult;
import io.github.dml4j.provenance.ModelSelection;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.provenance.ValidationResult;

import java.util.List;

/**
 * Where a run is and what it did so far, written with every checkpoint as JSON: with the
 * parameters and the optimizer state it is all a resumed run needs to continue exactly.
 *
 * @param format the format version
 * @param step optimizer steps done (batches trained)
 * @param epoch the epoch in progress, from 0; equal to the number of finished epochs when
 *     {@code batchInEpoch} is 0
 * @param batchInEpoch batches of {@code epoch} done; the sampler regenerates the epoch's batches
 *     from its seed and skips these
 * @param stepped whether an optimizer update has been made (DJL refuses a first update of zero
 *     gradients, so zero-loss batches before it are not stepped)
 * @param epochLossSum the sum of the losses of the epoch's batches so far
 * @param epochBatches the epoch's batches so far
 * @param epochImages the epoch's images so far
 * @param epochSeconds the epoch's training time so far
 * @param stepLosses the loss of every step so far
 * @param epochs the finished epochs
 * @param validations the evaluations so far
 * @param best the best evaluation so far, or null
 * @param evaluationsWithoutImprovement evaluations since the best
 * @param finished whether the run ended (all epochs, or stopped early)
 * @param head the head's description, checked on resume
 * @param optimizer the optimizer's class, checked on resume
 * @param dataFingerprint the training data's fingerprint, checked on resume
 * @param sampling the batch source's settings, checked on resume
 */
record TrainingState(
        int format,
        long step,
        int epoch,
        int batchInEpoch,
        boolean stepped,
        double epochLossSum,
        int epochBatches,
        long epochImages,
        double epochSeconds,
        List<Float> stepLosses,
        List<EpochResult> epochs,
        List<ValidationResult> validations,
        ModelSelection best,
        int evaluationsWithoutImprovement,
        boolean finished,
        String head,
        String optimizer,
        String dataFingerprint,
        SamplingSettings sampling) {

    static final int FORMAT = 1;

    TrainingState {
        stepLosses = List.copyOf(stepLosses);
        epochs = List.copyOf(epochs);
        validations = List.copyOf(validations);
    }
}
