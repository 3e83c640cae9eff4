package io.github.dml4j.examples;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.BatchHardMiner;
import io.github.dml4j.miner.Miner;
import io.github.dml4j.miner.TripletMarginMiner;
import io.github.dml4j.miner.Triplets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * How mining and the triplet loss scale with the batch: on one batch of random embeddings
 * (by default 1,024 x 128, 64 classes x 16), times batch-hard mining, semi-hard mining and the
 * triplet margin loss forward and backward on the mined triplets (mining included in those
 * rows), and reports each step's peak resident memory (VmHWM, reset before every step where Linux
 * allows it; resident memory the allocator kept from an earlier step still counts).
 *
 * <p>Miners enumerate (positive pair) x (batch) candidates, so their largest tensor holds
 * {@code B * P} values (P = positive pairs, {@code B (K - 1)} for K images per class), never the
 * {@code B^3} of a (B, B, B) triplet tensor, whose size is printed for comparison.
 * {@link TripletMarginLoss} reads each triplet's distances from the (B, B) distance matrix, as
 * pytorch-metric-learning does, so its memory grows with {@code B^2 + triplets}.
 */
@Command(name = "MiningScale", mixinStandardHelpOptions = true,
        description = "Times batch-hard and semi-hard mining and the triplet loss on a large random batch, with peak memory.")
public final class MiningScale implements Callable<Integer> {

    @Option(names = "--batch", defaultValue = "1024", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--dim", defaultValue = "128", description = "Embedding size (default ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--classes", defaultValue = "64", description = "Classes in the batch, batch/classes images each (default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--margin", defaultValue = "0.2", description = "Margin of the semi-hard miner and the loss (default ${DEFAULT-VALUE}).")
    float margin;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs per step; the median is shown (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random embeddings (default ${DEFAULT-VALUE}).")
    long seed;

    private record Row(String step, long tuples, double millis, double peakMb, String note) {}

    @Override
    public Integer call() {
        new OptionChecks(this)
                .atLeast("--classes", classes, 1)
                .require(classes < 1 || (batch % classes == 0 && batch / classes >= 2), "--batch must be a multiple of"
                        + " --classes (" + classes + ") with at least 2 images per class, got " + batch)
                .atLeast("--dim", dim, 1)
                .atLeast("--repeats", repeats, 1)
                .notNegative("--margin", margin)
                .check();
        int perClass = batch / classes;
        boolean resettable = resetPeak();
        try (NDManager manager = NDManager.newBaseManager()) {
            warmUp(manager);
            NDArray embeddings = randomEmbeddings(manager, batch, dim, seed);
            NDArray labels = manager.arange(batch).div(perClass).toType(DataType.INT64, false);
            long positivePairs = (long) batch * (perClass - 1);
            TripletMarginMiner semihard = TripletMarginMiner.builder().optMargin(margin)
                    .optType(TripletMarginMiner.Type.SEMIHARD).build();
            TripletMarginLoss loss = TripletMarginLoss.builder().optMargin(margin).build();

            List<Row> rows = new ArrayList<>();
            rows.add(step(manager, "batch-hard mining", repeats,
                    m -> BatchHardMiner.builder().build().mine(copy(embeddings, m), copy(labels, m)).size(), ""));
            rows.add(step(manager, "semi-hard mining", repeats, m -> semihard.mine(copy(embeddings, m), copy(labels, m)).size(), ""));
            rows.add(step(manager, "batch-hard + triplet loss fwd+bwd", repeats,
                    m -> lossStep(m, embeddings, labels, BatchHardMiner.builder().build(), loss), ""));
            rows.add(step(manager, "semi-hard + triplet loss fwd+bwd", repeats,
                    m -> lossStep(m, embeddings, labels, semihard, loss), ""));

            System.out.printf(Locale.ROOT, "MiningScale: batch %d = %d classes x %d, dim %d, margin %.2f, %d engine threads%n",
                    batch, classes, perClass, dim, margin, Integer.getInteger("ai.djl.pytorch.num_threads", -1));
            System.out.printf(Locale.ROOT, "%-44s %12s %10s %14s  %s%n", "step", "tuples", "time ms", "peak RSS MB", "note");
            for (Row r : rows) {
                System.out.printf(Locale.ROOT, "%-44s %12d %10s %14s  %s%n", r.step, r.tuples,
                        Double.isNaN(r.millis) ? "-" : String.format(Locale.ROOT, "%.1f", r.millis),
                        Double.isNaN(r.peakMb) ? "-" : String.format(Locale.ROOT, "%.0f", r.peakMb), r.note);
            }
            double cube = Math.pow(batch, 3) * 4 / 1e6;
            double largest = (double) positivePairs * batch * 4 / 1e6;
            double miningPeak = Math.max(rows.get(0).peakMb, rows.get(1).peakMb);
            System.out.printf(Locale.ROOT, "Largest mining tensor: (positive pairs %d) x (batch %d) float32 = %.0f MB; "
                    + "a (B,B,B) float32 tensor would be %.0f MB.%n", positivePairs, batch, largest, cube);
            System.out.printf(Locale.ROOT, "Peak resident memory while mining: %.0f MB (%s).%n", miningPeak,
                    resettable ? "peak reset before each step" : "cumulative: this system cannot reset the peak");
        }
        return 0;
    }

    /**
     * Mines with {@code miner} on a gradient-enabled copy of the embeddings, then runs forward and
     * backward of {@code loss}.
     */
    private static long lossStep(NDManager manager, NDArray embeddings, NDArray labels, Miner<Triplets> miner,
            TripletMarginLoss loss) {
        NDArray e = copy(embeddings, manager);
        e.setRequiresGradient(true);
        labels = copy(labels, manager);
        Triplets t = miner.mine(e, labels);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray value = loss.compute(e, labels, t);
            gc.backward(value);
        }
        e.getGradient().sum().getFloat(); // wait for the backward pass
        return t.size();
    }

    /** A copy of {@code array} in {@code manager}, so that every result derived from it is freed with the manager. */
    private static NDArray copy(NDArray array, NDManager manager) {
        NDArray c = array.duplicate();
        c.attach(manager);
        return c;
    }

    private interface Work {
        long run(NDManager manager);
    }

    private static Row step(NDManager parent, String name, int repeats, Work work, String note) {
        double[] millis = new double[repeats];
        long tuples = 0;
        resetPeak();
        for (int i = 0; i < repeats; i++) {
            try (NDManager m = parent.newSubManager()) {
                long start = System.nanoTime();
                tuples = work.run(m);
                millis[i] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(millis);
        return new Row(name, tuples, millis[repeats / 2], ProcessMemory.peakResidentMb(), note);
    }

    private void warmUp(NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            NDArray e = randomEmbeddings(m, 32, 8, 1);
            NDArray l = m.arange(32).div(4).toType(DataType.INT64, false);
            lossStep(m, e, l, TripletMarginMiner.builder().optType(TripletMarginMiner.Type.SEMIHARD).build(),
                    TripletMarginLoss.builder().build());
        }
    }

    private static NDArray randomEmbeddings(NDManager manager, int batch, int dim, long seed) {
        Random random = new Random(seed);
        float[] values = new float[batch * dim];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(batch, dim));
    }

    /** Resets this process's peak resident size (Linux: "5" to /proc/self/clear_refs); false if not possible. */
    private static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Runs the benchmark; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new MiningScale(), args));
    }
}
