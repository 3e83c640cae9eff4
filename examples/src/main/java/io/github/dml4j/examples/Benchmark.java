package io.github.dml4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import io.github.dml4j.backbone.Backbone;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.ResNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ClassSplit;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.FashionMnist;
import io.github.dml4j.eval.EmbeddingEvaluator;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.sampler.MPerClassSampler;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.TrainingProgress;
import io.github.dml4j.provenance.TrainingHistory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The benchmark protocol of docs/benchmark.md on Fashion-MNIST: trains ConvNet-S (or ResNet-18) with a loss, embeds the
 * evaluation images and prints one JSON line with the protocol's keys (also appended to
 * {@code --out}). With {@code --seeds} it runs once per seed and ends with a line of the median,
 * min and max of each figure, since one zero-shot run says little on its own.
 */
@Command(name = "Benchmark", mixinStandardHelpOptions = true,
        description = "Runs the DML4J benchmark protocol on Fashion-MNIST and prints one JSON line per run (--seeds: then a median line).")
public final class Benchmark implements Callable<Integer> {

    private static final List<String> SUMMARIZED = List.of("precision_at_1", "r_precision",
            "mean_average_precision_at_r", "NMI", "train_img_per_s", "eval_img_per_s");

    /** Splits of the protocol. */
    enum SplitName { standard, zeroshot }

    /** Backbones of the protocol: ConvNet-S, or ResNet-18 with the small-input stem (3x3, no max-pool). */
    enum BackboneName {
        convnet_s("convnet-s"), resnet18("resnet18");

        final String label;

        BackboneName(String label) {
            this.label = label;
        }

        Backbone backbone() {
            return this == convnet_s ? ConvNet.small(64)
                    : ResNet.builder().setDepth(18).setEmbeddingSize(64).optSmallInput(true).build();
        }

        static BackboneName parse(String value) {
            for (BackboneName b : values()) {
                if (b.label.equalsIgnoreCase(value) || b.name().equalsIgnoreCase(value)) {
                    return b;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' names no backbone of the protocol;"
                    + " choose convnet-s or resnet18.");
        }
    }

    /** Data sets of the protocol. */
    enum DatasetName { fashion_mnist, omniglot }

    /** Steps before the throughput of a --steps run is measured. */
    static final int WARM_UP_STEPS = 5;

    @Option(names = "--loss", defaultValue = "triplet", description = "Loss: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ProtocolHeads loss;

    @Option(names = "--split", defaultValue = "standard",
            description = "standard (train 60k, test 10k) or zeroshot (train classes 0-4, test classes 5-9); default ${DEFAULT-VALUE}.")
    SplitName split;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--backbone", defaultValue = "convnet-s", converter = BackboneConverter.class,
            description = "convnet-s (ConvNet-S, the protocol's) or resnet18 (ResNet-18 with the small-input stem); default ${DEFAULT-VALUE}.")
    BackboneName backbone;

    @Option(names = "--steps", description = "Stops after this many training steps instead of --epochs, for speed"
            + " comparisons; train_img_per_s then counts the steps after the first " + WARM_UP_STEPS + ".")
    Integer steps;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", converter = DatasetConverter.class,
            description = "fashion-mnist, or omniglot: train on the background alphabets, evaluate on the evaluation"
                    + " alphabets (--split is then ignored); default ${DEFAULT-VALUE}.")
    DatasetName dataset;

    @Option(names = "--data", description = "Directory with the four Fashion-MNIST files (default: the cache, then"
            + " /usr/share/datasets/fashion-mnist), or with Omniglot's images_background.zip and images_evaluation.zip.")
    Path data;

    @Option(names = "--out", description = "File the JSON line is appended to.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--seeds", split = ",",
            description = "Runs once per seed (e.g. 0,1,2,3,4), then prints the median, min and max of each figure.")
    List<Long> seeds;

    @Option(names = "--threads", defaultValue = "2", description = "Engine threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--m", description = "Images per class in a batch (default 16; 32 for zeroshot; 4 for omniglot).")
    Integer m;

    @Option(names = "--sampler", defaultValue = "PER_BATCH",
            description = "How batches choose classes: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}; CLASS_PASSES is pytorch-metric-learning's default).")
    MPerClassSampler.Mode samplerMode;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--center-update", defaultValue = "WEN",
            description = "How center loss moves its centres: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    CenterLoss.CenterUpdate centerUpdate;

    @Option(names = "--save", description = "Directory to export the trained embedding model to (with --seeds, one subdirectory seed-N per seed).")
    Path save;

    /** Reads --dataset. */
    static final class DatasetConverter implements CommandLine.ITypeConverter<DatasetName> {
        @Override
        public DatasetName convert(String value) {
            for (DatasetName d : DatasetName.values()) {
                if (d.name().equalsIgnoreCase(value.replace('-', '_'))) {
                    return d;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' names no data set of the protocol;"
                    + " choose fashion-mnist or omniglot.");
        }
    }

    /** Reads --backbone. */
    static final class BackboneConverter implements CommandLine.ITypeConverter<BackboneName> {
        @Override
        public BackboneName convert(String value) {
            return BackboneName.parse(value);
        }
    }

    @Override
    public Integer call() throws IOException {
        int perClass = m != null ? m
                : dataset == DatasetName.omniglot ? 4 : split == SplitName.zeroshot ? 32 : 16;
        OptionChecks checks = new OptionChecks(this)
                .atLeast("--epochs", epochs, 1)
                .atLeast("--threads", threads, 1)
                .positive("--lr", learningRate)
                .directory("--data", data)
                .require(dataset != DatasetName.omniglot || data != null, "--dataset omniglot needs --data, the"
                        + " directory with images_background.zip and images_evaluation.zip")
                .require(seeds == null || seeds.stream().distinct().count() == seeds.size(),
                        "--seeds names a seed twice: " + seeds);
        if (steps != null) {
            checks.atLeast("--steps", steps, WARM_UP_STEPS + 1, "the first " + WARM_UP_STEPS + " are not timed");
        }
        if (samplerMode == MPerClassSampler.Mode.PER_BATCH) {
            checks.classBatch("--batch-size", batchSize, "--m", perClass);
        } else {
            checks.atLeast("--m", perClass, 2, "a class needs two images in a batch to make a positive pair")
                    .atLeast("--batch-size", batchSize, 2);
        }
        checks.check();
        EngineThreads.set(threads);
        ImageSource train;
        ImageSource test;
        if (dataset == DatasetName.omniglot) {
            train = OmniglotZip.read(data.resolve("images_background.zip"));
            test = OmniglotZip.read(data.resolve("images_evaluation.zip"));
            System.err.printf("Omniglot: %,d training images of %d characters, %,d evaluation images of %d characters%n",
                    train.size(), train.numClasses(), test.size(), test.numClasses());
        } else {
            LabeledImages trainFile = SampleData.full(data, FashionMnist.Split.TRAIN);
            LabeledImages testFile = SampleData.full(data, FashionMnist.Split.TEST);
            train = trainFile;
            test = testFile;
            if (split == SplitName.zeroshot) {
                ClassSplit s = ClassSplit.zeroShot(trainFile, testFile);
                train = s.train();
                test = s.test();
            }
        }
        if (samplerMode == MPerClassSampler.Mode.PER_BATCH && batchSize / perClass > train.numClasses()) {
            throw OptionChecks.error(this, "--batch-size " + batchSize + " needs " + batchSize / perClass
                    + " classes of --m " + perClass + " images, but the training split has " + train.numClasses()
                    + ": use --batch-size " + train.numClasses() * perClass + " or less, or a larger --m.");
        }
        List<Long> runSeeds = seeds == null || seeds.isEmpty() ? List.of(seed) : seeds;
        List<Map<String, Object>> runs = new ArrayList<>();
        for (long runSeed : runSeeds) {
            Path saveTo = save == null || runSeeds.size() == 1 ? save : save.resolve("seed-" + runSeed);
            Map<String, Object> result = run(train, test, perClass, runSeed, saveTo);
            runs.add(result);
            print(result);
        }
        if (runs.size() > 1) {
            print(summary(runs));
        }
        return 0;
    }

    private Map<String, Object> run(ImageSource train, ImageSource test, int perClass, long runSeed, Path saveTo)
            throws IOException {
        long start = System.nanoTime();
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(backbone.backbone()).setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST).build();
        MetricHead head = loss.build(net, train.numClasses(), centerUpdate);
        ClassBatches.Builder batchesBuilder = ClassBatches.builder().setImages(train)
                .setNormalization(net.getPixelNormalization()).optM(perClass).optBatchSize(batchSize)
                .optSamplerMode(samplerMode).optSeed(runSeed);
        StepTimes stepTimes = new StepTimes();
        MetricTrainer.Builder trainerBuilder = MetricTrainer.builder().setHead(head).optLearningRate(learningRate)
                .optSeed(runSeed);
        if (steps != null) {
            // one epoch of exactly --steps batches
            batchesBuilder.optEpochLength(steps * batchSize);
            trainerBuilder.optEpochs(1).optListeners(new TrainingProgress(), stepTimes);
        } else {
            trainerBuilder.optEpochs(epochs);
        }
        TrainingHistory history = trainerBuilder.build().fit(batchesBuilder.build());
        double trainRate = steps != null ? stepTimes.imagesPerSecondAfter(WARM_UP_STEPS, batchSize)
                : history.trainImagesPerSecond();

        Map<String, Object> result = new LinkedHashMap<>();
        try (EmbeddingModel model = EmbeddingModel.of(net, ModelCard.describe(net));
             NDManager manager = NDManager.newBaseManager()) {
            long embedStart = System.nanoTime();
            NDArray embeddings = model.embed(manager, test);
            double embedSeconds = (System.nanoTime() - embedStart) / 1e9;
            RetrievalReport report = EmbeddingEvaluator.builder().optSeed(runSeed).build().evaluate(embeddings, test.labels());
            result.put("loss", loss.name());
            result.put("split", dataset == DatasetName.omniglot ? "omniglot" : split.name());
            if (backbone != BackboneName.convnet_s) {
                result.put("backbone", backbone.label);
            }
            if (steps != null) {
                result.put("steps", steps);
            } else {
                result.put("epochs", epochs);
            }
            result.put("seed", runSeed);
            result.put("precision_at_1", round(report.precisionAt1()));
            result.put("r_precision", round(report.rPrecision()));
            result.put("mean_average_precision_at_r", round(report.meanAveragePrecisionAtR()));
            result.put("NMI", round(report.nmi()));
            result.put("train_img_per_s", Math.round(trainRate));
            result.put("eval_img_per_s", Math.round(test.size() / embedSeconds));
            result.put("wall_s", Math.round((System.nanoTime() - start) / 1e9));
            result.put("peak_rss_mb", Math.round(ProcessMemory.peakResidentMb()));
            if (saveTo != null) {
                model.save(saveTo);
            }
        }
        return result;
    }

    /** The median, min and max over the runs of each of the protocol's figures. */
    private Map<String, Object> summary(List<Map<String, Object>> runs) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("loss", loss.name());
        summary.put("split", dataset == DatasetName.omniglot ? "omniglot" : split.name());
        if (backbone != BackboneName.convnet_s) {
            summary.put("backbone", backbone.label);
        }
        summary.put("epochs", epochs);
        summary.put("seeds", runs.stream().map(r -> r.get("seed")).toList());
        for (String key : SUMMARIZED) {
            double[] values = runs.stream().mapToDouble(r -> ((Number) r.get(key)).doubleValue()).sorted().toArray();
            int n = values.length;
            double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
            Map<String, Double> stats = new LinkedHashMap<>();
            stats.put("median", round(median));
            stats.put("min", round(values[0]));
            stats.put("max", round(values[n - 1]));
            summary.put(key, stats);
        }
        summary.put("peak_rss_mb", Math.round(ProcessMemory.peakResidentMb()));
        return summary;
    }

    private void print(Map<String, Object> line) throws IOException {
        String json = new GsonBuilder().disableHtmlEscaping().create().toJson(line);
        System.out.println(json);
        if (out != null) {
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            Files.writeString(out, json + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    private static double round(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }

    /** Runs the benchmark; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new Benchmark(), args));
    }
}
