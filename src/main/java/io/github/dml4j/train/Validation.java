package io.github.dml4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.eval.EmbeddingEvaluator;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.inference.EmbeddingModel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Evaluation on validation images during training, for early stopping and for keeping the best
 * parameters: every {@code every} epochs {@link MetricTrainer} embeds the images with the network
 * as it is (in inference mode) and computes the retrieval metrics, every image a query against
 * the others; the run keeps the parameters of the epoch with the highest {@link #metric()}
 * (MAP@R by default), and stops when it has not improved by more than {@code minDelta} in
 * {@code patience} evaluations.
 *
 * <pre>{@code
 * Validation validation = Validation.builder().setImages(validationImages)
 *         .optMetric(RetrievalReport.MAP_AT_R).optEvery(1).optPatience(5).build();
 * MetricTrainer.builder().setHead(head).optValidation(validation).optEpochs(100).build();
 * }</pre>
 *
 * <p>The validation images must be of classes the training never sees (as the test classes of
 * a zero-shot split are), or of the same classes but other images; never the training images.
 */
public final class Validation {

    private final ImageSource images;
    private final String metric;
    private final int every;
    private final int patience;
    private final double minDelta;
    private final boolean restoreBest;
    private final EmbeddingEvaluator evaluator;
    private final Function<EmbeddingNet, Map<String, Double>> evaluation;

    private Validation(Builder b) {
        this.images = b.images;
        this.metric = b.metric;
        this.every = b.every;
        this.patience = b.patience;
        this.minDelta = b.minDelta;
        this.restoreBest = b.restoreBest;
        this.evaluator = b.evaluator;
        this.evaluation = b.evaluation;
    }

    /**
     * A builder; the images are required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The validation images.
     *
     * @return the images, or null for a validation by an evaluation of one's own
     */
    public ImageSource images() {
        return images;
    }

    /**
     * The metric that picks the best parameters, higher being better.
     *
     * @return its name, e.g. {@code mean_average_precision_at_r}
     */
    public String metric() {
        return metric;
    }

    /**
     * Epochs between evaluations.
     *
     * @return at least 1
     */
    public int every() {
        return every;
    }

    /**
     * Evaluations without improvement after which training stops; 0 never stops early.
     *
     * @return the patience
     */
    public int patience() {
        return patience;
    }

    /**
     * The least increase of the metric that counts as an improvement.
     *
     * @return at least 0
     */
    public double minDelta() {
        return minDelta;
    }

    /**
     * Whether the network ends the run with the best evaluation's parameters.
     *
     * @return true by default
     */
    public boolean restoreBest() {
        return restoreBest;
    }

    /**
     * Whether epoch {@code epoch} (starting at 1) of a run of {@code epochs} is evaluated: every
     * {@link #every()}-th epoch and the last.
     *
     * @param epoch the epoch just finished
     * @param epochs the run's epochs
     * @return true to evaluate
     */
    public boolean isDue(int epoch, int epochs) {
        return epoch % every == 0 || epoch == epochs;
    }

    /**
     * Evaluates the network on the validation images.
     *
     * @param net the network, initialized
     * @return the metrics by name, in the report's order
     * @throws IllegalArgumentException if the report has no metric of this validation's name
     */
    public Map<String, Double> evaluate(EmbeddingNet net) {
        if (evaluation != null) {
            Map<String, Double> metrics = evaluation.apply(net);
            if (metrics == null || !metrics.containsKey(metric)) {
                throw new IllegalArgumentException("The validation's evaluation gave no " + metric + ": "
                        + (metrics == null ? null : metrics.keySet()) + ".");
            }
            return new LinkedHashMap<>(metrics);
        }
        RetrievalReport report;
        try (EmbeddingModel model = EmbeddingModel.of(net); NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = model.embed(manager, images);
            report = evaluator.evaluate(embeddings, images.labels());
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        report.toMap().forEach((k, v) -> {
            if (v instanceof Number n) {
                metrics.put(k, n.doubleValue());
            }
        });
        if (!metrics.containsKey(metric)) {
            throw new IllegalArgumentException("The validation metric " + metric + " is not one the evaluation reports: "
                    + metrics.keySet() + ".");
        }
        return metrics;
    }

    @Override
    public String toString() {
        return "Validation{" + (images == null ? "own evaluation" : images.size() + " images") + ", metric=" + metric + ", every=" + every + ", patience=" + patience
                + ", minDelta=" + minDelta + ", restoreBest=" + restoreBest + '}';
    }

    /** Builder of {@link Validation}. */
    public static final class Builder {
        private ImageSource images;
        private String metric = RetrievalReport.MAP_AT_R;
        private int every = 1;
        private int patience;
        private double minDelta;
        private boolean restoreBest = true;
        private EmbeddingEvaluator evaluator;
        private Function<EmbeddingNet, Map<String, Double>> evaluation;

        private Builder() {}

        /**
         * Sets the validation images (required), at least two images of some class.
         *
         * @param images the images
         * @return this builder
         */
        public Builder setImages(ImageSource images) {
            this.images = images;
            return this;
        }

        /**
         * Validates with an evaluation of one's own instead of retrieval on images, for example a
         * verification accuracy on pairs: it gets the network (to use in inference mode, without
         * changing it) and returns metrics by name, higher being better, one of them
         * {@link #optMetric}'s.
         *
         * @param evaluation the evaluation
         * @return this builder
         */
        public Builder setEvaluation(Function<EmbeddingNet, Map<String, Double>> evaluation) {
            this.evaluation = evaluation;
            return this;
        }

        /**
         * Sets the metric that picks the best parameters (default {@link RetrievalReport#MAP_AT_R}).
         *
         * @param metric a retrieval metric's name, e.g. {@link RetrievalReport#PRECISION_AT_1}
         * @return this builder
         */
        public Builder optMetric(String metric) {
            this.metric = metric;
            return this;
        }

        /**
         * Evaluates every {@code every} epochs (default 1), and after the last.
         *
         * @param every epochs between evaluations
         * @return this builder
         */
        public Builder optEvery(int every) {
            this.every = every;
            return this;
        }

        /**
         * Stops after {@code patience} evaluations without improvement (default 0: never early).
         *
         * @param patience evaluations
         * @return this builder
         */
        public Builder optPatience(int patience) {
            this.patience = patience;
            return this;
        }

        /**
         * Sets the least increase that counts as an improvement (default 0).
         *
         * @param minDelta at least 0
         * @return this builder
         */
        public Builder optMinDelta(double minDelta) {
            this.minDelta = minDelta;
            return this;
        }

        /**
         * Whether the network ends the run with the best evaluation's parameters (default true).
         *
         * @param restoreBest false to keep the last parameters
         * @return this builder
         */
        public Builder optRestoreBest(boolean restoreBest) {
            this.restoreBest = restoreBest;
            return this;
        }

        /**
         * Sets the evaluator (default: retrieval metrics without clustering, which costs k-means
         * runs at every evaluation).
         *
         * @param evaluator the evaluator
         * @return this builder
         */
        public Builder optEvaluator(EmbeddingEvaluator evaluator) {
            this.evaluator = evaluator;
            return this;
        }

        /**
         * Validates the settings and builds the validation.
         *
         * @return the validation
         * @throws IllegalArgumentException naming the missing or bad setting
         */
        public Validation build() {
            if ((images == null) == (evaluation == null)) {
                throw new IllegalArgumentException("Validation needs either the validation images (setImages) or an"
                        + " evaluation of one's own (setEvaluation), not " + (images == null ? "neither" : "both") + ".");
            }
            if (images != null && images.size() < 2) {
                throw new IllegalArgumentException("Validation needs at least 2 images, got " + images.size() + ".");
            }
            if (metric == null || metric.isBlank()) {
                throw new IllegalArgumentException("Validation's metric must be named, e.g. "
                        + RetrievalReport.MAP_AT_R + ".");
            }
            if (every < 1) {
                throw new IllegalArgumentException("Validation's every (epochs between evaluations) must be at least 1, got "
                        + every + ".");
            }
            if (patience < 0) {
                throw new IllegalArgumentException("Validation's patience must be 0 (never stop early) or more, got "
                        + patience + ".");
            }
            if (!(minDelta >= 0) || !Double.isFinite(minDelta)) {
                throw new IllegalArgumentException("Validation's minDelta must be a finite number >= 0, got " + minDelta + ".");
            }
            if (evaluator == null) {
                evaluator = EmbeddingEvaluator.builder().optRetrievalMetrics(RetrievalMetrics.builder().build())
                        .optClustering(false).build();
            }
            Objects.requireNonNull(evaluator);
            return new Validation(this);
        }
    }
}
