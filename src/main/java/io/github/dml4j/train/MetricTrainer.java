package io.github.dml4j.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.FixedPerVarTracker;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.sampler.MPerClassSampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link MetricHead} (and so its shared {@link EmbeddingNet}) on labelled images.
 *
 * <p>Each step takes a batch of indices from the sampler, builds the normalized image tensor on
 * the engine, runs one forward pass through the head, evaluates the head's loss (mining inside
 * the batch), back-propagates and updates the parameters with the chosen optimizer. Every step
 * runs in its own {@link NDManager}, closed after the step, so a long run's memory stays flat.
 * The whole batch is processed on one device, so in-batch miners see every negative.
 *
 * <p>DJL {@link TrainingListener}s are notified as with DJL's own loop; the default,
 * {@link TrainingListener.Defaults#logging()}, shows a progress bar and logs each epoch's loss.
 * A fixed seed fixes the initialization and every batch. With one engine thread
 * ({@code optThreads(1)}) a rerun reproduces the loss curve bit for bit. With several threads a
 * rerun is bit-identical only if every kernel of the step adds in a fixed order; the pair and
 * triplet losses therefore read embedding rows and distances with {@code gather}, not with an
 * advanced index, whose multi-threaded CPU backward adds with atomics in a varying order. Even
 * so, several threads give no guarantee: two-thread reruns of ConvNet-S with contrastive loss
 * usually agree bit for bit, but one of six differed (from the first epoch on, cause unknown),
 * and other heads have not been checked.
 */
public final class MetricTrainer {

    private static final Logger LOGGER = LoggerFactory.getLogger(MetricTrainer.class);

    private final MetricHead head;
    private final OptimizerType optimizerType;
    private final Optimizer optimizer;
    private final float learningRate;
    private final float weightDecay;
    private final int epochs;
    private final int batchSize;
    private final int m;
    private final MPerClassSampler.Mode samplerMode;
    private final Integer epochLength;
    private final long seed;
    private final int threads;
    private final List<TrainingListener> listeners;
    private final Path checkpointDirectory;
    private NDManager parameterManager;

    private MetricTrainer(Builder b) {
        this.head = b.head;
        this.optimizerType = b.optimizerType;
        this.optimizer = b.optimizer;
        this.learningRate = b.learningRate;
        this.weightDecay = b.weightDecay;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.m = b.m;
        this.samplerMode = b.samplerMode;
        this.epochLength = b.epochLength;
        this.seed = b.seed;
        this.threads = b.threads;
        this.checkpointDirectory = b.checkpointDirectory;
        this.listeners = List.copyOf(b.listeners == null ? Arrays.asList(TrainingListener.Defaults.logging()) : b.listeners);
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

    /** Batch size. */
    public int getBatchSize() {
        return batchSize;
    }

    /** Seed of parameter initialization and sampling. */
    public long getSeed() {
        return seed;
    }

    /** A short description of the optimizer for model cards. */
    public String describeOptimizer() {
        return optimizer != null ? optimizer.getClass().getSimpleName() : optimizerType + " lr=" + learningRate;
    }

    /**
     * Trains on {@code train} with an M-per-class sampler of this trainer's batch size and m.
     *
     * @return the per-epoch history
     */
    public TrainingHistory fit(LabeledImages train) {
        MPerClassSampler sampler = MPerClassSampler.builder().setLabels(train.labels()).setM(m).setBatchSize(batchSize)
                .optMode(samplerMode).optLength(epochLength == null ? train.size() : epochLength).optSeed(seed).build();
        return fit(train, sampler);
    }

    /**
     * Trains on {@code train}, drawing batches with {@code sampler}.
     *
     * @return the per-epoch history
     */
    public TrainingHistory fit(LabeledImages train, MPerClassSampler sampler) {
        EmbeddingNet net = head.getEmbeddingNet();
        if (!net.getInputShape().equals(train.imageShape())) {
            throw new IllegalArgumentException("The network expects images of shape " + net.getInputShape()
                    + " but the training images have shape " + train.imageShape() + ".");
        }
        return fit(new ClassBatches(train, sampler, net.getPixelNormalization()));
    }

    /**
     * Trains on the batches of {@code source}.
     *
     * @return the per-epoch history
     * @throws TrainingDivergedException if a loss is NaN or infinite; with a checkpoint directory
     *     set, the last finite weights are saved there first
     */
    public TrainingHistory fit(BatchSource source) {
        Shape expected = head.getEmbeddingNet().getInputShape();
        for (Shape input : source.inputShapes()) {
            if (input.dimension() != expected.dimension() + 1 || !input.slice(1).equals(expected)) {
                throw new IllegalArgumentException("The network expects images of shape " + expected
                        + " but the batches hold inputs of shape " + input + ".");
            }
        }
        initialize();
        Device device = Device.cpu();
        DefaultTrainingConfig config = new DefaultTrainingConfig(head.getLoss())
                .optOptimizer(newOptimizer())
                .optDevices(new Device[] {device})
                .addTrainingListeners(listeners.toArray(new TrainingListener[0]));
        LOGGER.info("Training {} for {} epochs of {} batches of {} ({} threads, seed {})",
                head.describe(), epochs, source.batchesPerEpoch(), source.batchSize(), threads, seed);
        List<EpochResult> results = new ArrayList<>();
        try (Model model = Model.newInstance("dml4j-training", device)) {
            model.setBlock(head);
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
                                NDArray loss = trainer.getLoss().evaluate(labels, predictions);
                                value = loss.getFloat();
                                if (!Float.isFinite(value)) {
                                    throw diverged(e + 1, bi + 1, step, value);
                                }
                                if (value != 0f || stepped) {
                                    collector.backward(loss);
                                }
                            }
                            if (value != 0f || stepped) {
                                trainer.step();
                                stepped = true;
                            }
                            head.afterStep(predictions, labels);
                            lossSum += value;
                            batches++;
                            images += tb.images();
                            Batch batch = new Batch(batchManager, data, labels, indices.length,
                                    Batchifier.STACK, Batchifier.STACK, bi + 1L, total);
                            TrainingListener.BatchData batchData = new TrainingListener.BatchData(
                                    batch, Map.of(device, labels), Map.of(device, predictions));
                            trainer.notifyListeners(l -> l.onTrainingBatch(trainer, batchData));
                        }
                    }
                    trainer.notifyListeners(l -> l.onEpoch(trainer));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    EpochResult r = new EpochResult(e + 1, batches == 0 ? Double.NaN : lossSum / batches, batches, images, seconds);
                    results.add(r);
                    LOGGER.info("Epoch {}/{}: mean loss {}, {} images/s", r.epoch(), epochs,
                            String.format(java.util.Locale.ROOT, "%.5f", r.meanLoss()),
                            String.format(java.util.Locale.ROOT, "%.0f", r.imagesPerSecond()));
                    if (checkpointDirectory != null) {
                        Checkpoints.save(head.getEmbeddingNet(), checkpointDirectory);
                    }
                }
            }
        }
        return new TrainingHistory(results);
    }

    private Optimizer newOptimizer() {
        if (optimizer != null) {
            return optimizer;
        }
        Map<Parameter, Float> own = head.getParameterLearningRates();
        ParameterTracker tracker;
        if (own.isEmpty()) {
            tracker = Tracker.fixed(learningRate);
        } else {
            FixedPerVarTracker.Builder b = FixedPerVarTracker.builder().setDefaultValue(learningRate);
            own.forEach((p, lr) -> b.put(p.getId(), lr));
            tracker = b.build();
        }
        return optimizerType.create(tracker, weightDecay);
    }

    private TrainingDivergedException diverged(int epoch, int batch, long step, float value) {
        Path saved = null;
        if (checkpointDirectory != null) {
            try {
                saved = Checkpoints.saveIfFinite(head.getEmbeddingNet(), checkpointDirectory);
            } catch (java.io.IOException io) {
                LOGGER.error("Could not save the last good weights to {}", checkpointDirectory, io);
            }
        }
        return new TrainingDivergedException(epoch, batch, step, value, saved);
    }

    /**
     * Applies the thread setting and, if the head is not initialized yet, initializes its
     * parameters (and so the embedding network's) from this trainer's seed, exactly as
     * {@link #fit} would. Call it to evaluate the untrained network; {@link #fit} calls it too.
     */
    public synchronized void initialize() {
        applyThreads();
        Engine.getInstance().setRandomSeed((int) seed);
        if (!head.isInitialized()) {
            // parameters outlive the DJL Model used for one fit, so they get a manager of their own
            if (parameterManager == null) {
                parameterManager = NDManager.newBaseManager(Device.cpu());
            }
            head.initialize(parameterManager, DataType.FLOAT32, head.getEmbeddingNet().batchInputShape(batchSize));
        }
    }

    private void applyThreads() {
        if (threads > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            Engine.getInstance();
            JniUtils.setNumThreads(threads);
        }
    }

    /** Builder for {@link MetricTrainer}. */
    public static final class Builder {
        private MetricHead head;
        private OptimizerType optimizerType = OptimizerType.ADAM;
        private Optimizer optimizer;
        private float learningRate = 1e-3f;
        private float weightDecay;
        private int epochs = 5;
        private int batchSize = 128;
        private int m = 16;
        private MPerClassSampler.Mode samplerMode = MPerClassSampler.Mode.PER_BATCH;
        private Integer epochLength;
        private long seed;
        private int threads;
        private List<TrainingListener> listeners;
        private Path checkpointDirectory;

        private Builder() {}

        /**
         * Saves the embedding network's weights to {@code dir} after every epoch (as
         * {@value Checkpoints#FILE_NAME}), and the last finite weights when training diverges.
         */
        public Builder optCheckpointDirectory(Path dir) {
            this.checkpointDirectory = dir;
            return this;
        }

        /** Sets the head to train (required). */
        public Builder setHead(MetricHead head) {
            this.head = head;
            return this;
        }

        /** Chooses the optimizer by name (default Adam). */
        public Builder optOptimizer(OptimizerType type) {
            this.optimizerType = type;
            return this;
        }

        /** Uses a fully configured DJL optimizer instead of {@link #optOptimizer(OptimizerType)}. */
        public Builder optOptimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** Sets the learning rate (default 1e-3). */
        public Builder optLearningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** Sets the weight decay (default 0). */
        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Sets the number of epochs (default 5). */
        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Sets the batch size (default 128). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Sets the images per class in a batch for the default sampler (default 16). */
        public Builder optM(int m) {
            this.m = m;
            return this;
        }

        /**
         * Sets how the default sampler chooses classes (default {@link MPerClassSampler.Mode#PER_BATCH};
         * {@link MPerClassSampler.Mode#CLASS_PASSES} is pytorch-metric-learning's default).
         */
        public Builder optSamplerMode(MPerClassSampler.Mode samplerMode) {
            this.samplerMode = samplerMode;
            return this;
        }

        /** Sets the images per epoch for the default sampler (default: the training set's size). */
        public Builder optEpochLength(int epochLength) {
            this.epochLength = epochLength;
            return this;
        }

        /** Sets the seed of initialization and sampling (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the engine's intra-op threads (default 0: leave the engine's setting). */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Replaces the default listeners (progress bar and epoch log). */
        public Builder optListeners(TrainingListener... listeners) {
            this.listeners = new ArrayList<>(Arrays.asList(listeners));
            return this;
        }

        /** Validates and builds the trainer. */
        public MetricTrainer build() {
            if (head == null) {
                throw new IllegalArgumentException("MetricTrainer needs a head: call setHead(...).");
            }
            if (optimizer == null && optimizerType == null) {
                throw new IllegalArgumentException("MetricTrainer's optimizer type must not be null.");
            }
            if (!(learningRate > 0f) || !Float.isFinite(learningRate)) {
                throw new IllegalArgumentException("MetricTrainer's learning rate must be a positive number, got " + learningRate + ".");
            }
            if (!(weightDecay >= 0f)) {
                throw new IllegalArgumentException("MetricTrainer's weight decay must be >= 0, got " + weightDecay + ".");
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("MetricTrainer's epochs must be at least 1, got " + epochs + ".");
            }
            if (batchSize < 2) {
                throw new IllegalArgumentException("MetricTrainer's batch size must be at least 2, got " + batchSize + ".");
            }
            if (samplerMode == null) {
                throw new IllegalArgumentException("MetricTrainer's sampler mode must not be null.");
            }
            if (m < 1 || (samplerMode == MPerClassSampler.Mode.PER_BATCH && batchSize % m != 0)) {
                throw new IllegalArgumentException("MetricTrainer's batch size " + batchSize + " must be a multiple of m = " + m + ".");
            }
            if (threads < 0) {
                throw new IllegalArgumentException("MetricTrainer's threads must be >= 0, got " + threads + ".");
            }
            return new MetricTrainer(this);
        }
    }
}
