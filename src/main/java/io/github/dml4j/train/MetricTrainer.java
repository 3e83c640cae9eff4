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
import io.github.dml4j.provenance.ModelSelection;
import io.github.dml4j.provenance.ValidationResult;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.provenance.TrainingSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
 * <p>A long run is safe to run: with a checkpoint directory it is checkpointed at every epoch end
 * and every N steps ({@link TrainingCheckpoints}), and {@link Builder#optResume(boolean)} continues
 * it after a crash from its newest intact checkpoint, exactly where it stopped. The learning rate
 * may follow a schedule ({@link LearningRateSchedules}), gradients may be clipped to a global norm,
 * and a {@link Validation} evaluates the network every N epochs, keeps the best epoch's parameters
 * and stops early. While a batch trains, the next ones are announced to the images
 * ({@link io.github.dml4j.data.ImageSource#prefetch}), so that a source read from disk decodes them
 * meanwhile.
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
    private final int checkpointEvery;
    private final int keepCheckpoints;
    private final boolean resume;
    private final Validation validation;
    private final Float gradientClipNorm;
    private final int prefetchBatches;
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
        this.checkpointEvery = b.checkpointEvery;
        this.keepCheckpoints = b.keepCheckpoints;
        this.resume = b.resume;
        this.validation = b.validation;
        this.gradientClipNorm = b.gradientClipNorm;
        this.prefetchBatches = b.prefetchBatches;
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
     * Trains on the batches of {@code source}; with a checkpoint directory and
     * {@link Builder#optResume(boolean) resume} set, continues the run checkpointed there.
     *
     * @return the run's settings and history (for a resumed run, from its first step)
     * @throws IllegalArgumentException before training, if the batches do not fit the network
     *     (input shape, pixel normalization) or the head (a class loss on pairs or triplets), or
     *     cannot teach the loss anything (one class, no class with two images, m = 1)
     * @throws IllegalStateException before training, if the checkpoint directory holds another
     *     run, or a run while resume is off
     * @throws TrainingDivergedException if a loss is NaN or infinite; with a checkpoint directory
     *     set, the last finite state is checkpointed there first
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
        head.checkAttributes(source.attributes());
        BatchChecks.checkCanLearn(head, source);
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
        String fingerprint = source.images().fingerprint();
        TrainingSettings settings = settings(source, groups, optimizer, fingerprint);
        Run run = new Run(optimizer, source, fingerprint);
        if (checkpointDirectory != null) {
            run.restoreOrStart();
        }
        MetricHead.TrainingView view = head.trainingView(source.layout(), devices);
        DefaultTrainingConfig config = new DefaultTrainingConfig(view.loss())
                .optOptimizer(optimizer)
                .optDevices(devices.toArray(new Device[0]))
                .addTrainingListeners(listeners.toArray(new TrainingListener[0]));
        if (run.finished || run.epoch >= epochs) {
            LOGGER.info("The run checkpointed in {} has ended ({} epochs, {} steps): nothing to train", checkpointDirectory,
                    run.epochs.size(), run.step);
        } else {
            LOGGER.info("Training {} for {} epochs of {} batches of {} on {} (seed {}){}", head.describe(), epochs,
                    source.batchesPerEpoch(), source.batchSize(), devices, seed,
                    run.step > 0 ? ", resuming at epoch " + (run.epoch + 1) + " batch " + (run.batchInEpoch + 1) : "");
            try (Model model = Model.newInstance("dml4j-training", devices.get(0))) {
                model.setBlock(view);
                try (Trainer trainer = model.newTrainer(config)) {
                    Metrics metrics = new Metrics();
                    metrics.setLimit(1000);
                    trainer.setMetrics(metrics);
                    List<Parameter> trainable = view.getParameters().values().stream()
                            .filter(p -> p.requiresGradient() && p.isInitialized()).toList();
                    while (run.epoch < epochs && !run.finished) {
                        trainEpoch(trainer, source, run, trainable);
                    }
                }
            }
        }
        if (validation != null && validation.restoreBest() && run.bestNetwork != null) {
            loadNetwork(run.bestNetwork);
            LOGGER.info("Kept the parameters of epoch {} ({} {})", run.best.epoch(), run.best.metric(),
                    String.format(Locale.ROOT, "%.4f", run.best.value()));
        }
        return new TrainingHistory(settings, run.epochs, run.stepLosses, run.validations, run.best);
    }

    private void trainEpoch(Trainer trainer, BatchSource source, Run run, List<Parameter> trainable) {
        int e = run.epoch;
        long segmentStart = System.nanoTime();
        int total = source.batchesPerEpoch();
        Iterator<long[]> it = source.batches(e);
        for (int skip = 0; skip < run.batchInEpoch && it.hasNext(); skip++) {
            it.next();
        }
        Prefetcher ahead = new Prefetcher(source, it, prefetchBatches);
        double attributeLossSum = 0; // a multi-task head's attribute part, for the log only
        int attributeBatches = 0;
        for (int bi = run.batchInEpoch; ahead.hasNext(); bi++) {
            long[] indices = ahead.next();
            long step = run.step + 1;
            float value;
            long images;
            try (NDManager batchManager = trainer.getManager().newSubManager()) {
                TrainingBatch tb = source.load(batchManager, indices, run.step);
                NDList data = tb.data();
                NDList labels = tb.labels();
                NDList predictions;
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    predictions = trainer.forward(data, labels);
                    NDArray loss = predictions.get(0);
                    value = loss.getFloat();
                    if (predictions.size() > 2) {
                        attributeLossSum += predictions.get(2).getFloat();
                        attributeBatches++;
                    }
                    if (!Float.isFinite(value)) {
                        run.epochSeconds += (System.nanoTime() - segmentStart) / 1e9;
                        throw diverged(run, e + 1, bi + 1, step, value);
                    }
                    // DJL refuses a first step whose gradients are all zero
                    if (value != 0f || run.stepped) {
                        collector.backward(loss);
                    }
                }
                if (value != 0f || run.stepped) {
                    if (gradientClipNorm != null) {
                        clipGradients(trainable, gradientClipNorm);
                    }
                    trainer.step();
                    run.stepped = true;
                }
                images = tb.images();
                Batch batch = new Batch(batchManager, data, labels, indices.length,
                        Batchifier.STACK, Batchifier.STACK, bi + 1L, total);
                TrainingListener.BatchData batchData = new TrainingListener.BatchData(
                        batch, Map.of(devices.get(0), labels), Map.of(devices.get(0), predictions));
                trainer.notifyListeners(l -> l.onTrainingBatch(trainer, batchData));
            }
            run.step = step;
            run.batchInEpoch = bi + 1;
            run.stepLosses.add(value);
            run.epochLossSum += value;
            run.epochBatches++;
            run.epochImages += images;
            if (checkpointDirectory != null && checkpointEvery > 0 && step % checkpointEvery == 0 && bi + 1 < total) {
                long now = System.nanoTime();
                run.epochSeconds += (now - segmentStart) / 1e9;
                run.checkpoint();
                segmentStart = System.nanoTime();
            }
        }
        trainer.notifyListeners(l -> l.onEpoch(trainer));
        run.epochSeconds += (System.nanoTime() - segmentStart) / 1e9;
        EpochResult r = new EpochResult(e + 1, run.epochBatches == 0 ? Double.NaN : run.epochLossSum / run.epochBatches,
                run.epochBatches, run.epochImages, run.epochSeconds);
        run.epochs.add(r);
        LOGGER.info("Epoch {}/{}: mean loss {}{}, {} images/s", r.epoch(), epochs,
                String.format(Locale.ROOT, "%.5f", r.meanLoss()),
                attributeBatches == 0 ? "" : String.format(Locale.ROOT, " (attributes %.5f)",
                        attributeLossSum / attributeBatches),
                String.format(Locale.ROOT, "%.0f", r.imagesPerSecond()));
        run.epoch = e + 1;
        run.batchInEpoch = 0;
        run.epochLossSum = 0;
        run.epochBatches = 0;
        run.epochImages = 0;
        run.epochSeconds = 0;
        if (validation != null && validation.isDue(e + 1, epochs)) {
            run.validate();
        }
        if (run.epoch >= epochs) {
            run.finished = true;
        }
        if (checkpointDirectory != null) {
            run.checkpoint();
        }
    }

    /**
     * Scales every gradient by {@code min(1, maxNorm / (norm + 1e-6))}, norm the global L2 norm
     * of all gradients, as {@code torch.nn.utils.clip_grad_norm_} does; on the engine, without a
     * copy to the JVM.
     */
    private static void clipGradients(List<Parameter> trainable, float maxNorm) {
        List<NDArray> grads = new ArrayList<>(trainable.size());
        try {
            for (Parameter p : trainable) {
                grads.add(p.getArray().getGradient());
            }
            try (NDManager scratch = grads.get(0).getManager().newSubManager()) {
                NDArray squares = null;
                for (NDArray g : grads) {
                    NDArray s = g.square().sum();
                    s.attach(scratch);
                    squares = squares == null ? s : squares.add(s);
                    squares.attach(scratch);
                }
                NDArray coefficient = scratch.create(maxNorm).div(squares.sqrt().add(1e-6f)).minimum(1f);
                coefficient.attach(scratch);
                for (NDArray g : grads) {
                    g.muli(coefficient);
                }
            }
        } finally {
            grads.forEach(NDArray::close);
        }
    }

    private Optimizer newOptimizer(GroupedLearningRate rates) {
        return optimizerFactory != null ? optimizerFactory.create(rates) : optimizerType.create(rates, weightDecay);
    }

    private TrainingSettings settings(BatchSource source, List<ParameterGroup> groups, Optimizer optimizer,
            String fingerprint) {
        float base = learningRate.getNewValue(0);
        Map<String, Double> rates = new LinkedHashMap<>();
        for (ParameterGroup g : groups) {
            rates.put(g.name(), new java.math.BigDecimal(Float.toString(base))
                    .multiply(new java.math.BigDecimal(Float.toString(g.learningRateMultiplier()))).doubleValue());
        }
        String optimizerName = optimizerFactory != null ? optimizer.getClass().getSimpleName() : optimizerType.name();
        String schedule = isFixed(learningRate) ? null : learningRate.toString();
        return new TrainingSettings(head.describe(), head.getLoss().getName(),
                head.getMiner() == null ? null : head.getMiner().toString(), optimizerName, decimal(base), rates,
                optimizerFactory != null ? null : decimal(weightDecay), epochs, seed, source.sampling(),
                source.layout().name(), devices.stream().map(Device::toString).toList(),
                fingerprint, source.images().size(), source.images().numClasses(), schedule,
                gradientClipNorm == null ? null : decimal(gradientClipNorm));
    }

    private static boolean isFixed(Tracker tracker) {
        return tracker.getNewValue(0) == tracker.getNewValue(1) && tracker.getNewValue(1) == tracker.getNewValue(1_000_000);
    }

    /** A float as the decimal it was written as (1e-3, not 0.0010000000474974513), for the model card. */
    private static double decimal(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    private TrainingDivergedException diverged(Run run, int epoch, int batch, long step, float value) {
        Path saved = null;
        if (checkpointDirectory != null) {
            try {
                if (Checkpoints.allFinite(head)) {
                    saved = run.checkpoint().resolve(TrainingCheckpoints.HEAD_PARAMETERS);
                } else {
                    saved = TrainingCheckpoints.latest(checkpointDirectory)
                            .map(c -> c.resolve(TrainingCheckpoints.HEAD_PARAMETERS)).orElse(null);
                }
            } catch (RuntimeException io) {
                LOGGER.error("Could not save the last good state to {}", checkpointDirectory, io);
            }
        }
        return new TrainingDivergedException(epoch, batch, step, value, saved);
    }

    private byte[] networkBytes() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            head.getEmbeddingNet().saveParameters(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private void loadNetwork(byte[] parameters) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(parameters))) {
            head.getEmbeddingNet().loadParameters(parametersManager(), in);
        } catch (IOException | ai.djl.MalformedModelException e) {
            throw new IllegalStateException("Could not restore the best network's parameters: " + e.getMessage(), e);
        }
    }

    /** The mutable state of one {@link #fit}: what a checkpoint saves and a resume restores. */
    private final class Run {
        private final Optimizer optimizer;
        private final BatchSource source;
        private final String fingerprint;
        long step;
        int epoch;
        int batchInEpoch;
        boolean stepped;
        double epochLossSum;
        int epochBatches;
        long epochImages;
        double epochSeconds;
        final List<Float> stepLosses = new ArrayList<>();
        final List<EpochResult> epochs = new ArrayList<>();
        final List<ValidationResult> validations = new ArrayList<>();
        ModelSelection best;
        byte[] bestNetwork;
        int evaluationsWithoutImprovement;
        boolean finished;

        Run(Optimizer optimizer, BatchSource source, String fingerprint) {
            this.optimizer = optimizer;
            this.source = source;
            this.fingerprint = fingerprint;
        }

        void restoreOrStart() {
            Optional<Path> latest = TrainingCheckpoints.latest(checkpointDirectory);
            if (latest.isEmpty()) {
                List<Path> broken = TrainingCheckpoints.checkpoints(checkpointDirectory);
                if (!broken.isEmpty()) {
                    throw new IllegalStateException("The checkpoint directory " + checkpointDirectory + " holds no intact"
                            + " checkpoint: " + TrainingCheckpoints.verify(broken.get(0)) + ". Move it away to start anew.");
                }
                if (resume) {
                    LOGGER.info("No checkpoint in {}: starting the run from the beginning", checkpointDirectory);
                }
                return;
            }
            Path checkpoint = latest.get();
            if (!resume) {
                throw new IllegalStateException("The checkpoint directory " + checkpointDirectory + " holds a run (its newest"
                        + " checkpoint is " + checkpoint.getFileName() + "): resume it with optResume(true), or give"
                        + " another directory, so that its checkpoints are not overwritten.");
            }
            try {
                TrainingState state = TrainingCheckpoints.readState(checkpoint);
                checkSameRun(checkpoint, state);
                Checkpoints.load(head, parametersManager(), checkpoint.resolve(TrainingCheckpoints.HEAD_PARAMETERS));
                Path optimizerFile = checkpoint.resolve(TrainingCheckpoints.OPTIMIZER_STATE);
                if (optimizer instanceof ResumableOptimizer resumable && Files.isRegularFile(optimizerFile)) {
                    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(optimizerFile)))) {
                        resumable.readState(parametersManager(), devices.get(0), in, parameterIds());
                    }
                } else {
                    LOGGER.warn("The optimizer {} keeps no state in checkpoints: the resumed run starts it afresh and is not"
                            + " exactly the uninterrupted one", optimizer.getClass().getSimpleName());
                }
                Path bestFile = checkpoint.resolve(TrainingCheckpoints.BEST_NETWORK);
                bestNetwork = Files.isRegularFile(bestFile) ? Files.readAllBytes(bestFile) : null;
                step = state.step();
                epoch = state.epoch();
                batchInEpoch = state.batchInEpoch();
                stepped = state.stepped();
                epochLossSum = state.epochLossSum();
                epochBatches = state.epochBatches();
                epochImages = state.epochImages();
                epochSeconds = state.epochSeconds();
                stepLosses.addAll(state.stepLosses());
                epochs.addAll(state.epochs());
                validations.addAll(state.validations());
                best = state.best();
                evaluationsWithoutImprovement = state.evaluationsWithoutImprovement();
                finished = state.finished() && best != null && best.stoppedEarly();
                LOGGER.info("Resuming from {}: {} steps done, epoch {} batch {}", checkpoint, step, epoch + 1,
                        batchInEpoch + 1);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("Could not resume from the checkpoint " + checkpoint + ": "
                        + e.getMessage(), e);
            }
        }

        private void checkSameRun(Path checkpoint, TrainingState state) {
            List<String> differences = new ArrayList<>();
            if (!head.describe().equals(state.head())) {
                differences.add("head " + state.head() + " vs " + head.describe());
            }
            if (!optimizer.getClass().getName().equals(state.optimizer())) {
                differences.add("optimizer " + state.optimizer() + " vs " + optimizer.getClass().getName());
            }
            if (!fingerprint.equals(state.dataFingerprint())) {
                differences.add("training data fingerprint " + state.dataFingerprint() + " vs " + fingerprint);
            }
            if (!source.sampling().equals(state.sampling())) {
                differences.add("batches " + state.sampling() + " vs " + source.sampling());
            }
            if (!differences.isEmpty()) {
                throw new IllegalStateException("The checkpoint " + checkpoint + " is of another run than this trainer's: "
                        + String.join("; ", differences) + ".");
            }
        }

        void validate() {
            Map<String, Double> metrics = validation.evaluate(head.getEmbeddingNet());
            ValidationResult result = new ValidationResult(epoch, step, metrics);
            validations.add(result);
            double value = metrics.get(validation.metric());
            boolean improved = best == null || value > best.value() + validation.minDelta();
            if (improved) {
                best = new ModelSelection(validation.metric(), value, epoch, step,
                        validation.images() == null ? 0 : validation.images().size(), validationFingerprint(), false);
                bestNetwork = networkBytes();
                evaluationsWithoutImprovement = 0;
            } else {
                evaluationsWithoutImprovement++;
            }
            LOGGER.info("Validation after epoch {}: {} {} (best {} at epoch {})", epoch, validation.metric(),
                    String.format(Locale.ROOT, "%.4f", value), String.format(Locale.ROOT, "%.4f", best.value()),
                    best.epoch());
            if (validation.patience() > 0 && evaluationsWithoutImprovement >= validation.patience()
                    && epoch < MetricTrainer.this.epochs) {
                LOGGER.info("Stopping early after epoch {}: no improvement of {} in {} evaluations", epoch,
                        validation.metric(), evaluationsWithoutImprovement);
                best = best.withStoppedEarly();
                finished = true;
            }
        }

        private String validationFingerprint;

        private String validationFingerprint() {
            if (validationFingerprint == null && validation.images() != null) {
                validationFingerprint = validation.images().fingerprint();
            }
            return validationFingerprint;
        }

        Path checkpoint() {
            TrainingState state = new TrainingState(TrainingState.FORMAT, step, epoch, batchInEpoch, stepped, epochLossSum,
                    epochBatches, epochImages, epochSeconds, stepLosses, epochs, validations, best,
                    evaluationsWithoutImprovement, finished, head.describe(), optimizer.getClass().getName(), fingerprint,
                    source.sampling());
            Map<String, TrainingCheckpoints.FileWriter> files = new LinkedHashMap<>();
            files.put(TrainingCheckpoints.HEAD_PARAMETERS, head::saveParameters);
            if (optimizer instanceof ResumableOptimizer resumable) {
                files.put(TrainingCheckpoints.OPTIMIZER_STATE, out -> resumable.writeState(out, parameterNames()));
            }
            byte[] bestBytes = bestNetwork;
            if (bestBytes != null) {
                files.put(TrainingCheckpoints.BEST_NETWORK, out -> out.write(bestBytes));
            }
            Path written = TrainingCheckpoints.write(checkpointDirectory, state, files, keepCheckpoints);
            LOGGER.debug("Checkpoint {}", written);
            return written;
        }
    }

    /**
     * The manager the head's parameters live in: this trainer's, or, for a head initialized by
     * another trainer or by hand, the one its parameters were made in.
     */
    private NDManager parametersManager() {
        if (parameterManager != null) {
            return parameterManager;
        }
        return head.getParameters().values().stream().filter(Parameter::isInitialized).findFirst()
                .map(p -> p.getArray().getManager())
                .orElseThrow(() -> new IllegalStateException("The head has no initialized parameter."));
    }

    /** The path of every parameter of the head by its id: ids are random per JVM, paths are not. */
    private Map<String, String> parameterNames() {
        Map<String, String> names = new HashMap<>();
        for (ai.djl.util.Pair<String, Parameter> p : head.getParameters()) {
            names.put(p.getValue().getId(), p.getKey());
        }
        return names;
    }

    private Map<String, String> parameterIds() {
        Map<String, String> ids = new HashMap<>();
        parameterNames().forEach((id, name) -> ids.put(name, id));
        return ids;
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
        private int checkpointEvery;
        private int keepCheckpoints = 3;
        private boolean resume;
        private Validation validation;
        private Float gradientClipNorm;
        private int prefetchBatches = 2;

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
         * Checkpoints the run in {@code dir}: at the end of every epoch, every
         * {@link #optCheckpointEvery} steps, and (the last finite state) when training diverges.
         * A checkpoint holds everything a resumed run needs to continue exactly (see
         * {@link TrainingCheckpoints}). A directory that already holds a run is refused unless
         * {@link #optResume(boolean)} is set, so that no run is overwritten.
         *
         * @param dir the run's checkpoint directory, created if missing
         * @return this builder
         */
        public Builder optCheckpointDirectory(Path dir) {
            this.checkpointDirectory = dir;
            return this;
        }

        /**
         * Also checkpoints every {@code steps} optimizer steps within an epoch (default 0: at
         * epoch ends only). Needs a checkpoint directory.
         *
         * @param steps steps between checkpoints, 0 for none within epochs
         * @return this builder
         */
        public Builder optCheckpointEvery(int steps) {
            this.checkpointEvery = steps;
            return this;
        }

        /**
         * Keeps the newest {@code keep} checkpoints, removing older ones (default 3).
         *
         * @param keep at least 1
         * @return this builder
         */
        public Builder optKeepCheckpoints(int keep) {
            this.keepCheckpoints = keep;
            return this;
        }

        /**
         * Continues the run checkpointed in the checkpoint directory, from its newest intact
         * checkpoint (default false). With one engine thread the resumed run is bit for bit the
         * uninterrupted one: weights, optimizer state, losses. The head, optimizer, training data
         * and batch settings must be the run's; the number of epochs may grow. An empty directory
         * starts the run.
         *
         * @param resume true to resume
         * @return this builder
         */
        public Builder optResume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /**
         * Evaluates on validation images during training, keeps the best parameters by its
         * metric and stops early when it stops improving (default none); see {@link Validation}.
         *
         * @param validation the validation
         * @return this builder
         */
        public Builder optValidation(Validation validation) {
            this.validation = validation;
            return this;
        }

        /**
         * Clips gradients to a global L2 norm before each update, as PyTorch's
         * {@code clip_grad_norm_} (default: no clipping).
         *
         * @param maxNorm the largest global norm, positive
         * @return this builder
         */
        public Builder optGradientClipping(float maxNorm) {
            this.gradientClipNorm = maxNorm;
            return this;
        }

        /**
         * Asks the images to prepare the next {@code batches} batches while the engine computes
         * the current one (default 2); a streaming source decodes them on its own threads, an
         * in-memory one ignores it.
         *
         * @param batches batches ahead, 0 for none
         * @return this builder
         */
        public Builder optPrefetch(int batches) {
            this.prefetchBatches = batches;
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
            if (checkpointEvery < 0) {
                throw new IllegalArgumentException("MetricTrainer's checkpoint interval must be 0 (epoch ends only) or a"
                        + " number of steps, got " + checkpointEvery + ".");
            }
            if (checkpointEvery > 0 && checkpointDirectory == null) {
                throw new IllegalArgumentException("MetricTrainer checkpoints every " + checkpointEvery
                        + " steps but has no checkpoint directory: call optCheckpointDirectory(dir).");
            }
            if (resume && checkpointDirectory == null) {
                throw new IllegalArgumentException("MetricTrainer resumes from a checkpoint directory: call"
                        + " optCheckpointDirectory(dir).");
            }
            if (keepCheckpoints < 1) {
                throw new IllegalArgumentException("MetricTrainer keeps at least 1 checkpoint, got " + keepCheckpoints + ".");
            }
            if (gradientClipNorm != null && (!(gradientClipNorm > 0f) || !Float.isFinite(gradientClipNorm))) {
                throw new IllegalArgumentException("MetricTrainer's gradient clipping norm must be a positive number, got "
                        + gradientClipNorm + ".");
            }
            if (prefetchBatches < 0) {
                throw new IllegalArgumentException("MetricTrainer's prefetch must be 0 or more batches, got "
                        + prefetchBatches + ".");
            }
            return new MetricTrainer(this);
        }
    }
}
