package io.github.dml4j.provenance;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of one training run, as the trainer hands them to the model card: what was
 * trained on which data, with which loss, miner, optimizer, learning rates and batches. Immutable;
 * made by the trainer and carried by the {@link TrainingHistory} of its run.
 *
 * @param head what was trained: the loss and the miner with their settings
 * @param loss the loss's name, e.g. {@code "TripletMarginLoss"}
 * @param miner the miner and its settings, or null for none
 * @param optimizer the optimizer, e.g. {@code "ADAM"}
 * @param learningRate the trainer's base learning rate (the schedule's first value, 0 for a warm-up from 0)
 * @param learningRates the learning rate of every parameter group, by group name (base rate
 *     times the group's multiplier), in order
 * @param weightDecay the weight decay, or null when a user-made optimizer set its own
 * @param epochs the number of epochs
 * @param seed the seed of initialization and sampling
 * @param sampling how the batches were drawn
 * @param layout the batches' layout, e.g. {@code "CLASSES"} or {@code "PAIRS"}
 * @param devices the devices trained on, e.g. {@code ["cpu()"]}
 * @param dataFingerprint the SHA-256 fingerprint of the training images and labels
 * @param imageCount the number of training images
 * @param classCount the number of classes in the training images
 * @param schedule the learning-rate schedule, e.g. {@code warmUpCosine(peak=0.001, ...)}, or null
 *     for a fixed rate
 * @param gradientClipNorm the global gradient norm gradients were clipped to, or null for none
 */
public record TrainingSettings(
        String head,
        String loss,
        String miner,
        String optimizer,
        double learningRate,
        Map<String, Double> learningRates,
        Double weightDecay,
        int epochs,
        long seed,
        SamplingSettings sampling,
        String layout,
        List<String> devices,
        String dataFingerprint,
        int imageCount,
        int classCount,
        String schedule,
        Double gradientClipNorm) {

    /** Validates the settings and copies the collections. */
    public TrainingSettings {
        if (head == null || loss == null || optimizer == null || sampling == null || layout == null) {
            throw new IllegalArgumentException("Training settings need the head, loss, optimizer, sampling and layout.");
        }
        // a schedule's first value may be 0, as a warm-up's is
        if (!(learningRate >= 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("The learning rate must be finite and not negative, got " + learningRate + ".");
        }
        learningRates = Collections.unmodifiableMap(new LinkedHashMap<>(learningRates == null ? Map.of() : learningRates));
        devices = List.copyOf(devices == null ? List.of() : devices);
    }
}
