package io.github.dml4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ClassSplit;
import io.github.dml4j.data.FashionMnist;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.eval.EmbeddingEvaluator;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.head.CenterLossHead;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.sampler.MPerClassSampler;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.TrainingHistory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The benchmark protocol of DESIGN.md on Fashion-MNIST: trains ConvNet-S with a loss, embeds the
 * evaluation images and prints one JSON line with the protocol's keys (also appended to
 * {@code --out}).
 */
@Command(name = "Benchmark", mixinStandardHelpOptions = true,
        description = "Runs the DML4J benchmark protocol on Fashion-MNIST and prints one JSON line.")
public final class Benchmark implements Callable<Integer> {

    /** Splits of the protocol. */
    enum SplitName { standard, zeroshot }

    @Option(names = "--loss", defaultValue = "triplet", description = "Loss: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ProtocolHeads loss;

    @Option(names = "--split", defaultValue = "standard",
            description = "standard (train 60k, test 10k) or zeroshot (train classes 0-4, test classes 5-9); default ${DEFAULT-VALUE}.")
    SplitName split;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--data", description = "Directory with the four Fashion-MNIST files (default: the cache, then /usr/share/datasets/fashion-mnist).")
    Path data;

    @Option(names = "--out", description = "File the JSON line is appended to.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "Engine threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--m", description = "Images per class in a batch (default 16; 32 for zeroshot).")
    Integer m;

    @Option(names = "--sampler", defaultValue = "PER_BATCH",
            description = "How batches choose classes: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}; CLASS_PASSES is pytorch-metric-learning's default).")
    MPerClassSampler.Mode samplerMode;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--center-update", defaultValue = "WEN",
            description = "How center loss moves its centres: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    CenterLossHead.CenterUpdate centerUpdate;

    @Option(names = "--save", description = "Directory to export the trained embedding model to.")
    Path save;

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        LabeledImages trainFile = SampleData.full(data, FashionMnist.Split.TRAIN);
        LabeledImages testFile = SampleData.full(data, FashionMnist.Split.TEST);
        LabeledImages train = trainFile;
        LabeledImages test = testFile;
        int perClass = m != null ? m : 16;
        if (split == SplitName.zeroshot) {
            ClassSplit s = ClassSplit.zeroShot(trainFile, testFile);
            train = s.train();
            test = s.test();
            perClass = m != null ? m : 32;
        }

        EmbeddingNet net = EmbeddingNet.builder().setBackbone(ConvNet.small(64)).setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST).build();
        MetricHead head = loss.build(net, train.numClasses(), centerUpdate);
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(epochs).optBatchSize(batchSize)
                .optM(perClass).optSamplerMode(samplerMode).optLearningRate(learningRate).optSeed(seed).optThreads(threads).build();
        TrainingHistory history = trainer.fit(train);

        Map<String, Object> result = new LinkedHashMap<>();
        try (EmbeddingModel model = EmbeddingModel.of(net, ModelCard.describe(net));
             NDManager manager = NDManager.newBaseManager()) {
            long embedStart = System.nanoTime();
            NDArray embeddings = model.embed(manager, test);
            double embedSeconds = (System.nanoTime() - embedStart) / 1e9;
            RetrievalReport report = EmbeddingEvaluator.builder().optSeed(seed).build().evaluate(embeddings, test.labels());
            result.put("loss", loss.name());
            result.put("split", split.name());
            result.put("epochs", epochs);
            result.put("precision_at_1", round(report.precisionAt1()));
            result.put("r_precision", round(report.rPrecision()));
            result.put("mean_average_precision_at_r", round(report.meanAveragePrecisionAtR()));
            result.put("NMI", round(report.nmi()));
            result.put("train_img_per_s", Math.round(history.trainImagesPerSecond()));
            result.put("eval_img_per_s", Math.round(test.size() / embedSeconds));
            result.put("wall_s", Math.round((System.nanoTime() - start) / 1e9));
            result.put("peak_rss_mb", Math.round(ProcessMemory.peakResidentMb()));
            if (save != null) {
                model.save(save);
            }
        }
        String json = new GsonBuilder().disableHtmlEscaping().create().toJson(result);
        System.out.println(json);
        if (out != null) {
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            Files.writeString(out, json + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }

    /** Runs the benchmark; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Benchmark()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
