package io.github.dml4j.provenance;

import io.github.dml4j.data.ImageSource;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a saved model was trained, as recorded in its model card: the data (name, SHA-256
 * fingerprint, size), the head, loss and miner, the optimizer with every learning rate and the
 * weight decay, how batches were drawn, the epochs and seed, the loss of each epoch, when the
 * model was made, and the metrics measured on it. Immutable; built with {@link #builder()},
 * usually from a run's {@link TrainingHistory} with {@code optHistory}.
 *
 * <p>Only the dataset name and fingerprint are required; every other field is {@code null} (or
 * empty) when unknown, as in cards written before it existed.
 *
 * @param datasetName a human-readable name of the training data, e.g. {@code "fashion-mnist/train"}
 * @param datasetFingerprint the training data's fingerprint, see {@link ImageSource#fingerprint()}
 * @param imageCount number of training images
 * @param classCount number of classes in the training data
 * @param head description of the training head (loss, miner and their settings), or null
 * @param loss name of the loss, or null
 * @param miner the miner and its settings, or null for none or unknown
 * @param optimizer description of the optimizer, or null
 * @param learningRate the base learning rate, or null
 * @param learningRates the learning rate of each parameter group by name, possibly empty
 * @param weightDecay the weight decay, or null
 * @param epochs number of epochs, or null
 * @param batchSize batch size, or null
 * @param sampling how batches were drawn (sampler, m, mode), or null
 * @param layout the batches' layout ({@code CLASSES}, {@code PAIRS}, {@code TRIPLETS}), or null
 * @param devices the devices trained on, possibly empty
 * @param seed seed of initialization and sampling, or null
 * @param epochLosses mean loss of each epoch, in order (possibly empty)
 * @param createdAt when the model was made, ISO-8601 (e.g. {@code 2025-01-31T12:00:00Z})
 * @param metrics evaluation metrics by name, e.g. {@code precision_at_1} (possibly empty)
 * @param schedule the learning-rate schedule, or null for a fixed rate or unknown
 * @param gradientClipNorm the global norm gradients were clipped to, or null for none or unknown
 * @param selection which epoch's parameters were kept, by which validation metric, or null
 *     without validation
 */
public record TrainingProvenance(
        String datasetName,
        String datasetFingerprint,
        int imageCount,
        int classCount,
        String head,
        String loss,
        String miner,
        String optimizer,
        Double learningRate,
        Map<String, Double> learningRates,
        Double weightDecay,
        Integer epochs,
        Integer batchSize,
        SamplingSettings sampling,
        String layout,
        List<String> devices,
        Long seed,
        List<Double> epochLosses,
        String createdAt,
        Map<String, Double> metrics,
        String schedule,
        Double gradientClipNorm,
        ModelSelection selection) {

    /** Validates the fields and copies the collections. */
    public TrainingProvenance {
        if (datasetName == null || datasetName.isBlank()) {
            throw new IllegalArgumentException("The training provenance needs the dataset name.");
        }
        if (datasetFingerprint == null || datasetFingerprint.isBlank()) {
            throw new IllegalArgumentException("The training provenance needs the dataset fingerprint.");
        }
        if (imageCount < 0 || classCount < 0) {
            throw new IllegalArgumentException("The image and class counts of the training data must not be negative, got "
                    + imageCount + " and " + classCount + ".");
        }
        if (learningRate != null && !(Double.isFinite(learningRate) && learningRate >= 0)) {
            throw new IllegalArgumentException("The learning rate must be finite and not negative, got " + learningRate + ".");
        }
        if (epochs != null && epochs < 0) {
            throw new IllegalArgumentException("The number of epochs must not be negative, got " + epochs + ".");
        }
        if (batchSize != null && batchSize <= 0) {
            throw new IllegalArgumentException("The batch size must be positive, got " + batchSize + ".");
        }
        if (createdAt == null) {
            throw new IllegalArgumentException("The training provenance needs its creation time.");
        }
        try {
            Instant.parse(createdAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("The creation time '" + createdAt
                    + "' is not an ISO-8601 instant such as 2025-01-31T12:00:00Z.", e);
        }
        List<Double> losses = new ArrayList<>(epochLosses == null ? List.of() : epochLosses);
        for (int i = 0; i < losses.size(); i++) {
            Double l = losses.get(i);
            if (l == null || !Double.isFinite(l)) {
                throw new IllegalArgumentException("The loss of epoch " + (i + 1) + " is " + l + "; losses must be finite.");
            }
        }
        epochLosses = Collections.unmodifiableList(losses);
        learningRates = Collections.unmodifiableMap(new LinkedHashMap<>(learningRates == null ? Map.of() : learningRates));
        devices = List.copyOf(devices == null ? List.of() : devices);
        Map<String, Double> m = new LinkedHashMap<>();
        if (metrics != null) {
            for (Map.Entry<String, Double> e : metrics.entrySet()) {
                checkMetric(e.getKey(), e.getValue());
                m.put(e.getKey(), e.getValue());
            }
        }
        metrics = Collections.unmodifiableMap(m);
    }

    private static void checkMetric(String name, Double value) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A metric name must not be blank.");
        }
        if (value == null || !Double.isFinite(value)) {
            throw new IllegalArgumentException("Metric '" + name + "' is " + value
                    + "; only finite values can be recorded (leave the metric out instead).");
        }
    }

    /** The creation time as an {@link Instant}. */
    public Instant createdInstant() {
        return Instant.parse(createdAt);
    }

    /** Returns a copy with {@code metrics} added (replacing metrics of the same name). */
    public TrainingProvenance withMetrics(Map<String, Double> moreMetrics) {
        Map<String, Double> m = new LinkedHashMap<>(metrics);
        m.putAll(moreMetrics);
        return new TrainingProvenance(datasetName, datasetFingerprint, imageCount, classCount, head, loss, miner, optimizer,
                learningRate, learningRates, weightDecay, epochs, batchSize, sampling, layout, devices, seed, epochLosses,
                createdAt, m, schedule, gradientClipNorm, selection);
    }

    /** Returns a builder; the dataset is required, the creation time defaults to now. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link TrainingProvenance}. */
    public static final class Builder {
        private String datasetName;
        private String datasetFingerprint;
        private int imageCount;
        private int classCount;
        private String head;
        private String loss;
        private String miner;
        private String optimizer;
        private Double learningRate;
        private Map<String, Double> learningRates = Map.of();
        private Double weightDecay;
        private Integer epochs;
        private Integer batchSize;
        private SamplingSettings sampling;
        private String layout;
        private List<String> devices = List.of();
        private Long seed;
        private final List<Double> epochLosses = new ArrayList<>();
        private Instant createdAt;
        private final Map<String, Double> metrics = new LinkedHashMap<>();
        private String schedule;
        private Double gradientClipNorm;
        private ModelSelection selection;

        private Builder() {}

        /**
         * Sets the training data (required): its name, and the fingerprint, size and number of
         * classes taken from {@code images}.
         */
        public Builder setDataset(String name, ImageSource images) {
            Objects.requireNonNull(images, "images");
            return setDataset(name, images.fingerprint(), images.size(), images.numClasses());
        }

        /** Sets the training data (required) from its name, fingerprint, size and number of classes. */
        public Builder setDataset(String name, String fingerprint, int imageCount, int classCount) {
            this.datasetName = name;
            this.datasetFingerprint = fingerprint;
            this.imageCount = imageCount;
            this.classCount = classCount;
            return this;
        }

        /**
         * Takes the settings of a training run (head, loss, miner, optimizer, learning rates,
         * weight decay, batches, epochs, seed, devices; and the data's fingerprint, size and
         * classes unless a dataset was set), the schedule and clipping, the loss of each epoch
         * and, for a run with validation, the model selection and the validation metrics of the
         * selected epoch (as {@code validation_<name>} metrics).
         */
        public Builder optHistory(TrainingHistory history) {
            TrainingSettings s = history.settings();
            if (s != null) {
                head = s.head();
                loss = s.loss();
                miner = s.miner();
                optimizer = s.optimizer();
                learningRate = s.learningRate();
                learningRates = s.learningRates();
                weightDecay = s.weightDecay();
                epochs = s.epochs();
                batchSize = s.sampling().batchSize();
                sampling = s.sampling();
                layout = s.layout();
                devices = s.devices();
                seed = s.seed();
                schedule = s.schedule();
                gradientClipNorm = s.gradientClipNorm();
                if (datasetFingerprint == null) {
                    datasetFingerprint = s.dataFingerprint();
                    imageCount = s.imageCount();
                    classCount = s.classCount();
                }
            }
            selection = history.selection();
            if (selection != null) {
                // the kept parameters are the selected epoch's: its validation metrics describe them
                history.validations().stream().filter(v -> v.epoch() == selection.epoch()).findFirst()
                        .ifPresent(v -> v.metrics().forEach((k, val) -> metrics.putIfAbsent("validation_" + k, val)));
            }
            return optEpochLosses(history.losses());
        }

        /** Sets the name of the training data (required); the rest comes from {@link #optHistory}. */
        public Builder setDatasetName(String name) {
            this.datasetName = name;
            return this;
        }

        /** Sets the description of the head. */
        public Builder optHead(String head) {
            this.head = head;
            return this;
        }

        /** Sets the name of the loss. */
        public Builder optLoss(String loss) {
            this.loss = loss;
            return this;
        }

        /** Sets the description of the optimizer. */
        public Builder optOptimizer(String optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** Sets the learning rate. */
        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** Sets the number of epochs. */
        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Sets the batch size. */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Sets the seed. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the mean loss of each epoch (replacing any set before). */
        public Builder optEpochLosses(double... losses) {
            epochLosses.clear();
            for (double l : losses) {
                epochLosses.add(l);
            }
            return this;
        }

        /** Sets the creation time (default: when {@link #build()} is called). */
        public Builder optCreatedAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        /** Adds a metric, e.g. {@code addMetric("precision_at_1", 0.83)}. */
        public Builder addMetric(String name, double value) {
            metrics.put(name, value);
            return this;
        }

        /** Adds metrics (in the map's iteration order). */
        public Builder addMetrics(Map<String, Double> values) {
            metrics.putAll(values);
            return this;
        }

        /**
         * Builds the provenance.
         *
         * @throws IllegalArgumentException if the dataset was not set or a value is invalid
         */
        public TrainingProvenance build() {
            if (datasetName == null) {
                throw new IllegalArgumentException(
                        "The training provenance needs the dataset: call setDataset(name, images), or setDatasetName(name) "
                                + "with optHistory(history).");
            }
            Instant created = createdAt == null ? Instant.now() : createdAt;
            if (datasetFingerprint == null) {
                throw new IllegalArgumentException("The training provenance needs the dataset's fingerprint: call "
                        + "setDataset(name, images), or optHistory(history) of a training run.");
            }
            return new TrainingProvenance(datasetName, datasetFingerprint, imageCount, classCount, head, loss, miner,
                    optimizer, learningRate, learningRates, weightDecay, epochs, batchSize, sampling, layout, devices, seed,
                    epochLosses, created.toString(), metrics, schedule, gradientClipNorm, selection);
        }
    }
}
