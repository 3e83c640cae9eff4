package io.github.dml4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.ResNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.IdentityFolder;
import io.github.dml4j.data.IdentityImages;
import io.github.dml4j.data.IdentitySplit;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PairGenerator;
import io.github.dml4j.data.PairList;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.SyntheticIdentities;
import io.github.dml4j.eval.ClusteringMetrics;
import io.github.dml4j.eval.IdentificationReport;
import io.github.dml4j.eval.KFoldVerification;
import io.github.dml4j.eval.PairScores;
import io.github.dml4j.eval.RocCurve;
import io.github.dml4j.eval.ThresholdCalibration;
import io.github.dml4j.eval.ThresholdClustering;
import io.github.dml4j.eval.VerificationMetrics;
import io.github.dml4j.eval.VerificationReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.inference.Gallery;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.viz.TrainingCurves;
import io.github.dml4j.viz.VerificationPlots;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The face-recognition workflow end to end, on any folder with one sub-folder per identity
 * (or, without {@code --data}, on synthetic faces it generates): split by identity into train,
 * calibration and test; train an embedding with augmentation; calibrate a threshold on the
 * calibration identities; evaluate verification (LFW's 10-fold accuracy, ROC AUC, EER, TAR at
 * FAR), open-set identification (rank-1, DIR, open-set FAR) and threshold clustering (NMI,
 * AMI) on the test identities; write the plots; export the calibrated model; and save three
 * sample images for {@code examples/run Verify}.
 */
@Command(name = "FaceVerification", mixinStandardHelpOptions = true,
        description = "Trains, calibrates, evaluates and exports a face verification model.")
public final class FaceVerification implements Callable<Integer> {

    /** The batch size when the training identities can fill it. */
    static final int DEFAULT_BATCH = 128;

    /** LFW's number of folds, used when the test identities can fill them. */
    static final int DEFAULT_FOLDS = 10;

    /** The target false accept rate when --far is not given and the calibration pairs can measure it. */
    static final double DEFAULT_FAR = 0.01;

    /** The epochs when neither --epochs nor --steps is given, before --min-steps raises them. */
    static final int DEFAULT_EPOCHS = 40;

    /** The largest default neighbour count of the clustering graph. */
    static final int MAX_DEFAULT_NEIGHBORS = 200;

    /** The largest k the default clustering raises its graph to when the graph is too small to see its clusters end. */
    static final int MAX_AUTO_NEIGHBORS = 800;

    @Option(names = "--data", description = "Identity folder (one sub-folder of JPEG/PNG/PGM/PPM images per identity); "
            + "without it synthetic faces are generated.")
    Path data;

    @Option(names = "--pairs", description = "An LFW-style pairs.txt over --data to use as the test pairs "
            + "(its identities are then the test part); by default test pairs are drawn from the test identities.")
    Path pairsFile;

    @Option(names = "--test-folds", paramLabel = "LIST", description = "With --pairs: the folds of the pairs file to"
            + " test on, from 1, as a list and ranges (e.g. 6-10 or 1,3,5); the identities of the other folds are"
            + " trained and calibrated on (LFW's folds are identity-disjoint). Default: every fold is test.")
    String testFolds;

    @Option(names = "--train-data", description = "Train on this identity folder instead of a part of --data, which"
            + " then holds the calibration and test identities only (split by the calibration:test ratio of --split,"
            + " or around --pairs).")
    Path trainData;

    @Option(names = "--split", defaultValue = "0.6,0.2,0.2", paramLabel = "TRAIN,CAL,TEST",
            description = "Shares of the identities for training, threshold calibration and test (default"
                    + " ${DEFAULT-VALUE}); with --train-data only the calibration:test ratio counts.")
    String splitShares;

    @Option(names = "--identities", defaultValue = "330", description = "Synthetic identities (default ${DEFAULT-VALUE}).")
    int identities;

    @Option(names = "--images-per-identity", defaultValue = "20",
            description = "Synthetic images per identity (default ${DEFAULT-VALUE}).")
    int imagesPerIdentity;

    @Option(names = "--size", defaultValue = "48", description = "Input height and width in pixels (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rgb", description = "Train on RGB instead of grayscale.")
    boolean rgb;

    @Option(names = "--head", defaultValue = "triplet", description = "The loss, with the benchmark protocol's settings: "
            + "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ProtocolHeads head;

    @Option(names = "--epochs", description = "Epochs (default " + DEFAULT_EPOCHS + ", more when that is fewer"
            + " than --min-steps optimizer steps, as on a small folder).")
    Integer epochs;

    @Option(names = "--steps", description = "Optimizer steps instead of epochs: whole epochs until at least this"
            + " many steps.")
    Integer steps;

    @Option(names = "--min-steps", defaultValue = "1000", description = "Without --epochs or --steps, the default"
            + " epochs are raised until training takes at least this many optimizer steps (default ${DEFAULT-VALUE}).")
    int minSteps;

    @Option(names = "--backbone", defaultValue = "convnet", description = "convnet (four conv blocks, 16-128 channels)"
            + " or resnet18 (default ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--augment", defaultValue = "standard", description = "Augmentation: standard (shifts, flips,"
            + " 8 degree rotations, brightness and contrast 0.85-1.15) or strong (random resized crops of 60-100%%,"
            + " flips, 12 degree rotations, brightness and contrast 0.7-1.3) (default ${DEFAULT-VALUE}).")
    String augment;

    @Mixin
    ScheduleOptions schedule = new ScheduleOptions();

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--m", defaultValue = "4", description = "Images per identity in a batch (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--batch-size", description = "Images per batch, a multiple of --m (default: " + DEFAULT_BATCH
            + ", or fewer when the training identities cannot fill it: at most two thirds of them in a batch).")
    Integer batchSize;

    @Option(names = "--far", description = "Target false accept rate of the calibrated threshold (default "
            + DEFAULT_FAR + ", or the smallest that the calibration pairs can measure when they are too few for it:"
            + " one false accept among them).")
    Double farOption;

    /** The target FAR: --far, or the default adapted to the calibration pairs. */
    private double far = DEFAULT_FAR;

    @Option(names = "--calibration-pairs", defaultValue = "2000",
            description = "Matched and as many mismatched calibration pairs (default ${DEFAULT-VALUE}).")
    int calibrationPairs;

    @Option(names = "--test-pairs-per-fold", defaultValue = "300",
            description = "Matched and as many mismatched test pairs in each fold (default ${DEFAULT-VALUE}, fewer if"
                    + " the test identities cannot give them).")
    int testPairsPerFold;

    @Option(names = "--folds", description = "Folds of the test pairs for k-fold accuracy (default " + DEFAULT_FOLDS
            + " as LFW's, fewer when the test identities cannot fill them: each fold takes two identities with two or"
            + " more images; below four such identities the folds share identities). Not with --pairs, whose file"
            + " sets the folds.")
    Integer folds;

    @Option(names = "--flip", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Average each test embedding with its mirror image's (evaluation only; the exported"
                    + " threshold is calibrated without, as Verify embeds); on by default, --no-flip to turn off.")
    boolean flip;

    @Option(names = "--no-cluster", description = "Skip the threshold clustering of the test images.")
    boolean noCluster;

    @Option(names = "--cluster-neighbors", description = "Neighbours per image in the clustering's k-NN graph, which"
            + " bounds its memory (N x k links) (default: twice the largest test identity's images, at least 20, at"
            + " most " + MAX_DEFAULT_NEIGHBORS + ", doubled up to " + MAX_AUTO_NEIGHBORS + " while more than 5%% of the"
            + " images have every neighbour above the threshold; exact average linkage when N - 1 or more).")
    Integer clusterNeighbors;

    @Option(names = "--out", defaultValue = "target/face-model", description = "Model directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--plots", defaultValue = "target/face-plots", description = "Plot directory (default ${DEFAULT-VALUE}).")
    Path plots;

    @Option(names = "--samples", defaultValue = "target/face-samples",
            description = "Where three test images for the Verify example are written (default ${DEFAULT-VALUE}).")
    Path samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--export-pixels", description = "Also write the training and test images (raw bytes), their"
            + " labels and the test pairs to this folder, for the pixel baselines of"
            + " examples/reference/pixel_baselines.py.")
    Path exportPixels;

    @Mixin
    CheckpointOptions checkpoints = new CheckpointOptions();

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        checkOptions();
        ImagePreprocessing preprocessing = ImagePreprocessing.builder().setSize(size, size)
                .optColor(rgb ? ColorMode.RGB : ColorMode.GRAYSCALE).build();

        // 1. identities, split by identity into train / calibration / test
        System.out.printf(Locale.ROOT, "Engine: %s, %d intra-op threads%n", ai.djl.engine.Engine.getInstance().getEngineName()
                + " " + ai.djl.engine.Engine.getInstance().getVersion(), EngineThreads.get());
        Parts parts = parts(preprocessing);
        IdentitySplit split = parts.split();
        PairList testPairs = parts.testPairs();
        System.out.println(split.summary());
        ImageSource train = split.train().images();
        // what the split can give is settled before training: the batch, the calibration and the test pairs
        int batch = fitBatch(split.train());
        PairList calibrationPairs = calibrationPairs(split.calibration());
        if (testPairs == null) {
            testPairs = testPairs(split.test());
        }

        if (exportPixels != null) {
            exportPixels(split, testPairs);
        }

        // 2. the shared embedding network, a head, augmentation, training
        PixelNormalization normalization = PixelNormalization.estimate(train);
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(newBackbone())
                .setInputShape(preprocessing.channels(), size, size)
                .optNormalize(true)
                .optPixelNormalization(normalization)
                .build();
        MetricHead metricHead = head.build(net, split.train().numIdentities(), CenterLoss.CenterUpdate.WEN);
        ImageAugmentation augmentation = augmentation();
        ClassBatches batches = ClassBatches.builder().setImages(train).setNormalization(normalization)
                .optM(m).optBatchSize(batch).optSeed(seed).optAugmentation(augmentation).build();
        int epochCount = epochCount(batches.batchesPerEpoch());
        int totalSteps = epochCount * batches.batchesPerEpoch();
        MetricTrainer.Builder trainerBuilder = schedule.apply(MetricTrainer.builder().setHead(metricHead)
                .optEpochs(epochCount).optSeed(seed), learningRate, totalSteps);
        MetricTrainer trainer = checkpoints.apply(trainerBuilder, checkpoints.directory(null)).build();
        System.out.printf(Locale.ROOT, "Training %s on %,d images for %d epochs with %s%n", metricHead.describe(),
                train.size(), epochCount, augmentation);
        trainer.initialize();
        TrainingHistory history = trainer.fit(batches);
        System.out.printf(Locale.ROOT, "Loss per epoch: %s (%.0f images/s)%n", Retrieval.losses(history),
                history.trainImagesPerSecond());

        Map<String, Object> summary = new LinkedHashMap<>();
        try (EmbeddingModel model = EmbeddingModel.of(net, ModelCard.describe(net).withPreprocessing(preprocessing));
                NDManager manager = NDManager.newBaseManager()) {
            // 3. calibrate the threshold on identities seen neither in training nor in the test
            // the exported threshold serves Verifier.verify(image, image), which embeds without flip averaging
            NDArray calibrationEmbeddings = model.embed(manager, split.calibration().images());
            float[] calibrationScores = PairScores.score(calibrationEmbeddings, calibrationPairs.first(),
                    calibrationPairs.second(), model.distance());
            ImageSource calibrationImages = split.calibration().images();
            ThresholdCalibration calibration = ThresholdCalibration
                    .forTargetFar(calibrationScores, calibrationPairs.same(), far)
                    .withFarInterval(calibrationScores, calibrationPairs.same(),
                            IntStream.of(calibrationPairs.first()).map(calibrationImages::label).toArray(),
                            IntStream.of(calibrationPairs.second()).map(calibrationImages::label).toArray(), seed);
            System.out.println("Calibrated on " + split.calibration().numIdentities() + " identities: " + calibration);
            System.out.println("  " + calibration.farInterval());
            if (calibration.farUncertain()) {
                System.out.println("WARNING: " + calibration.uncertaintyWarning());
            }

            // 4. verification on the test identities: k folds, ROC, EER, TAR@FAR
            ImageSource test = split.test().images();
            NDArray testEmbeddings = model.embed(manager, test, flip);
            float[] testScores = PairScores.score(testEmbeddings, testPairs.first(), testPairs.second(), model.distance());
            double[] scores = new double[testScores.length];
            Arrays.setAll(scores, i -> testScores[i]);
            VerificationReport verification = VerificationMetrics.builder().optFars(1e-3, 1e-2, 1e-1).build()
                    .evaluate(scores, testPairs.same(), testPairs.foldIds());
            ThresholdCalibration onTest = calibration.evaluate(scores, testPairs.same());
            System.out.printf(Locale.ROOT, "Verification on %,d test pairs of %d identities:%n", testPairs.size(),
                    split.test().numIdentities());
            System.out.printf(Locale.ROOT, "  %d-fold accuracy %.4f +- %.4f, ROC AUC %.4f, EER %.4f%n",
                    verification.folds(), verification.kFoldMean(), verification.kFoldStd(), verification.rocAuc(),
                    verification.eer());
            verification.tarAtFar().forEach((f, tar) -> System.out.printf(Locale.ROOT, "  TAR@FAR %.0e = %.4f%n", f, tar));
            System.out.printf(Locale.ROOT, "  calibrated threshold %.4f on the test pairs: FAR %.4f (target %s), "
                    + "TAR %.4f, accuracy %.4f%n", calibration.threshold(), onTest.far(), far, onTest.tar(),
                    onTest.accuracy());

            // 5. open-set identification: half the test identities enrolled with one image each
            float[][] rows = Retrieval.rows(testEmbeddings);
            IdentificationReport identification = identify(rows, test.labels(), split.test().numIdentities(),
                    model, calibration.threshold());
            System.out.println("Identification: " + identification);

            // 6. clustering the test images at the calibrated threshold, without knowing how many identities
            ClusterRun clustering = noCluster ? null : cluster(testEmbeddings, split.test(), model, calibration);
            // 7. plots, the exported model, and sample images for the Verify example
            List<Path> written = new ArrayList<>(VerificationPlots.write(plots, RocCurve.of(scores, testPairs.same()),
                    calibration.threshold(), rows, test.labels()));
            Path curves = plots.resolve("training.png");
            TrainingCurves.builder().setHistory(history).build().write(curves);
            written.add(curves);
            System.out.println("Plots: " + written);
            TrainingProvenance provenance = TrainingProvenance.builder()
                    .setDatasetName(data == null ? "synthetic-faces" : data.getFileName().toString())
                    .optHistory(history)
                    .addMetric("verification_" + verification.folds() + "fold_accuracy", verification.kFoldMean())
                    .addMetric("roc_auc", verification.rocAuc())
                    .addMetric("eer", verification.eer())
                    .addMetric("rank_1", identification.rank1Rate())
                    .build();
            try (EmbeddingModel export = EmbeddingModel.of(net,
                    model.card().withCalibration(calibration).withTraining(provenance))) {
                export.save(out);
            }
            List<Path> sampleFiles = writeSamples(split.test(), testPairs, testScores, testEmbeddings, model);
            System.out.println("Model saved to " + out.toAbsolutePath() + "; try:");
            System.out.println("  examples/run Verify --model " + out + " " + sampleFiles.get(0) + " " + sampleFiles.get(1)
                    + "   (same identity)");
            System.out.println("  examples/run Verify --model " + out + " " + sampleFiles.get(0) + " " + sampleFiles.get(2)
                    + "   (different identities)");

            summary.put("head", head.name());
            summary.put("backbone", backbone);
            summary.put("augment", augment);
            summary.put("schedule", schedule.name());
            summary.put("flip", flip);
            summary.put("epochs", epochCount);
            summary.put("steps", totalSteps);
            summary.put("seed", seed);
            summary.put("train_identities", split.train().numIdentities());
            summary.put("test_identities", split.test().numIdentities());
            summary.put("verification_" + verification.folds() + "fold_accuracy", round(verification.kFoldMean()));
            summary.put("verification_" + verification.folds() + "fold_std", round(verification.kFoldStd()));
            summary.put("roc_auc", round(verification.rocAuc()));
            summary.put("eer", round(verification.eer()));
            verification.tarAtFar().forEach((f, tar) -> summary.put(VerificationReport.tarKey(f), round(tar)));
            summary.put("threshold", round(calibration.threshold()));
            summary.put("calibration_far_interval", List.of(round(calibration.farInterval().lower()),
                    round(calibration.farInterval().upper())));
            summary.put("test_far_at_threshold", round(onTest.far()));
            summary.put("rank_1", round(identification.rank1Rate()));
            summary.put("open_set_far", round(identification.openSetFalseAcceptRate()));
            if (clustering != null) {
                summary.put("clusters", clustering.result().count());
                summary.put("cluster_nmi", round(clustering.nmi()));
                summary.put("cluster_neighbors", clustering.neighbors());
                summary.put("cluster_saturated", clustering.result().saturated());
                summary.put("cluster_s", round(clustering.seconds()));
                summary.put("cluster_peak_rss_mb", Math.round(clustering.peakRssMb()));
            }
            summary.put("train_img_per_s", Math.round(history.trainImagesPerSecond()));
            summary.put("wall_s", Math.round((System.nanoTime() - start) / 1e9));
            summary.put("peak_rss_mb", Math.round(Math.max(clustering == null ? 0 : clustering.peakBeforeMb(),
                    ProcessMemory.peakResidentMb())));
        }
        System.out.println(new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create().toJson(summary));
        return 0;
    }

    /** Every option checked before any image is read. */
    private void checkOptions() {
        OptionChecks checks = new OptionChecks(this)
                .directory("--data", data)
                .file("--pairs", pairsFile)
                .between("--size", size, 16, 1024)
                .positive("--lr", learningRate)
                .openFraction("--far", farOption == null ? DEFAULT_FAR : farOption)
                .atLeast("--calibration-pairs", calibrationPairs, 1)
                .atLeast("--test-pairs-per-fold", testPairsPerFold, 1)
                .require(pairsFile == null || data != null, "--pairs names images of --data; give --data as well");
        checks.directory("--train-data", trainData)
                .require(parseShares(splitShares) != null, "--split must be three shares between 0 and 1 that sum to 1,"
                        + " such as 0.6,0.2,0.2; got " + splitShares)
                .require(testFolds == null || pairsFile != null, "--test-folds chooses folds of --pairs; give --pairs"
                        + " as well")
                .require(testFolds == null || parseFolds(testFolds) != null, "--test-folds must be fold numbers from 1"
                        + " and ranges, such as 6-10 or 1,3,5; got " + testFolds)
                .require(steps == null || epochs == null, "--steps and --epochs both set the training length; give one")
                .atLeast("--min-steps", minSteps, 1)
                .require(List.of("convnet", "resnet18").contains(backbone), "--backbone must be convnet or resnet18, got "
                        + backbone)
                .require(List.of("standard", "strong").contains(augment), "--augment must be standard or strong, got "
                        + augment);
        schedule.check(checks)
                .require(!noCluster || clusterNeighbors == null, "--cluster-neighbors sets the clustering that"
                        + " --no-cluster skips; give one");
        if (epochs != null) {
            checks.atLeast("--epochs", epochs, 1);
        }
        if (steps != null) {
            checks.atLeast("--steps", steps, 1);
        }
        if (clusterNeighbors != null) {
            checks.atLeast("--cluster-neighbors", clusterNeighbors, 1);
        }
        checkpoints.check(checks);
        if (data == null) {
            checks.atLeast("--identities", identities, 9, "calibration and test take two identities each")
                    .atLeast("--images-per-identity", imagesPerIdentity, 2, "a matched pair needs two");
        }
        if (batchSize == null) {
            checks.atLeast("--m", m, 2, "an identity needs two images in a batch to make a positive pair");
        } else {
            checks.classBatch("--batch-size", batchSize, "--m", m);
        }
        if (folds != null) {
            checks.atLeast("--folds", folds, 2, "k-fold accuracy picks each fold's threshold on the others")
                    .require(pairsFile == null, "--folds cannot be combined with --pairs, whose file sets the folds");
        }
        checks.check();
    }

    /** How to get more identities: a larger folder, or more synthetic ones. */
    private String moreIdentities() {
        return data == null ? "raise --identities" : "use a folder with more identities";
    }

    /** Identities of {@code part} with two or more images. */
    private static int[] withPairs(IdentityImages part) {
        return IntStream.range(0, part.numIdentities()).filter(l -> part.imageCount(l) >= 2).toArray();
    }

    /**
     * The batch size: --batch-size, or up to {@value #DEFAULT_BATCH} images of m each from at most two
     * thirds of the training identities with two or more images, so that batches differ.
     */
    private int fitBatch(IdentityImages trainPart) {
        int usable = withPairs(trainPart).length;
        if (usable < 2) {
            throw OptionChecks.error(this, "The training part has " + usable + " identities with two or more"
                    + " images; a batch needs two to form positive and negative pairs: " + moreIdentities() + ".");
        }
        int identitiesPerBatch;
        if (batchSize != null) {
            identitiesPerBatch = batchSize / m;
            if (identitiesPerBatch > usable) {
                throw OptionChecks.error(this, "--batch-size " + batchSize + " needs " + identitiesPerBatch
                        + " identities of --m " + m + " images, but the training part has " + usable
                        + " identities with two or more images: use --batch-size " + usable * m + " or less.");
            }
        } else {
            identitiesPerBatch = Math.max(2, Math.min(Math.max(2, DEFAULT_BATCH / m), usable * 2 / 3));
        }
        int batch = identitiesPerBatch * m;
        System.out.printf(Locale.ROOT, "Batch size %d (%d identities x m %d) for %d training identities%n", batch,
                identitiesPerBatch, m, trainPart.numIdentities());
        return batch;
    }

    /**
     * The calibration pairs, drawn before training; refuses a --far that so few mismatched pairs
     * cannot measure (one false accept among them would exceed it).
     */
    private PairList calibrationPairs(IdentityImages part) {
        long matched = 0;
        long images = 0;
        for (int l = 0; l < part.numIdentities(); l++) {
            long n = part.imageCount(l);
            matched += n * (n - 1) / 2;
            images += n;
        }
        long mismatched = images * (images - 1) / 2 - matched;
        if (matched == 0 || mismatched == 0) {
            throw OptionChecks.error(this, "The calibration part (" + part.numIdentities() + " identities, " + images
                    + " images) has no " + (matched == 0 ? "matched" : "mismatched") + " pair to calibrate the"
                    + " threshold on: " + moreIdentities() + ".");
        }
        // as many pairs as asked, at most half of what the identities can give (distinct pairs are drawn at random)
        int pairs = (int) Math.min(calibrationPairs, Math.max(1, Math.min(matched / 2, mismatched / 2)));
        far = farOption == null ? DEFAULT_FAR : farOption;
        if (pairs * far < 1 && farOption == null) {
            // the default adapts: the smallest FAR one false accept among these pairs can show
            far = BigDecimal.valueOf(1.0 / pairs).round(new MathContext(3, RoundingMode.CEILING)).doubleValue();
            System.out.printf(Locale.ROOT, "Target FAR %s: the default %s cannot be calibrated on the %d mismatched"
                    + " pairs of the %d calibration identities (one false accept is a FAR of %s); set --far to choose%n",
                    far, DEFAULT_FAR, pairs, part.numIdentities(), far);
        }
        if (pairs * far < 1) {
            // rounded up, so that the FAR suggested is enough
            String coarsest = BigDecimal.valueOf(1.0 / pairs).round(new MathContext(3, RoundingMode.CEILING))
                    .stripTrailingZeros().toPlainString();
            String target = BigDecimal.valueOf(far).stripTrailingZeros().toPlainString();
            throw OptionChecks.error(this, pairs < calibrationPairs
                    ? "--far " + target + " cannot be calibrated on the " + pairs + " mismatched pairs that the "
                            + part.numIdentities() + " calibration identities give (one false accept is a FAR of "
                            + coarsest + "): raise --far to at least " + coarsest + " or " + moreIdentities() + "."
                    : "--far " + target + " cannot be calibrated on " + pairs + " mismatched pairs (one false accept is a"
                            + " FAR of " + coarsest + "): raise --calibration-pairs to at least "
                            + (long) Math.ceil(1 / far) + " or --far to at least " + coarsest + ".");
        }
        return PairGenerator.builder().setPairsPerFold(pairs).optFolds(1).optSeed(seed).build().generate(part);
    }

    /**
     * The test pairs in k folds of their own identities (LFW's protocol), drawn before training.
     * Each fold takes at least two identities with two or more images; with fewer than four such
     * identities the pairs are drawn from all of them and dealt into random folds instead.
     */
    private PairList testPairs(IdentityImages part) {
        int[] multi = withPairs(part);
        int maxFolds = multi.length / 2;
        if (maxFolds >= 2) {
            int k = folds != null ? folds : Math.min(DEFAULT_FOLDS, maxFolds);
            if (k > maxFolds) {
                throw OptionChecks.error(this, "--folds " + k + " needs " + 2 * k + " test identities with two or more"
                        + " images (two per fold), but the test part has " + multi.length + ": use --folds " + maxFolds
                        + " or fewer.");
            }
            int pairs = (int) Math.min(testPairsPerFold, Math.max(1, PairGenerator.pairsEveryFoldCanGive(part.images(), k) / 2));
            System.out.printf(Locale.ROOT, "Test pairs: %d folds of %d matched and %d mismatched pairs, each fold its"
                    + " own identities%n", k, pairs, pairs);
            return PairGenerator.builder().setPairsPerFold(pairs).optFolds(k).optSeed(seed + 1).build().generate(part);
        }
        long matched = IntStream.of(multi).mapToLong(l -> (long) part.imageCount(l) * (part.imageCount(l) - 1) / 2).sum();
        long images = 0;
        for (int l = 0; l < part.numIdentities(); l++) {
            images += part.imageCount(l);
        }
        long mismatched = images * (images - 1) / 2 - matched;
        int k = folds != null ? folds : DEFAULT_FOLDS;
        long available = Math.min(matched, mismatched);
        if (available < 2) {
            throw OptionChecks.error(this, "The test part (" + part.numIdentities() + " identities, " + images
                    + " images) gives " + matched + " matched and " + mismatched + " mismatched pairs; k-fold accuracy"
                    + " needs at least two of each: " + moreIdentities() + ".");
        }
        if (k > available) {
            if (folds != null) {
                throw OptionChecks.error(this, "--folds " + k + " needs a matched pair in every fold, but the test part"
                        + " gives " + available + ": use --folds " + available + " or fewer.");
            }
            k = (int) available;
        }
        int pairs = (int) Math.min((long) testPairsPerFold * k, Math.max(k, Math.min(matched / 2, mismatched / 2)));
        PairList drawn = PairGenerator.builder().setPairsPerFold(pairs).optFolds(1).optSeed(seed + 1).build()
                .generate(part);
        System.out.printf(Locale.ROOT, "Test pairs: %d matched and %d mismatched pairs of the %d test identities, dealt"
                + " into %d random folds (too few identities for folds of their own)%n", pairs, pairs,
                part.numIdentities(), k);
        return PairList.of(drawn.first(), drawn.second(), drawn.same(),
                KFoldVerification.randomFolds(drawn.same(), k, seed + 1));
    }

    private IdentityImages load(ImagePreprocessing preprocessing) throws Exception {
        if (data != null) {
            return IdentityFolder.builder().setRoot(data).setPreprocessing(preprocessing).build().load();
        }
        return SyntheticIdentities.builder().setIdentities(identities).optImagesPerIdentity(imagesPerIdentity)
                .optImageSize(size).optChannels(preprocessing.channels()).optSeed(seed).build().generate()
                .identityImages();
    }

    /** The split and, with --pairs, the test pairs over its test part. */
    private record Parts(IdentitySplit split, PairList testPairs) { }

    /**
     * Loads --data (or generates faces) and, with --train-data, the training folder; splits the
     * identities by --split, or around the test folds of --pairs.
     */
    private Parts parts(ImagePreprocessing preprocessing) throws Exception {
        IdentityImages all = load(preprocessing);
        System.out.printf(Locale.ROOT, "%s: %,d images of %,d identities (%d singletons, %d files skipped)%n",
                data == null ? "Synthetic faces" : data, all.size(), all.numIdentities(), all.singletons().size(),
                all.skipped().size());
        IdentityImages trainPart = null;
        if (trainData != null) {
            trainPart = IdentityFolder.builder().setRoot(trainData).setPreprocessing(preprocessing).build().load();
            System.out.printf(Locale.ROOT, "%s (--train-data): %,d images of %,d identities (%d singletons, %d files"
                    + " skipped)%n", trainData, trainPart.size(), trainPart.numIdentities(),
                    trainPart.singletons().size(), trainPart.skipped().size());
            java.util.Set<String> common = new java.util.TreeSet<>(trainPart.identities());
            common.retainAll(all.identities());
            if (!common.isEmpty()) {
                System.out.printf(Locale.ROOT, "WARNING: %d identity names are in both --train-data and --data (%s%s):"
                        + " if they are the same people, the test is not on unseen identities%n", common.size(),
                        String.join(", ", common.stream().limit(5).toList()), common.size() > 5 ? ", ..." : "");
            }
        }
        double[] shares = shares();
        if (pairsFile != null) {
            return aroundPairs(all, trainPart);
        }
        if (trainPart == null) {
            System.out.printf(Locale.ROOT, "Split (--split %s): identities shared %.2f / %.2f / %.2f between train,"
                    + " calibration and test%n", splitShares, shares[0], shares[1], shares[2]);
            return new Parts(IdentitySplit.split(all, new IdentitySplit.Fractions(shares[0], shares[1], shares[2]), seed),
                    null);
        }
        // --train-data: --data holds calibration and test, in the ratio of their shares
        int n = all.numIdentities();
        int calibrationCount = (int) Math.round(n * shares[1] / (shares[1] + shares[2]));
        calibrationCount = Math.max(2, Math.min(n - 2, calibrationCount));
        if (n < 4) {
            throw OptionChecks.error(this, "--data has " + n + " identities; with --train-data it needs at least four,"
                    + " two for calibration and two for test: use a folder with more identities.");
        }
        List<Integer> order = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        java.util.Collections.shuffle(order, new java.util.Random(seed));
        int[] calibrationIds = order.subList(0, calibrationCount).stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] testIds = order.subList(calibrationCount, n).stream().mapToInt(Integer::intValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "Split: training on --train-data; --data's identities shared %d / %d between"
                + " calibration and test (the calibration:test ratio of --split %s)%n", calibrationIds.length,
                testIds.length, splitShares);
        return new Parts(new IdentitySplit(trainPart, all.selectIdentities(calibrationIds), all.selectIdentities(testIds)),
                null);
    }

    /**
     * With a pairs file, the identities of its test folds are the test part; the others split 3:1
     * into train and calibration, or are all calibration with --train-data.
     */
    private Parts aroundPairs(IdentityImages all, IdentityImages trainPart) throws Exception {
        PairList pairs = PairList.read(pairsFile, all);
        boolean[] testFold = testFoldSet(pairs.folds());
        boolean[] inTest = new boolean[all.numIdentities()];
        for (int i = 0; i < pairs.size(); i++) {
            if (testFold[pairs.foldIds()[i]]) {
                inTest[all.images().label(pairs.first()[i])] = true;
                inTest[all.images().label(pairs.second()[i])] = true;
            }
        }
        int[] test = IntStream.range(0, inTest.length).filter(l -> inTest[l]).toArray();
        List<Integer> rest = new ArrayList<>(IntStream.range(0, inTest.length).filter(l -> !inTest[l]).boxed().toList());
        java.util.Collections.shuffle(rest, new java.util.Random(seed));
        int trainCount = trainPart != null ? 0 : Math.min((int) Math.round(rest.size() * 0.75), rest.size() - 2);
        if (rest.size() < 2 || (trainPart == null && trainCount < 1)) {
            throw OptionChecks.error(this, "The test folds of --pairs name " + test.length + " of the " + inTest.length
                    + " identities of --data, leaving " + rest.size() + "; " + (trainPart == null
                    ? "training and calibration need at least three: test on fewer folds (--test-folds) or give"
                            + " --train-data."
                    : "calibration needs at least two: test on fewer folds (--test-folds)."));
        }
        int[] trainIds = rest.subList(0, trainCount).stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] calibrationIds = rest.subList(trainCount, rest.size()).stream().mapToInt(Integer::intValue).sorted()
                .toArray();
        IdentityImages testPart = all.selectIdentities(test);
        IdentitySplit split = new IdentitySplit(trainPart != null ? trainPart : all.selectIdentities(trainIds),
                all.selectIdentities(calibrationIds), testPart);
        // the test folds' pairs, with image indices into the test part and dense fold ids
        int[] foldNumber = new int[testFold.length];
        int k = 0;
        for (int f = 0; f < testFold.length; f++) {
            foldNumber[f] = testFold[f] ? k++ : -1;
        }
        int[] kept = IntStream.range(0, pairs.size()).filter(i -> testFold[pairs.foldIds()[i]]).toArray();
        int[] first = IntStream.of(kept).map(i -> testPart.indexOf(all.path(pairs.first()[i]))).toArray();
        int[] second = IntStream.of(kept).map(i -> testPart.indexOf(all.path(pairs.second()[i]))).toArray();
        boolean[] same = new boolean[kept.length];
        int[] folds = new int[kept.length];
        for (int j = 0; j < kept.length; j++) {
            same[j] = pairs.same()[kept[j]];
            folds[j] = foldNumber[pairs.foldIds()[kept[j]]];
        }
        System.out.printf(Locale.ROOT, "Pairs file %s: testing on %d of its %d folds (%,d pairs of %d identities);"
                + " %s%n", pairsFile, k, pairs.folds(), kept.length, test.length, trainPart != null
                ? "the other " + calibrationIds.length + " identities of --data calibrate"
                : "the other " + rest.size() + " identities split 3:1 into train and calibration");
        return new Parts(split, PairList.of(first, second, same, folds));
    }

    /** The test folds of --test-folds (all when not given), as flags over the file's folds. */
    private boolean[] testFoldSet(int fileFolds) {
        boolean[] test = new boolean[fileFolds];
        if (testFolds == null) {
            java.util.Arrays.fill(test, true);
            return test;
        }
        for (int fold : parseFolds(testFolds)) {
            if (fold > fileFolds) {
                throw OptionChecks.error(this, "--test-folds names fold " + fold + ", but " + pairsFile + " has "
                        + fileFolds + " folds.");
            }
            test[fold - 1] = true;
        }
        return test;
    }

    /** Fold numbers from 1 of a list such as "6-10" or "1,3,5"; null when malformed. */
    static List<Integer> parseFolds(String list) {
        List<Integer> folds = new ArrayList<>();
        try {
            for (String part : list.split(",")) {
                String p = part.strip();
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).strip());
                if (from < 1 || to < from) {
                    return null;
                }
                for (int f = from; f <= to; f++) {
                    folds.add(f);
                }
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return folds;
    }

    /** The shares of --split, or null when malformed. */
    static double[] parseShares(String text) {
        String[] parts = text.split(",");
        if (parts.length != 3) {
            return null;
        }
        double[] shares = new double[3];
        try {
            for (int i = 0; i < 3; i++) {
                shares[i] = Double.parseDouble(parts[i].strip());
                if (!(shares[i] > 0 && shares[i] < 1)) {
                    return null;
                }
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return Math.abs(shares[0] + shares[1] + shares[2] - 1) < 1e-6 ? shares : null;
    }

    private double[] shares() {
        return parseShares(splitShares);
    }

    /** Epochs: --epochs, or enough for --steps, or the default raised to --min-steps; printed. */
    private int epochCount(int stepsPerEpoch) {
        int count;
        String why;
        if (steps != null) {
            count = (steps + stepsPerEpoch - 1) / stepsPerEpoch;
            why = "whole epochs for --steps " + steps;
        } else if (epochs != null) {
            count = epochs;
            why = "--epochs";
        } else {
            count = Math.max(DEFAULT_EPOCHS, (minSteps + stepsPerEpoch - 1) / stepsPerEpoch);
            why = count > DEFAULT_EPOCHS ? "the default " + DEFAULT_EPOCHS + " epochs raised to reach --min-steps "
                    + minSteps : "the default; at least --min-steps " + minSteps;
        }
        System.out.printf(Locale.ROOT, "Epochs %d of %d steps: %,d optimizer steps (%s)%n", count, stepsPerEpoch,
                (long) count * stepsPerEpoch, why);
        return count;
    }

    private io.github.dml4j.backbone.Backbone newBackbone() {
        return backbone.equals("resnet18")
                ? ResNet.builder().setDepth(18).setEmbeddingSize(128).optSmallInput(size <= 64).build()
                : new ConvNet(new int[] {16, 32, 64, 128}, 64);
    }

    private ImageAugmentation augmentation() {
        ImageAugmentation.Builder b = ImageAugmentation.builder().optHorizontalFlip(0.5).optSeed(seed);
        if (augment.equals("strong")) {
            return b.optRandomResizedCrop(0.6, 1.0).optRotation(12).optBrightness(0.7, 1.3).optContrast(0.7, 1.3)
                    .build();
        }
        return b.optRandomCrop(Math.max(1, size / 16)).optRotation(8).optBrightness(0.85, 1.15)
                .optContrast(0.85, 1.15).build();
    }

    /**
     * Writes train.u8 and test.u8 (each image's (C, H, W) bytes, one after another) and
     * meta.json (shape, labels, test pairs with their folds) for the pixel baselines.
     */
    private void exportPixels(IdentitySplit split, PairList testPairs) throws java.io.IOException {
        Files.createDirectories(exportPixels);
        Map<String, Object> meta = new LinkedHashMap<>();
        for (String part : List.of("train", "test")) {
            ImageSource images = (part.equals("train") ? split.train() : split.test()).images();
            try (java.io.OutputStream out = new java.io.BufferedOutputStream(
                    Files.newOutputStream(exportPixels.resolve(part + ".u8")), 1 << 20)) {
                for (int i = 0; i < images.size(); i++) {
                    out.write(images.imageBytes(i));
                }
            }
            meta.put("channels", images.channels());
            meta.put("height", images.height());
            meta.put("width", images.width());
            meta.put(part + "_labels", images.labels());
        }
        meta.put("pair_first", testPairs.first());
        meta.put("pair_second", testPairs.second());
        meta.put("pair_same", testPairs.same());
        meta.put("pair_fold", testPairs.foldIds());
        meta.put("seed", seed);
        Files.writeString(exportPixels.resolve("meta.json"), new GsonBuilder().create().toJson(meta));
        System.out.println("Pixels for the baselines written to " + exportPixels);
    }

    /** A clustering run: its result, NMI, and its own time and peak memory. */
    private record ClusterRun(ThresholdClustering.Result result, double nmi, int neighbors, double seconds,
                              double peakRssMb, double peakBeforeMb) { }

    /**
     * Clusters the test images at the calibrated threshold with average linkage on a k-NN graph
     * of --cluster-neighbors; measures its time and (where Linux lets the peak be reset) its own
     * peak resident memory.
     */
    private ClusterRun cluster(NDArray embeddings, IdentityImages test, EmbeddingModel model,
                               ThresholdCalibration calibration) {
        int largest = IntStream.range(0, test.numIdentities()).map(test::imageCount).max().orElse(1);
        int k = clusterNeighbors != null ? clusterNeighbors
                : Math.min(MAX_DEFAULT_NEIGHBORS, Math.max(20, 2 * largest));
        k = Math.max(1, Math.min(k, test.size() - 1));
        int cap = Math.max(k, Math.min(MAX_AUTO_NEIGHBORS, test.size() - 1));
        double peakBefore = ProcessMemory.peakResidentMb();
        boolean reset = ProcessMemory.resetPeak();
        long start = System.nanoTime();
        ThresholdClustering.Result clusters;
        while (true) {
            clusters = ThresholdClustering.builder().setThreshold(calibration.threshold())
                    .optLinkage(ThresholdClustering.Linkage.AVERAGE).optDistance(model.distance()).optK(k).build()
                    .cluster(embeddings, System.console() == null ? null : new ai.djl.training.util.ProgressBar());
            boolean tooSmall = clusters.saturated() > test.size() / 20;
            if (!tooSmall || clusterNeighbors != null || k >= cap) {
                if (tooSmall) {
                    System.out.printf(Locale.ROOT, "WARNING: %,d of %,d test images have all %d graph neighbours above"
                            + " the threshold: the clusters below merge identities the graph cannot tell apart;"
                            + " raise --cluster-neighbors.%n", clusters.saturated(), test.size(), k);
                }
                break;
            }
            // a graph that ends inside every image's cluster cannot see where clusters end: average linkage
            // would merge them; a graph twice as large usually can
            int next = Math.min(cap, 2 * k);
            System.out.printf(Locale.ROOT, "Clustering: %,d of %,d test images have all %d graph neighbours above the"
                    + " threshold; again with %d%n", clusters.saturated(), test.size(), k, next);
            k = next;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double peak = reset ? ProcessMemory.peakResidentMb() : Double.NaN;
        int[] labels = test.images().labels();
        double nmi = ClusteringMetrics.nmi(labels, clusters.assignments());
        double ami = ClusteringMetrics.ami(labels, clusters.assignments());
        System.out.printf(Locale.ROOT, "Threshold clustering (%d neighbours): %d clusters for %d identities, NMI %.4f,"
                + " AMI %.4f; %.1f s, peak resident memory %.0f MB%n", k, clusters.count(), test.numIdentities(), nmi,
                ami, seconds, peak);
        return new ClusterRun(clusters, nmi, k, seconds, peak, peakBefore);
    }

    /**
     * Enrols the first image of every other test identity and probes with all remaining images:
     * the enrolled identities' other images are mated probes, the rest are strangers.
     */
    private static IdentificationReport identify(float[][] rows, int[] labels, int numIdentities, EmbeddingModel model,
                                                 double threshold) {
        boolean[] seen = new boolean[numIdentities];
        List<Integer> galleryRows = new ArrayList<>();
        List<Integer> probeRows = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            boolean enrolled = labels[i] % 2 == 0;
            if (enrolled && !seen[labels[i]]) {
                seen[labels[i]] = true;
                galleryRows.add(i);
            } else {
                probeRows.add(i);
            }
        }
        float[][] gallery = galleryRows.stream().map(i -> rows[i]).toArray(float[][]::new);
        int[] galleryLabels = galleryRows.stream().mapToInt(i -> labels[i]).toArray();
        float[][] probes = probeRows.stream().map(i -> rows[i]).toArray(float[][]::new);
        int[] probeLabels = probeRows.stream().mapToInt(i -> labels[i]).toArray();
        try (Gallery g = Gallery.builder().setEmbeddings(gallery, galleryLabels, null, model.distance())
                .optThreshold(threshold).build()) {
            return g.evaluate(probes, probeLabels, Math.min(5, g.identities()));
        }
    }

    /**
     * Writes a matched test pair (at the upper quartile of the matched pairs' scores) as a.png and
     * b.png, and as c.png the image of another identity whose score with a is the median.
     */
    private List<Path> writeSamples(IdentityImages test, PairList pairs, float[] scores, NDArray embeddings,
                                    EmbeddingModel model) throws Exception {
        int[] matchedPairs = IntStream.range(0, pairs.size()).filter(i -> pairs.same()[i]).boxed()
                .sorted((x, y) -> Float.compare(scores[x], scores[y])).mapToInt(Integer::intValue).toArray();
        // at a FAR of 1e-2 the TAR is often near one half, so the median matched pair sits on the
        // threshold; the upper quartile shows a typical accepted pair
        int matched = matchedPairs[matchedPairs.length * 3 / 4];
        int a = pairs.first()[matched];
        int b = pairs.second()[matched];
        ImageSource images = test.images();
        int[] others = IntStream.range(0, images.size()).filter(i -> images.label(i) != images.label(a)).toArray();
        float[] toA = PairScores.score(embeddings, IntStream.of(others).map(i -> a).toArray(), others,
                model.distance());
        int[] byScore = IntStream.range(0, others.length).boxed().sorted((x, y) -> Float.compare(toA[x], toA[y]))
                .mapToInt(Integer::intValue).toArray();
        int median = byScore[byScore.length / 2];
        int c = others[median];
        Files.createDirectories(samples);
        List<Path> files = new ArrayList<>();
        String[] names = {"a", "b", "c"};
        int[] indices = {a, b, c};
        for (int k = 0; k < 3; k++) {
            Path file = samples.resolve(names[k] + ".png");
            ImageIO.write(toBufferedImage(images, indices[k]), "png", file.toFile());
            files.add(file);
        }
        System.out.printf(Locale.ROOT, "Sample images: a and b of %s, score %.4f (the upper quartile of matched test pairs); "
                + "c of %s, score with a %.4f (the median of a against other identities)%n",
                test.identity(images.label(a)), scores[matched], test.identity(images.label(c)), toA[median]);
        return files;
    }

    private static BufferedImage toBufferedImage(ImageSource images, int index) {
        byte[] chw = images.imageBytes(index);
        int h = images.height();
        int w = images.width();
        if (images.channels() == 1) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, w, h, chw);
            return img;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int p = 0; p < plane; p++) {
            img.setRGB(p % w, p / w, (chw[p] & 0xff) << 16 | (chw[plane + p] & 0xff) << 8 | (chw[2 * plane + p] & 0xff));
        }
        return img;
    }

    private static double round(double v) {
        return Math.round(v * 10000.0) / 10000.0;
    }

    /** Runs the workflow; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new FaceVerification(), args));
    }
}
