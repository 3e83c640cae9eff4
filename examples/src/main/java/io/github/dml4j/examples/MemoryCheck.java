package io.github.dml4j.examples;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.FashionMnist;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.TripletMarginMiner;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Checks that a long training run's resident memory stays flat: trains the benchmark's triplet
 * setup for a number of steps and prints the resident set size every {@code --every} steps,
 * then the growth between the end of the warm-up and the end of the run.
 */
@Command(name = "MemoryCheck", mixinStandardHelpOptions = true,
        description = "Trains for many steps and reports resident memory over time.")
public final class MemoryCheck implements Callable<Integer> {

    @Option(names = "--steps", defaultValue = "2000", description = "Training steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--every", defaultValue = "100", description = "Report every N steps (default ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--warmup", defaultValue = "200", description = "Steps before the baseline is taken (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--data", description = "Full Fashion-MNIST directory (default: the shipped sample).")
    java.nio.file.Path data;

    @Override
    public Integer call() throws Exception {
        new OptionChecks(this)
                .atLeast("--steps", steps, 1)
                .between("--every", every, 1, Math.max(1, steps))
                .between("--warmup", warmup, 1, Math.max(1, steps))
                .directory("--data", data)
                .check();
        LabeledImages train = data == null ? SampleData.sample(FashionMnist.Split.TRAIN) : SampleData.full(data, FashionMnist.Split.TRAIN);
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(ConvNet.small(64)).setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
                .optMiner(TripletMarginMiner.builder().optMargin(0.2f).optType(TripletMarginMiner.Type.SEMIHARD).build())
                .build();
        int batchSize = 128;
        int perEpoch = train.size() / batchSize;
        int epochs = (steps + perEpoch - 1) / perEpoch;
        List<double[]> samples = new ArrayList<>();
        TrainingListener probe = new TrainingListenerAdapter() {
            private int step;

            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                step++;
                if (step % every == 0 || step == warmup) {
                    double rss = ProcessMemory.residentMb();
                    samples.add(new double[] {step, rss});
                    System.out.printf(Locale.ROOT, "step %5d  resident %.0f MB%n", step, rss);
                }
            }
        };
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(epochs).optSeed(0).optListeners(probe).build();
        trainer.fit(ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                .optM(16).optBatchSize(batchSize).build());
        double base = samples.stream().filter(s -> s[0] == warmup).findFirst().map(s -> s[1]).orElse(Double.NaN);
        double last = samples.get(samples.size() - 1)[1];
        double max = samples.stream().filter(s -> s[0] >= warmup).mapToDouble(s -> s[1]).max().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "%d steps: resident %.0f MB after %d steps, %.0f MB at the end (max %.0f MB), growth %.1f MB%n",
                epochs * perEpoch, base, warmup, last, max, last - base);
        return 0;
    }

    /** Runs the check; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new MemoryCheck(), args));
    }
}
