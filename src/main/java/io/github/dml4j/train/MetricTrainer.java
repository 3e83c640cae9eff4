package io.github.dml4j.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.nn.ParameterGroup;
import io.github.dml4j.provenance.EpochResult;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.provenance.TrainingSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a {@link MetricHead} (and so its shared {@link EmbeddingNet}) on the batches of a
 * {@link BatchSource}.
 *
 * <p>Each step loads a batch (the source says what its records are and how they are drawn),
 * runs the head's forward pass (one pass of the network over every image of the batch, mining,
 * the loss), back-propagates and updates every parameter with the optimizer, at the learning
 * rate of its {@link ParameterGroup}: the loss's class weights or proxies at their multiplier,
 * whatever optimizer is chosen. Every step runs in its own {@link NDManager}, closed after the
 * step, so a long run's memory stays flat. The whole batch meets in one place: with several
 * devices, the images are embedded on each and the embeddings gathered on the first, so in-batch
 * miners see every negative.
 *
 * <p>DJL {@link TrainingListener}s are notified as in DJL's own loop (the predictions are the
 * loss and the embeddings); the default, {@link TrainingProgress}, draws a progress bar on a
 * terminal, and the trainer logs one line per epoch. {@link #fit} returns the run's
 * {@link TrainingHistory}, whose settings a model card records.
 *
 * <p>A fixed seed fixes the initialization and, with the batch source's own seed, every batch.
 * With one engine thread a rerun reproduces the loss curve bit for bit. With several threads a
 * rerun is bit-identical only if every kernel of the step adds in a fixed order; the pair and
 * triplet losses therefore read rows with {@code gather}, whose backward adds in a fixed order.
 * Even so, several threads give no guarantee. The engine's threads are a setting of the engine
 * (for PyTorch the system property {@code ai.djl.pytorch.num_threads}), not of the trainer.
 */
public final class MetricTrainer {

    private static final Logger LOGGER = LoggerFactory.getLogger(MetricTrainer.class);

    private final MetricHead head;
    private final OptimizerType optimizerType;
    private final OptimizerFactory optimizerFactory;
    private final Tracker learningRate;
    private final float weightDecay;
    private final int epochs;
    private final long seed;
    private final List<Device> devices;
    private final List<TrainingListener> listeners;
    private final Path checkpointDirectory;
    private NDManager parameterManager;

    private MetricTrainer(Builder b) {
        this.head = b.head;
        this.optimizerType = b.optimizerType;
        this.optimizerFactory = b.optimizerFactory;
        this.learningRate = b.learningRate;
        this.weightDecay = b.weightDecay == null ? 0f : b.weightDecay;
        this.epochs = b.epochs;
        this.seed = b.seed;
        this.devices = b.devices == null ? List.of(Engine.getInstance().getDevices()) : List.copyOf(b.devices);
        this.checkpointDirectory = b.checkpointDirectory;
        this.listeners = List.copyOf(b.listeners == null ? List.of(new TrainingProgress()) : b.listeners);
    }

    /** Returns a builder; the head is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The head trained. */
    public MetricHead getHead() {
        return head;
    }

    /** The embedding network trained, the part to export. */
    public EmbeddingNet getEmbeddingNet() {
        return head.getEmbeddingNet();
    }

    /** Number of epochs. */
    public int getEpochs() {
        return epochs;
    }

    /** Seed of parameter initialization. */
    public long getSeed() {
        return seed;
    }

    /** The devices trained on; the first holds the parameters and computes the loss. */
    public List<Device> getDevices() {
        return devices;
    }

    /**
     * Trains on the batches of {@code source}.
     *
     * @return the run's settings and per-epoch history
     * @throws IllegalArgumentException before training, if the batches do not fit the network
     *     (input shape, pixel normalization) or the head (a class loss on pairs or triplets)
     * @throws TrainingDivergedException if a loss is NaN or infinite; with a checkpoint directory
     *     set, the last finite parameters are saved there first
     */
    public TrainingHistory fit(BatchSource source) {
        EmbeddingNet net = head.getEmbeddingNet();
        Shape expected = net.getInputShape();
        for (Shape input : source.inputShapes()) {
            if (input.dimension() != expected.dimension() + 1 || !input.slice(1).equals(expected)) {
                throw new IllegalArgumentException("The network expects images of shape " + expected
                        + " but the batches hold inputs of shape " + input + ".");
            }
        }
        if (!source.normalization().equals(net.getPixelNormalization())) {
            throw new IllegalArgumentException("The batches are normalized with " + source.normalization()
                    + " but the network expects " + net.getPixelNormalization()
                    + ": build the batch source with the network's getPixelNormalization().");
        }
        head.checkLayout(source.layout());
        AllocatorAdvice.adviseOnce(LOGGER);
        initialize();
        List<ParameterGroup> groups = head.parameterGroups();
        Map<String, Float> multipliers = new HashMap<>();
        for (ParameterGroup g : groups) {
            for (Parameter p : g.parameters()) {
                multipliers.put(p.getId(), g.learningRateMultiplier());
            }
        }
        Optimizer optimizer = newOptimizer(new GroupedLearningRate(learningRate, multipliers));
        TrainingSettings settings = settings(source, groups, optimizer);
        MetricHead.TrainingView view = head.trainingView(source.layout(), devices);
        DefaultTrainingConfig config = new DefaultTrainingConfig(view.loss())
                .optOptimizer(optimizer)
                .optDevices(devices.toArray(new Device[0]))
                .addTrainingListeners(listeners.toArray(new TrainingListener[0]));
        LOGGER.info("Training {} for {} epochs of {} batches of {} on {} (seed {})", head.describe(), epochs,
                source.batchesPerEpoch(), source.batchSize(), devices, seed);
        List<EpochResult> results = new ArrayList<>();
        try (Model model = Model.newInstance("dml4j-training", devices.get(0))) {
            model.setBlock(view);
            try (Trainer trainer = model.newTrainer(config)) {
                Metrics metrics = new Metrics();
                metrics.setLimit(1000);
                trainer.setMetrics(metrics);
                boolean stepped = false;
                long step = 0;
                for (int e = 0; e < epochs; e++) {
                    long start = System.nanoTime();
                    double lossSum = 0;
                    int batches = 0;
                    long images = 0;
                    int total = source.batchesPerEpoch();
                    Iterator<long[]> it = source.batches(e);
                    for (int bi = 0; it.hasNext(); bi++) {
                        long[] indices = it.next();
                        step++;
                        try (NDManager batchManager = trainer.getManager().newSubManager()) {
                            TrainingBatch tb = source.load(batchManager, indices);
                            NDList data = tb.data();
                            NDList labels = tb.labels();
                            float value;
                            NDList predictions;
                            try (GradientCollector collector = trainer.newGradientCollector()) {
                                predictions = trainer.forward(data, labels);
                                NDArray loss = predictions.get(0);
                                value = loss.getFloat();
                                if (!Float.isFinite(value)) {
                                    throw diverged(e + 1, bi + 1, step, value);
                                }
                                // DJL refuses a first step whose gradients are all zero
                                if (value != 0f || stepped) {
                                    collector.backward(loss);
                                }
                            }
                            if (value != 0f || stepped) {
                                trainer.step();
                                stepped = true;
                            }
                            lossSum += value;
                            batches++;
                            images += tb.images();
                            Batch batch = new Batch(batchManager, data, labels, indices.length,
                                    Batchifier.STACK, Batchifier.STACK, bi + 1L, total);
                            TrainingListener.BatchData batchData = new TrainingListener.BatchData(
                                    batch, Map.of(devices.get(0), labels), Map.of(devices.get(0), predictions));
                            trainer.notifyListeners(l -> l.onTrainingBatch(trainer, batchData));
                        }
                    }
                    trainer.notifyListeners(l -> l.onEpoch(trainer));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    EpochResult r = new EpochResult(e + 1, batches == 0 ? Double.NaN : lossSum / batches, batches, images,
                            seconds);
                    results.add(r);
                    LOGGER.info("Epoch {}/{}: mean loss {}, {} images/s", r.epoch(), epochs,
                            String.format(Locale.ROOT, "%.5f", r.meanLoss()),
                            String.format(Locale.ROOT, "%.0f", r.imagesPerSecond()));
                    if (checkpointDirectory != null) {
                        Checkpoints.save(head, checkpointDirectory);
                    }
                }
            }
        }
        return new TrainingHistory(settings, results);
    }

    private Optimizer newOptimizer(GroupedLearningRate rates) {
        return optimizerFactory != null ? optimizerFactory.create(rates) : optimizerType.create(rates, weightDecay);
    }

    private TrainingSettings settings(BatchSource source, List<ParameterGroup> groups, Optimizer optimizer) {
        float base = learningRate.getNewValue(0);
        Map<String, Double> rates = new LinkedHashMap<>();
        for (ParameterGroup g : groups) {
            rates.put(g.name(), new java.math.BigDecimal(Float.toString(base))
                    .multiply(new java.math.BigDecimal(Float.toString(g.learningRateMultiplier()))).doubleValue());
        }
        String optimizerName = optimizerFactory != null ? optimizer.getClass().getSimpleName() : optimizerType.name();
        return new TrainingSettings(head.describe(), head.getLoss().getName(),
                head.getMiner() == null ? null : head.getMiner().toString(), optimizerName, decimal(base), rates,
                optimizerFactory != null ? null : decimal(weightDecay), epochs, seed, source.sampling(),
                source.layout().name(), devices.stream().map(Device::toString).toList(),
                source.images().fingerprint(), source.images().size(), source.images().numClasses());
    }

    /** A float as the decimal it was written as (1e-3, not 0.0010000000474974513), for the model card. */
    private static double decimal(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    private TrainingDivergedException diverged(int epoch, int batch, long step, float value) {
        Path saved = null;
        if (checkpointDirectory != null) {
            try {
                saved = Checkpoints.saveIfFinite(head, checkpointDirectory);
            } catch (java.io.IOException io) {
                LOGGER.error("Could not save the last good parameters to {}", checkpointDirectory, io);
            }
        }
        return new TrainingDivergedException(epoch, batch, step, value, saved);
    }

    /**
     * Initializes, if it is not yet, the head's parameters (the embedding network's, unless they
     * arrived trained, and the loss's) from this trainer's seed, on the first device, exactly as
     * {@link #fit} would. Call it to evaluate the untrained network; {@link #fit} calls it too.
     */
    public synchronized void initialize() {
        Engine.getInstance().setRandomSeed((int) seed);
        if (!head.isInitialized()) {
            // parameters outlive the DJL Model used for one fit, so they get a manager of their own
            if (parameterManager == null) {
                parameterManager = NDManager.newBaseManager(devices.get(0));
            }
            head.initialize(parameterManager, DataType.FLOAT32, head.getEmbeddingNet().batchInputShape(1));
        }
    }

    /** Builder for {@link MetricTrainer}. */
    public static final class Builder {
        private MetricHead head;
        private OptimizerType optimizerType = OptimizerType.ADAM;
        private OptimizerFactory optimizerFactory;
        private Tracker learningRate = Tracker.fixed(1e-3f);
        private Float weightDecay;
        private int epochs = 5;
        private long seed;
        private List<Device> devices;
        private List<TrainingListener> listeners;
        private Path checkpointDirectory;

        private Builder() {}

        /** Sets the head to train (required). */
        public Builder setHead(MetricHead head) {
            this.head = head;
            return this;
        }

        /** Chooses the optimizer by name (default Adam), with {@link #optWeightDecay}. */
        public Builder optOptimizer(OptimizerType type) {
            this.optimizerType = type;
            this.optimizerFactory = null;
            return this;
        }

        /**
         * Makes the optimizer with {@code factory}, handing it the learning rate of every parameter
         * (the trainer's rate or schedule times each group's multiplier), so that per-group rates
         * hold for any optimizer; {@link #optWeightDecay} does not apply, the factory sets its own.
         */
        public Builder optOptimizer(OptimizerFactory factory) {
            this.optimizerFactory = factory;
            return this;
        }

        /** Sets the learning rate (default 1e-3). */
        public Builder optLearningRate(float learningRate) {
            if (!(learningRate > 0f) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("MetricTrainer's learning rate must be a positive number, got "
                        + learningRate + ".");
            }
            this.learningRate = Tracker.fixed(learningRate);
            return this;
        }

        /** Sets the learning rate as a schedule over optimizer updates, e.g. {@code Tracker.warmUp()}. */
        public Builder optLearningRate(Tracker schedule) {
            this.learningRate = schedule;
            return this;
        }

        /** Sets the weight decay of a named optimizer (default 0). */
        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Sets the number of epochs (default 5). */
        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Sets the seed of parameter initialization (default 0); batches take their own seed. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets the devices to train on (default: the engine's devices, e.g. every GPU when a CUDA
         * build of the engine is on the class path, else the CPU). With several, each embeds a
         * slice of every batch and the first gathers the embeddings, mines and computes the loss.
         */
        public Builder optDevices(Device... devices) {
            this.devices = Arrays.asList(devices);
            return this;
        }

        /** Replaces the default listener ({@link TrainingProgress}). */
        public Builder optListeners(TrainingListener... listeners) {
            this.listeners = new ArrayList<>(Arrays.asList(listeners));
            return this;
        }

        /**
         * Saves the head's parameters (network and loss) to {@code dir} after every epoch (as
         * {@value Checkpoints#FILE_NAME}), and the last finite ones when training diverges.
         */
        public Builder optCheckpointDirectory(Path dir) {
            this.checkpointDirectory = dir;
            return this;
        }

        /** Validates and builds the trainer. */
        public MetricTrainer build() {
            if (head == null) {
                throw new IllegalArgumentException("MetricTrainer needs a head: call setHead(...).");
            }
            if (optimizerFactory == null && optimizerType == null) {
                throw new IllegalArgumentException("MetricTrainer's optimizer type must not be null.");
            }
            if (learningRate == null) {
                throw new IllegalArgumentException("MetricTrainer's learning rate schedule must not be null.");
            }
            if (weightDecay != null && optimizerFactory != null) {
                throw new IllegalArgumentException("MetricTrainer's weight decay applies to a named optimizer "
                        + "(optOptimizer(OptimizerType)); an optimizer factory sets its own.");
            }
            if (weightDecay != null && (!(weightDecay >= 0f) || !Float.isFinite(weightDecay))) {
                throw new IllegalArgumentException("MetricTrainer's weight decay must be a finite number >= 0, got "
                        + weightDecay + ".");
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("MetricTrainer's epochs must be at least 1, got " + epochs + ".");
            }
            if (devices != null) {
                if (devices.isEmpty() || devices.contains(null)) {
                    throw new IllegalArgumentException("MetricTrainer's devices must be at least one, none null, got "
                            + devices + ".");
                }
                if (devices.stream().distinct().count() < devices.size()) {
                    throw new IllegalArgumentException("MetricTrainer's devices must differ, got " + devices + ".");
                }
            }
            return new MetricTrainer(this);
        }
    }
}
