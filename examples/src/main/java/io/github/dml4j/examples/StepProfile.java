package io.github.dml4j.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.GsonBuilder;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.FashionMnist;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.EmbeddingLoss;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.sampler.MPerClassSampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Where a training step's time goes, on the benchmark protocol's network and batches: the same
 * operations as {@code MetricTrainer}'s step (load the batch, embed it, mine, compute the loss,
 * back-propagate, update with Adam), each timed on its own. Prints the median milliseconds of
 * each phase over the steps after a warm-up, and the images per second of the median step.
 * Compare it side by side with {@code examples/reference/pml_step_profile.py}, the same phases
 * in pytorch-metric-learning.
 */
@Command(name = "StepProfile", mixinStandardHelpOptions = true,
        description = "Times the phases of a training step (data, forward, mining, loss, backward, optimizer) on Fashion-MNIST.")
public final class StepProfile implements Callable<Integer> {

    private static final String[] PHASES = {"data", "forward", "mining", "loss", "backward", "optimizer", "total"};

    @Option(names = "--loss", defaultValue = "triplet",
            description = "Loss of the benchmark protocol without parameters: triplet, contrastive or multisim (default ${DEFAULT-VALUE}).")
    ProtocolHeads loss;

    @Option(names = "--steps", defaultValue = "300", description = "Steps timed after the warm-up (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "20", description = "Steps run before timing (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--data", description = "Directory with the Fashion-MNIST files (default: the cache, then /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--threads", defaultValue = "0", description = "Engine threads (default: the engine's setting).")
    int threads;

    @Override
    public Integer call() throws java.io.IOException {
        new OptionChecks(this)
                .require(loss != ProtocolHeads.arcface && loss != ProtocolHeads.center, "--loss " + loss
                        + ": StepProfile times the losses without parameters, triplet, contrastive or multisim")
                .atLeast("--steps", steps, 1)
                .atLeast("--warmup", warmup, 0)
                .atLeast("--threads", threads, 0)
                .directory("--data", data)
                .check();
        EngineThreads.set(threads);
        LabeledImages train = SampleData.full(data, FashionMnist.Split.TRAIN);
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(ConvNet.small(64)).setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST).build();
        MetricHead head = loss.build(net, train.numClasses(), null);
        EmbeddingLoss lossBlock = head.getLoss();
        Engine.getInstance().setRandomSeed(0);
        MPerClassSampler sampler = MPerClassSampler.builder().setLabels(train.labels()).setM(16).setBatchSize(128)
                .optSeed(0).build();
        Device device = Engine.getInstance().defaultDevice();
        DefaultTrainingConfig config = new DefaultTrainingConfig(lossBlock.asDjlLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
                .optDevices(new Device[] {device});
        double[][] times = new double[PHASES.length][steps];
        try (Model model = Model.newInstance("step-profile", device)) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(net.batchInputShape(128));
                Iterator<long[]> batches = sampler.batches(0);
                int epoch = 0;
                for (int s = 0; s < warmup + steps; s++) {
                    if (!batches.hasNext()) {
                        batches = sampler.batches(++epoch);
                    }
                    long[] indices = batches.next();
                    long t0 = System.nanoTime();
                    try (NDManager batch = trainer.getManager().newSubManager()) {
                        NDArray x = train.toNDArray(batch, indices, net.getPixelNormalization());
                        NDArray y = train.labelsNDArray(batch, indices);
                        long t1 = System.nanoTime();
                        long t2;
                        long t3;
                        long t4;
                        long t5;
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDArray embeddings = trainer.forward(new NDList(x)).singletonOrThrow();
                            embeddings.getFloat(0, 0); // wait for the engine
                            t2 = System.nanoTime();
                            MinedTuples tuples = head.getMiner() == null ? null : head.getMiner().mine(embeddings, y);
                            if (tuples != null) {
                                tuples.toPairs().anchorPositive().toLongArray();
                            }
                            t3 = System.nanoTime();
                            NDArray value = lossBlock.compute(embeddings, y, tuples);
                            value.getFloat();
                            t4 = System.nanoTime();
                            collector.backward(value);
                            t5 = System.nanoTime();
                        }
                        trainer.step();
                        long t6 = System.nanoTime();
                        if (s >= warmup) {
                            long[] marks = {t0, t1, t2, t3, t4, t5, t6};
                            for (int k = 0; k < 6; k++) {
                                times[k][s - warmup] = (marks[k + 1] - marks[k]) / 1e6;
                            }
                            times[6][s - warmup] = (t6 - t0) / 1e6;
                        }
                    }
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("loss", loss.name());
        result.put("steps", steps);
        result.put("threads", EngineThreads.get());
        for (int k = 0; k < PHASES.length; k++) {
            result.put(PHASES[k] + "_ms", Math.round(median(times[k]) * 100) / 100.0);
        }
        result.put("img_per_s_median_step", Math.round(128 / (median(times[6]) / 1000)));
        System.out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(result));
        return 0;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Runs the profile; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new StepProfile(), args));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "StepProfile{%s, %d steps}", loss, steps);
    }
}
