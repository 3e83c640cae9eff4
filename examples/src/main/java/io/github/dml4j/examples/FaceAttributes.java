package io.github.dml4j.examples;

import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import io.github.dml4j.attributes.AttributeClassifier;
import io.github.dml4j.attributes.AttributeProbe;
import io.github.dml4j.attributes.AttributeProbes;
import io.github.dml4j.attributes.AttributeReport;
import io.github.dml4j.attributes.AttributeScores;
import io.github.dml4j.attributes.ClassWeighting;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.IdentityFolder;
import io.github.dml4j.data.IdentityImages;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.SyntheticIdentities;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Face attributes read off identity embeddings: trains an identity model on some identities (or
 * loads one), embeds the images of identities it never saw, and fits a probe per attribute
 * (logistic regression for binary attributes, softmax regression for categorical ones, or a small
 * MLP) with cross-validation folds split by identity; prints a per-attribute table, writes a bar
 * chart of balanced accuracy per attribute, and saves the probes beside the model. Without
 * {@code --data} it runs on generated faces and their attributes.
 */
@Command(name = "FaceAttributes", mixinStandardHelpOptions = true,
        description = "Fits attribute probes on the embeddings of an identity model and reports per-attribute metrics.")
public final class FaceAttributes implements Callable<Integer> {

    @Option(names = "--data", description = "Identity folder (one sub-folder of images per identity); without it "
            + "synthetic faces and their attributes are generated.")
    Path data;

    @Option(names = "--attributes", description = "Attribute table for --data: CelebA's list_attr_celeba.txt, "
            + "LFW-attributes' lfw_attributes.txt or a CSV 'file,attr1,...' (default: the CSV beside --data, "
            + "DIR-attributes.csv, as GenerateFaces writes it).")
    Path attributes;

    @Option(names = "--model", description = "An exported identity model to probe instead of training one; every "
            + "identity of the data is then probed (they should be identities the model was not trained on).")
    Path model;

    @Option(names = "--identities", defaultValue = "240", description = "Synthetic identities (default ${DEFAULT-VALUE}).")
    int identities;

    @Option(names = "--images-per-identity", defaultValue = "20",
            description = "Synthetic images per identity (default ${DEFAULT-VALUE}).")
    int imagesPerIdentity;

    @Option(names = "--size", defaultValue = "48", description = "Input height and width in pixels when training "
            + "(default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rgb", description = "Train on RGB instead of grayscale.")
    boolean rgb;

    @Option(names = "--probe-share", defaultValue = "0.4", description = "Share of the identities held out of the "
            + "identity model's training, on which the probes are cross-validated (default ${DEFAULT-VALUE}).")
    double probeShare;

    @Option(names = "--head", defaultValue = "triplet", description = "The identity loss, with the benchmark protocol's "
            + "settings: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ProtocolHeads head;

    @Option(names = "--epochs", defaultValue = "20", description = "Epochs of the identity model (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--m", defaultValue = "4", description = "Images per identity in a batch (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per batch, a multiple of --m "
            + "(default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--folds", defaultValue = "5", description = "Cross-validation folds, split by identity "
            + "(default ${DEFAULT-VALUE}).")
    int folds;

    @Option(names = "--hidden", defaultValue = "0", description = "Hidden units of an MLP probe; 0 for logistic / "
            + "softmax regression (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--c", defaultValue = "1.0", description = "Inverse L2 strength of the probes, scikit-learn's C "
            + "(default ${DEFAULT-VALUE}).")
    double c;

    @Option(names = "--class-weights", defaultValue = "BALANCED", description = "Class weighting of the probes: "
            + "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ClassWeighting classWeighting;

    @Option(names = "--out", defaultValue = "target/attribute-model", description = "Where the trained model and its "
            + "probes (attributes.json) are saved (default ${DEFAULT-VALUE}); with --model, the probes are saved there.")
    Path out;

    @Option(names = "--plots", defaultValue = "target/attribute-plots",
            description = "Where the bar chart is written (default ${DEFAULT-VALUE}).")
    Path plots;

    @Option(names = "--embeddings-out", description = "Also write the probed embeddings with identities and labels "
            + "as CSV (identity,attribute...,e0,e1,...), e.g. for scikit-learn.")
    Path embeddingsOut;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        checkOptions();
        ImagePreprocessing preprocessing;
        EmbeddingModel loaded = model == null ? null : EmbeddingModel.load(model);
        try {
            preprocessing = loaded != null ? loaded.card().input().preprocessing()
                    : ImagePreprocessing.builder().setSize(size, size)
                            .optColor(rgb ? ColorMode.RGB : ColorMode.GRAYSCALE).build();

            // 1. images and their attribute labels
            IdentityImages all;
            AttributeLabels labels;
            if (data == null) {
                SyntheticIdentities.Result faces = SyntheticIdentities.builder().setIdentities(identities)
                        .optImagesPerIdentity(imagesPerIdentity).optImageSize(preprocessing.height())
                        .optChannels(preprocessing.channels()).optSeed(seed).build().generate();
                all = faces.identityImages();
                labels = faces.attributeLabels();
            } else {
                all = IdentityFolder.builder().setRoot(data).setPreprocessing(preprocessing).build().load();
                Path table = attributes != null ? attributes : SyntheticIdentities.attributesFile(data);
                if (!Files.isRegularFile(table)) {
                    throw OptionChecks.error(this, "No attribute table: " + table + " is not a file; give --attributes.");
                }
                labels = AttributeTable.read(table).align(all);
                report(labels);
            }
            System.out.printf(Locale.ROOT, "%s: %,d images of %,d identities, attributes %s%n",
                    data == null ? "Synthetic faces" : data, all.size(), all.numIdentities(),
                    labels.attributes().stream().map(a -> a.name() + (a.kind() == AttributeTable.Kind.CATEGORICAL
                            ? a.categories().toString() : "")).toList());

            // 2. the identity model: loaded, or trained on identities the probes never see
            IdentityImages probed;
            AttributeLabels probedLabels;
            EmbeddingModel identityModel;
            Map<String, Object> summary = new LinkedHashMap<>();
            if (loaded != null) {
                probed = all;
                probedLabels = labels;
                identityModel = loaded;
                System.out.println("Probing " + model + " on all " + all.numIdentities() + " identities");
            } else {
                int[][] parts = splitIdentities(all.numIdentities());
                IdentityImages train = all.selectIdentities(parts[0]);
                probed = all.selectIdentities(parts[1]);
                probedLabels = labels.select(imagesOf(all, parts[1]));
                if (batchSize / m > parts[0].length) {
                    throw OptionChecks.error(this, "--batch-size " + batchSize + " needs " + batchSize / m
                            + " training identities, but " + parts[0].length + " train: lower --batch-size or raise"
                            + " --identities.");
                }
                System.out.printf(Locale.ROOT, "Identity model trained on %d identities; probes on %d others%n",
                        parts[0].length, parts[1].length);
                identityModel = train(train, preprocessing, summary);
            }

            // 3. embeddings of the probed identities, probes cross-validated by identity
            float[][] rows;
            try (NDManager manager = NDManager.newBaseManager()) {
                rows = Retrieval.rows(identityModel.embed(manager, probed.images()));
            }
            int[] identityOf = probed.images().labels();
            if (embeddingsOut != null) {
                writeEmbeddings(embeddingsOut, rows, probed, identityOf, probedLabels);
                System.out.println("Embeddings written to " + embeddingsOut);
            }
            AttributeProbe probe = AttributeProbe.builder().optC(c).optHiddenUnits(hidden)
                    .optClassWeighting(classWeighting).optSeed(seed).build();
            AttributeProbes probes = AttributeProbes.builder().optProbe(probe).optFolds(folds).optSeed(seed).build();
            System.out.println("Cross-validating " + probes + " on " + rows.length + " images of "
                    + probed.numIdentities() + " identities");
            AttributeReport report = probes.crossValidate(rows, identityOf, probedLabels);
            System.out.println(report.toTable());
            report.skipped().forEach((name, why) -> System.out.println("Skipped " + name + ": " + why));

            // 4. the bar chart, and the probes fitted on every probed image, saved beside the model
            Path chart = plots.resolve("attributes-balanced-accuracy.png");
            writeChart(report, chart);
            System.out.println("Chart: " + chart);
            AttributeClassifier classifier = probes.fit(rows, probedLabels);
            if (loaded == null) {
                identityModel.save(out);
            }
            Path saved = (loaded == null ? out : model).resolve(AttributeClassifier.FILE_NAME);
            classifier.save(saved);
            System.out.println("Probes saved to " + saved.toAbsolutePath());

            summary.put("probe", hidden == 0 ? "linear" : "mlp" + hidden);
            summary.put("probed_identities", probed.numIdentities());
            report.toMap().forEach((k, v) -> summary.put(k, v instanceof Double d ? round(d) : v));
            summary.put("wall_s", Math.round((System.nanoTime() - start) / 1e9));
            System.out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(summary));
            if (loaded == null) {
                identityModel.close();
            }
        } finally {
            if (loaded != null) {
                loaded.close();
            }
        }
        return 0;
    }

    /** Trains the identity model on {@code train} as FaceVerification does, with its augmentation. */
    private EmbeddingModel train(IdentityImages train, ImagePreprocessing preprocessing, Map<String, Object> summary)
            throws Exception {
        PixelNormalization normalization = PixelNormalization.estimate(train.images());
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(new ConvNet(new int[] {16, 32, 64, 128}, 64))
                .setInputShape(preprocessing.channels(), preprocessing.height(), preprocessing.width())
                .optNormalize(true)
                .optPixelNormalization(normalization)
                .build();
        MetricHead metricHead = head.build(net, train.numIdentities(), CenterLoss.CenterUpdate.WEN);
        MetricTrainer trainer = MetricTrainer.builder().setHead(metricHead).optEpochs(epochs)
                .optLearningRate(learningRate).optSeed(seed).build();
        int size = preprocessing.height();
        ImageAugmentation augmentation = ImageAugmentation.builder()
                .optRandomCrop(Math.max(1, size / 16))
                .optHorizontalFlip(0.5)
                .optRotation(8)
                .optBrightness(0.85, 1.15)
                .optContrast(0.85, 1.15)
                .optSeed(seed)
                .build();
        ClassBatches batches = ClassBatches.builder().setImages(train.images()).setNormalization(normalization)
                .optM(m).optBatchSize(batchSize).optSeed(seed).optAugmentation(augmentation).build();
        System.out.printf(Locale.ROOT, "Training %s on %,d images for %d epochs%n", metricHead.describe(),
                train.size(), epochs);
        trainer.initialize();
        TrainingHistory history = trainer.fit(batches);
        System.out.printf(Locale.ROOT, "Loss per epoch: %s (%.0f images/s)%n", Retrieval.losses(history),
                history.trainImagesPerSecond());
        summary.put("head", head.name());
        summary.put("train_identities", train.numIdentities());
        return EmbeddingModel.of(net, ModelCard.describe(net).withPreprocessing(preprocessing));
    }

    /** Identities shuffled by the seed: {training labels, probed labels}, each sorted. */
    private int[][] splitIdentities(int count) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, count).boxed().toList());
        Collections.shuffle(order, new Random(seed));
        int probedCount = (int) Math.round(count * probeShare);
        if (probedCount < folds || count - probedCount < 2) {
            throw OptionChecks.error(this, count + " identities split by --probe-share " + probeShare + " give "
                    + probedCount + " probed identities for --folds " + folds + " and " + (count - probedCount)
                    + " for training: raise " + (data == null ? "--identities" : "the identities of --data")
                    + " or change --probe-share or --folds.");
        }
        int[] probedIds = order.subList(0, probedCount).stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] trainIds = order.subList(probedCount, count).stream().mapToInt(Integer::intValue).sorted().toArray();
        return new int[][] {trainIds, probedIds};
    }

    /** The image indices of the identities {@code labels} (sorted), in the order selectIdentities keeps them. */
    private static int[] imagesOf(IdentityImages all, int[] labels) {
        boolean[] keep = new boolean[all.numIdentities()];
        for (int l : labels) {
            keep[l] = true;
        }
        int[] imageLabels = all.images().labels();
        return IntStream.range(0, all.size()).filter(i -> keep[imageLabels[i]]).toArray();
    }

    /** Prints the rows and images that did not match, by name. */
    private static void report(AttributeLabels labels) {
        if (!labels.rowsWithoutImage().isEmpty()) {
            System.out.println(labels.rowsWithoutImage().size() + " attribute rows name no loaded image: "
                    + first(labels.rowsWithoutImage()));
        }
        if (!labels.imagesWithoutRow().isEmpty()) {
            System.out.println(labels.imagesWithoutRow().size() + " images have no attribute row (their labels are"
                    + " missing): " + first(labels.imagesWithoutRow()));
        }
    }

    private static String first(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(10, names.size()))) + (names.size() > 10 ? ", ..." : "");
    }

    private static void writeEmbeddings(Path file, float[][] rows, IdentityImages images, int[] identityOf,
                                        AttributeLabels labels) throws Exception {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder("identity");
            for (AttributeTable.Attribute a : labels.attributes()) {
                sb.append(',').append(a.name());
            }
            for (int j = 0; j < rows[0].length; j++) {
                sb.append(",e").append(j);
            }
            w.write(sb.append('\n').toString());
            int[][] columns = new int[labels.attributes().size()][];
            for (int a = 0; a < columns.length; a++) {
                columns[a] = labels.labels(a);
            }
            for (int i = 0; i < rows.length; i++) {
                sb.setLength(0);
                sb.append(images.identity(identityOf[i]));
                for (int[] column : columns) {
                    sb.append(',').append(column[i]);
                }
                for (float v : rows[i]) {
                    sb.append(',').append(String.format(Locale.ROOT, "%.6f", v));
                }
                w.write(sb.append('\n').toString());
            }
        }
    }

    /** A bar chart of balanced accuracy per attribute, binary and categorical in two series. */
    private static void writeChart(AttributeReport report, Path file) throws Exception {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
                .title("Balanced accuracy per attribute (held-out identities)")
                .xAxisTitle("attribute").yAxisTitle("balanced accuracy").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setXAxisLabelRotation(30);
        List<String> names = report.attributes().stream().map(AttributeScores::name).toList();
        List<Double> values = report.attributes().stream().map(AttributeScores::balancedAccuracy).toList();
        chart.addSeries("balanced accuracy", names, values);
        Files.createDirectories(file.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, file.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Every option checked before any image is read. */
    private void checkOptions() {
        OptionChecks checks = new OptionChecks(this)
                .directory("--data", data)
                .file("--attributes", attributes)
                .directory("--model", model)
                .between("--size", size, 16, 1024)
                .atLeast("--epochs", epochs, 1)
                .positive("--lr", learningRate)
                .openFraction("--probe-share", probeShare)
                .atLeast("--folds", folds, 2, "each fold's images are predicted by probes fitted on the others")
                .atLeast("--hidden", hidden, 0)
                .positive("--c", c)
                .require(attributes == null || data != null, "--attributes labels the images of --data; give --data"
                        + " as well");
        if (model == null) {
            checks.classBatch("--batch-size", batchSize, "--m", m);
        }
        if (data == null) {
            checks.atLeast("--identities", identities, 2 * folds, "the probed identities fill the folds")
                    .atLeast("--images-per-identity", imagesPerIdentity, 2, "the identity model needs positive pairs");
        }
        checks.check();
    }

    private static double round(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }

    /** Runs the example; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new FaceAttributes(), args));
    }
}
