package io.github.dml4j.inference;

import ai.djl.modality.cv.Image;

import java.util.List;
import java.util.Objects;

/**
 * Decides whether two images show the same identity with an {@link EmbeddingModel} and a
 * threshold: the score of their embeddings on the model's distance (higher = more similar) is
 * compared with the threshold, by default the one calibrated in the model's card.
 *
 * <pre>{@code
 * try (EmbeddingModel model = EmbeddingModel.load(Path.of("face-model"))) {
 *     Verifier verifier = Verifier.of(model);
 *     Verification v = verifier.verify(ImageFiles.read(a), ImageFiles.read(b));
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe as its model is; it does not own the model.
 */
public final class Verifier {

    private final EmbeddingModel model;
    private final double threshold;

    private Verifier(EmbeddingModel model, double threshold) {
        this.model = model;
        this.threshold = threshold;
    }

    /**
     * A verifier with the threshold calibrated in the model's card.
     *
     * @throws IllegalStateException if the card has no threshold; the message says how to calibrate one
     */
    public static Verifier of(EmbeddingModel model) {
        Objects.requireNonNull(model, "model");
        Double threshold = model.card().threshold();
        if (threshold == null) {
            throw new IllegalStateException("The model card has no calibrated threshold, so same/different cannot be "
                    + "decided. Calibrate one on held-out pairs of identities not used in training: score them "
                    + "(eval.PairScores), then model.withCalibration(ThresholdCalibration.forTargetFar(scores, same, "
                    + "1e-3)) or ThresholdCalibration.bestAccuracy(scores, same), and save that model; "
                    + "examples/run FaceVerification does this.");
        }
        return new Verifier(model, threshold);
    }

    /**
     * A verifier with an explicit threshold on the score scale of the model's distance.
     *
     * @throws IllegalArgumentException if the threshold is not finite
     */
    public static Verifier of(EmbeddingModel model, double threshold) {
        Objects.requireNonNull(model, "model");
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("The threshold must be finite, got " + threshold + ".");
        }
        return new Verifier(model, threshold);
    }

    /** The threshold: pairs scoring at least this are the same identity. */
    public double threshold() {
        return threshold;
    }

    /** The model. */
    public EmbeddingModel model() {
        return model;
    }

    /**
     * Embeds both images (as the model's translator prepares them) and decides.
     *
     * @throws IllegalStateException if the model is closed or embedding fails
     */
    public Verification verify(Image a, Image b) {
        float[][] e = model.embed(List.of(Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b")));
        return verify(e[0], e[1]);
    }

    /**
     * Decides for two embeddings from the model.
     *
     * @throws IllegalArgumentException if an embedding is not of the model's length
     */
    public Verification verify(float[] a, float[] b) {
        double s = model.score(a, b);
        return new Verification(s, threshold, s >= threshold);
    }

    @Override
    public String toString() {
        return "Verifier{threshold=" + threshold + ", " + model + '}';
    }
}
