package io.github.dml4j.examples;

import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import io.github.dml4j.attributes.AttributeClassifier;
import io.github.dml4j.attributes.AttributeHead;
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
import io.github.dml4j.data.PairGenerator;
import io.github.dml4j.data.PairList;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.SyntheticIdentities;
import io.github.dml4j.eval.PairScores;
import io.github.dml4j.eval.VerificationMetrics;
import io.github.dml4j.eval.VerificationReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.train.AttributeBatches;
import io.github.dml4j.train.BatchSource;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Face attributes read off identity embeddings: trains an identity model on some identities (or
 * loads one), embeds the images of identities it never saw, and fits a probe per attribute
 * (logistic regression for binary attributes, softmax regression for categorical ones, or a small
 * MLP) with cross-validation folds split by identity; prints a per-attribute table, writes a bar
 * chart of balanced accuracy per attribute, and saves the probes beside the model. Without
 * {@code --data} it runs on generated faces and their attributes, drawn so that the images show
 * them ({@code SyntheticIdentities.Builder#optDistinctAttributes}).
 *
 * <p>With {@code --multitask} it also trains a multi-task model (the same identity loss plus an
 * attribute head, {@link AttributeHead}) on the same training identities, seed and steps, and
 * compares the two on the held-out identities: verification 10-fold accuracy of each, and per
 * attribute the balanced accuracy of the probes on the identity model's embeddings against the
 * multi-task model's own attribute layer (and probes on its embeddings). The multi-task model is
 * saved with its attribute layer as {@code attributes.json}.
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

    // many identities of few images, 64 pixels and 60 epochs: an identity model that must tell more
    // faces apart, sees them larger and trains longer encodes more of what makes them differ (the
    // jaw most of all), and the probes learn from more identities
    @Option(names = "--identities", defaultValue = "1000", description = "Synthetic identities (default ${DEFAULT-VALUE}).")
    int identities;

    @Option(names = "--images-per-identity", defaultValue = "10",
            description = "Synthetic images per identity (default ${DEFAULT-VALUE}).")
    int imagesPerIdentity;

    @Option(names = "--size", defaultValue = "64", description = "Input height and width in pixels when training "
            + "(default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--dim", defaultValue = "64", description = "Embedding size of the identity model (default "
            + "${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--rgb", description = "Train on RGB instead of grayscale.")
    boolean rgb;

    @Option(names = "--probe-share", defaultValue = "0.4", description = "Share of the identities held out of the "
            + "identity model's training, on which the probes are cross-validated (default ${DEFAULT-VALUE}).")
    double probeShare;

    @Option(names = "--head", defaultValue = "triplet", description = "The identity loss, with the benchmark protocol's "
            + "settings: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ProtocolHeads head;

    @Option(names = "--epochs", defaultValue = "60", description = "Epochs of the identity model (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Mixin
    ScheduleOptions schedule = new ScheduleOptions();

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

    @Option(names = "--multitask", description = "Also train a multi-task model (identity loss + attribute losses) on"
            + " the same identities and compare it with the identity model on the held-out identities; both then train"
            + " without horizontal flips, which would swap the left and right of head_turn and lighting.")
    boolean multitask;

    @Option(names = "--task-weight", defaultValue = "0.1", description = "With --multitask: the weight of every"
            + " attribute loss against the identity loss (default ${DEFAULT-VALUE}).")
    double taskWeight;

    @Option(names = "--attribute-lr", defaultValue = "10", description = "With --multitask: the attribute layer's"
            + " learning rate as a multiple of --lr (default ${DEFAULT-VALUE}).")
    float attributeLr;

    @Option(names = "--multitask-out", defaultValue = "target/attribute-multitask-model", description = "Where the"
            + " multi-task model and its attribute layer (attributes.json) are saved (default ${DEFAULT-VALUE}).")
    Path multitaskOut;

    /** Verification folds of the comparison, as LFW's protocol (fewer when the held-out identities are few). */
    private static final int VERIFICATION_FOLDS = 10;

    /** Matched and as many mismatched pairs per verification fold at most, as FaceVerification's default. */
    private static final int PAIRS_PER_FOLD = 300;

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
                        .optChannels(preprocessing.channels()).optDistinctAttributes(true).optSeed(seed).build()
                        .generate();
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
            EmbeddingModel multitaskModel = null;
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
                identityModel = train(train, preprocessing, summary, null);
                if (multitask) {
                    // attribute labels of the training identities only; the held-out ones are never seen
                    AttributeLabels trainLabels = labels.select(imagesOf(all, parts[0]));
                    multitaskModel = train(train, preprocessing, summary, trainLabels);
                }
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
            Path modelDir = loaded == null ? out : model;
            try (EmbeddingModel withProbes = identityModel.withAttributes(classifier)) {
                withProbes.save(modelDir); // the card lists the attributes
            }
            System.out.println("Probes saved to " + modelDir.resolve(AttributeClassifier.FILE_NAME).toAbsolutePath());
            if (multitaskModel != null) {
                compare(identityModel, multitaskModel, probed, rows, probedLabels, report, probes, summary);
            }

            summary.put("probe", hidden == 0 ? "linear" : "mlp" + hidden);
            summary.put("probed_identities", probed.numIdentities());
            report.toMap().forEach((k, v) -> summary.put(k, v instanceof Double d ? round(d) : v));
            summary.put("wall_s", Math.round((System.nanoTime() - start) / 1e9));
            System.out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(summary));
            if (loaded == null) {
                identityModel.close();
            }
            if (multitaskModel != null) {
                multitaskModel.close();
            }
        } finally {
            if (loaded != null) {
                loaded.close();
            }
        }
        return 0;
    }

    /**
     * The multi-task model against the identity model on the held-out identities: verification
     * k-fold accuracy of both, and per attribute the balanced accuracy of the probes on the
     * identity model's embeddings, of the multi-task model's attribute layer and of probes on
     * the multi-task embeddings; prints a table, adds the figures to the summary, saves the
     * multi-task model with its attribute layer.
     */
    private void compare(EmbeddingModel identityModel, EmbeddingModel multitaskModel, IdentityImages probed,
                         float[][] identityRows, AttributeLabels probedLabels, AttributeReport probeReport,
                         AttributeProbes probes, Map<String, Object> summary) throws Exception {
        PairList pairs = verificationPairs(probed);
        VerificationReport identityVerification;
        VerificationReport multitaskVerification;
        float[][] multitaskRows;
        try (NDManager manager = NDManager.newBaseManager()) {
            identityVerification = verify(identityModel, manager, probed, pairs);
            multitaskVerification = verify(multitaskModel, manager, probed, pairs);
            multitaskRows = Retrieval.rows(multitaskModel.embed(manager, probed.images()));
        }
        AttributeClassifier head = multitaskModel.attributeClassifier().orElseThrow();
        AttributeReport headReport = head.evaluate(multitaskRows, probedLabels);
        AttributeReport multitaskProbeReport = probes.crossValidate(multitaskRows, probed.images().labels(),
                probedLabels);
        int k = identityVerification.folds();
        System.out.printf(Locale.ROOT, "%nIdentity model vs multi-task model (task weight %s) on %d held-out identities,"
                + " %,d pairs in %d folds:%n", taskWeight, probed.numIdentities(), pairs.size(), k);
        System.out.printf(Locale.ROOT, "  verification %d-fold accuracy: identity %.4f +- %.4f, multi-task %.4f +- %.4f"
                + " (difference %+.4f)%n", k, identityVerification.kFoldMean(), identityVerification.kFoldStd(),
                multitaskVerification.kFoldMean(), multitaskVerification.kFoldStd(),
                multitaskVerification.kFoldMean() - identityVerification.kFoldMean());
        System.out.println("  balanced accuracy per attribute:");
        System.out.printf(Locale.ROOT, "  %-16s %14s %16s %16s%n", "attribute", "probe (identity)", "multi-task head",
                "probe (multi-task)");
        Map<String, Double> probeBa = balancedAccuracies(probeReport);
        Map<String, Double> headBa = balancedAccuracies(headReport);
        Map<String, Double> mtProbeBa = balancedAccuracies(multitaskProbeReport);
        for (String name : headBa.keySet()) {
            System.out.printf(Locale.ROOT, "  %-16s %16s %16.4f %18s%n", name, format(probeBa.get(name)),
                    headBa.get(name), format(mtProbeBa.get(name)));
        }
        summary.put("task_weight", taskWeight);
        summary.put("attribute_lr", attributeLr);
        summary.put("identity_verification_" + k + "fold_accuracy", round(identityVerification.kFoldMean()));
        summary.put("multitask_verification_" + k + "fold_accuracy", round(multitaskVerification.kFoldMean()));
        headBa.forEach((name, ba) -> summary.put("multitask_" + name + "_balanced_accuracy", round(ba)));
        summary.put("multitask_mean_balanced_accuracy", round(headReport.attributes().stream()
                .mapToDouble(AttributeScores::balancedAccuracy).average().orElse(Double.NaN)));
        mtProbeBa.forEach((name, ba) -> summary.put("multitask_probe_" + name + "_balanced_accuracy", round(ba)));
        multitaskModel.save(multitaskOut);
        System.out.println("Multi-task model saved to " + multitaskOut.toAbsolutePath() + " with its attribute layer ("
                + AttributeClassifier.FILE_NAME + ")");
    }

    /** Matched and mismatched pairs of the held-out identities in up to 10 identity-disjoint folds. */
    private PairList verificationPairs(IdentityImages part) {
        int withPairs = (int) IntStream.range(0, part.numIdentities()).filter(l -> part.imageCount(l) >= 2).count();
        int k = Math.min(VERIFICATION_FOLDS, withPairs / 2);
        if (k < 2) {
            throw OptionChecks.error(this, "The " + part.numIdentities() + " held-out identities give fewer than two"
                    + " verification folds: raise --identities or --probe-share.");
        }
        int pairs = (int) Math.max(1, Math.min(PAIRS_PER_FOLD, PairGenerator.pairsEveryFoldCanGive(part.images(), k) / 2));
        return PairGenerator.builder().setPairsPerFold(pairs).optFolds(k).optSeed(seed + 1).build().generate(part);
    }

    /** Verification of the pairs on embeddings averaged with the mirror image's, as FaceVerification. */
    private static VerificationReport verify(EmbeddingModel model, NDManager manager, IdentityImages part,
                                             PairList pairs) {
        float[] scores = PairScores.score(model.embed(manager, part.images(), true), pairs.first(), pairs.second(),
                model.distance());
        return VerificationMetrics.builder().build().evaluate(scores, pairs.same(), pairs.foldIds());
    }

    private static Map<String, Double> balancedAccuracies(AttributeReport report) {
        Map<String, Double> out = new LinkedHashMap<>();
        report.attributes().forEach(a -> out.put(a.name(), a.balancedAccuracy()));
        return out;
    }

    private static String format(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * Trains the identity model on {@code train} as FaceVerification does, with its augmentation;
     * with {@code attributeLabels} (the training images' labels) a multi-task model with an
     * attribute head, its attribute layer returned as the model's attribute classifier.
     */
    private EmbeddingModel train(IdentityImages train, ImagePreprocessing preprocessing, Map<String, Object> summary,
                                 AttributeLabels attributeLabels) throws Exception {
        PixelNormalization normalization = PixelNormalization.estimate(train.images());
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(new ConvNet(new int[] {16, 32, 64, 128}, dim))
                .setInputShape(preprocessing.channels(), preprocessing.height(), preprocessing.width())
                .optNormalize(true)
                .optPixelNormalization(normalization)
                .build();
        MetricHead.Builder headBuilder = head.configure(net, train.numIdentities(), CenterLoss.CenterUpdate.WEN);
        AttributeHead attributeHead = null;
        if (attributeLabels != null) {
            AttributeHead.Builder ab = AttributeHead.builder().setAttributes(attributeLabels.attributes())
                    .optTaskWeights(taskWeight).optLearningRateMultiplier(attributeLr);
            if (classWeighting == ClassWeighting.BALANCED) {
                ab.optClassWeights(attributeLabels);
            }
            attributeHead = ab.build();
            headBuilder.optAttributeHead(attributeHead);
        }
        MetricHead metricHead = headBuilder.build();
        int size = preprocessing.height();
        // a flip swaps the left and right of head_turn and lighting: with --multitask both models
        // train without it, so that the attribute layer is not taught both sides for one image
        ImageAugmentation augmentation = ImageAugmentation.builder()
                .optRandomCrop(Math.max(1, size / 16))
                .optHorizontalFlip(multitask ? 0 : 0.5)
                .optRotation(8)
                .optBrightness(0.85, 1.15)
                .optContrast(0.85, 1.15)
                .optSeed(seed)
                .build();
        BatchSource batches = ClassBatches.builder().setImages(train.images()).setNormalization(normalization)
                .optM(m).optBatchSize(batchSize).optSeed(seed).optAugmentation(augmentation).build();
        if (attributeLabels != null) {
            batches = AttributeBatches.builder().setBatches(batches).setAttributes(attributeLabels).build();
        }
        MetricTrainer trainer = schedule.apply(MetricTrainer.builder().setHead(metricHead).optEpochs(epochs)
                .optSeed(seed), learningRate, epochs * batches.batchesPerEpoch()).build();
        System.out.printf(Locale.ROOT, "Training %s on %,d images for %d epochs%n", metricHead.describe(),
                train.size(), epochs);
        trainer.initialize();
        TrainingHistory history = trainer.fit(batches);
        System.out.printf(Locale.ROOT, "Loss per epoch: %s (%.0f images/s)%n", Retrieval.losses(history),
                history.trainImagesPerSecond());
        summary.put("head", head.name());
        summary.put("epochs", epochs);
        summary.put("schedule", schedule.name());
        summary.put("size", size);
        summary.put("train_identities", train.numIdentities());
        EmbeddingModel trained = EmbeddingModel.of(net, ModelCard.describe(net).withPreprocessing(preprocessing));
        if (attributeHead == null) {
            return trained;
        }
        try (trained) {
            return trained.withAttributes(attributeHead.toClassifier());
        }
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
                .atLeast("--dim", dim, 1)
                .atLeast("--epochs", epochs, 1)
                .positive("--lr", learningRate)
                .openFraction("--probe-share", probeShare)
                .atLeast("--folds", folds, 2, "each fold's images are predicted by probes fitted on the others")
                .atLeast("--hidden", hidden, 0)
                .positive("--c", c)
                .require(taskWeight >= 0 && Double.isFinite(taskWeight), "--task-weight must be a finite number >= 0")
                .positive("--attribute-lr", attributeLr)
                .require(!multitask || model == null, "--multitask trains both models; it cannot be combined with"
                        + " --model")
                .require(attributes == null || data != null, "--attributes labels the images of --data; give --data"
                        + " as well");
        schedule.check(checks);
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
