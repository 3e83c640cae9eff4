package io.github.dml4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import io.github.dml4j.backbone.ConvNet;
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
import java.util.stream.LongStream;
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

    @Option(names = "--data", description = "Identity folder (one sub-folder of JPEG/PNG/PGM/PPM images per identity); "
            + "without it synthetic faces are generated.")
    Path data;

    @Option(names = "--pairs", description = "An LFW-style pairs.txt over --data to use as the test pairs "
            + "(its identities are then the test part); by default test pairs are drawn from the test identities.")
    Path pairsFile;

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

    @Option(names = "--epochs", defaultValue = "40", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--m", defaultValue = "4", description = "Images per identity in a batch (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--batch-size", description = "Images per batch, a multiple of --m (default: " + DEFAULT_BATCH
            + ", or fewer when the training identities cannot fill it: at most two thirds of them in a batch).")
    Integer batchSize;

    @Option(names = "--far", defaultValue = "0.01", description = "Target false accept rate of the calibrated threshold "
            + "(default ${DEFAULT-VALUE}).")
    double far;

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

    @Option(names = "--flip", description = "Average each test embedding with its mirror image's (evaluation only; "
            + "the exported threshold is calibrated without, as Verify embeds).")
    boolean flip;

    @Option(names = "--out", defaultValue = "target/face-model", description = "Model directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--plots", defaultValue = "target/face-plots", description = "Plot directory (default ${DEFAULT-VALUE}).")
    Path plots;

    @Option(names = "--samples", defaultValue = "target/face-samples",
            description = "Where three test images for the Verify example are written (default ${DEFAULT-VALUE}).")
    Path samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    CheckpointOptions checkpoints = new CheckpointOptions();

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        checkOptions();
        ImagePreprocessing preprocessing = ImagePreprocessing.builder().setSize(size, size)
                .optColor(rgb ? ColorMode.RGB : ColorMode.GRAYSCALE).build();

        // 1. identities, split by identity into train / calibration / test
        IdentityImages all = load(preprocessing);
        System.out.printf(Locale.ROOT, "%s: %,d images of %,d identities (%d singletons, %d files skipped)%n",
                data == null ? "Synthetic faces" : data, all.size(), all.numIdentities(), all.singletons().size(),
                all.skipped().size());
        IdentitySplit split;
        PairList testPairs = null;
        if (pairsFile != null) {
            testPairs = PairList.read(pairsFile, all);
            split = splitAroundPairs(all, testPairs);
            testPairs = PairList.read(pairsFile, split.test());
        } else {
            split = IdentitySplit.split(all, new IdentitySplit.Fractions(0.6, 0.2, 0.2), seed);
        }
        System.out.println(split.summary());
        ImageSource train = split.train().images();
        // what the split can give is settled before training: the batch, the calibration and the test pairs
        int batch = fitBatch(split.train());
        PairList calibrationPairs = calibrationPairs(split.calibration());
        if (testPairs == null) {
            testPairs = testPairs(split.test());
        }

        // 2. the shared embedding network, a head, augmentation, training
        PixelNormalization normalization = PixelNormalization.estimate(train);
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(new ConvNet(new int[] {16, 32, 64, 128}, 64))
                .setInputShape(preprocessing.channels(), size, size)
                .optNormalize(true)
                .optPixelNormalization(normalization)
                .build();
        MetricHead metricHead = head.build(net, split.train().numIdentities(), CenterLoss.CenterUpdate.WEN);
        MetricTrainer.Builder trainerBuilder = MetricTrainer.builder().setHead(metricHead).optEpochs(epochs)
                .optLearningRate(learningRate).optSeed(seed);
        MetricTrainer trainer = checkpoints.apply(trainerBuilder, checkpoints.directory(null)).build();
        ImageAugmentation augmentation = ImageAugmentation.builder()
                .optRandomCrop(Math.max(1, size / 16))
                .optHorizontalFlip(0.5)
                .optRotation(8)
                .optBrightness(0.85, 1.15)
                .optContrast(0.85, 1.15)
                .optSeed(seed)
                .build();
        ClassBatches batches = ClassBatches.builder().setImages(train).setNormalization(normalization)
                .optM(m).optBatchSize(batch).optSeed(seed).optAugmentation(augmentation).build();
        System.out.printf(Locale.ROOT, "Training %s on %,d images for %d epochs with %s%n", metricHead.describe(),
                train.size(), epochs, augmentation);
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
            ThresholdClustering.Result clusters = ThresholdClustering.builder().setThreshold(calibration.threshold())
                    .optLinkage(ThresholdClustering.Linkage.AVERAGE).optDistance(model.distance())
                    .optK(Math.max(1, Math.min(test.size() - 1, 2000))) // exact average linkage up to 2,001 images
                    .build()
                    .cluster(testEmbeddings);
            double nmi = ClusteringMetrics.nmi(test.labels(), clusters.assignments());
            double ami = ClusteringMetrics.ami(test.labels(), clusters.assignments());
            System.out.printf(Locale.ROOT, "Threshold clustering: %d clusters for %d identities, NMI %.4f, AMI %.4f%n",
                    clusters.count(), split.test().numIdentities(), nmi, ami);

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
            summary.put("clusters", clusters.count());
            summary.put("cluster_nmi", round(nmi));
            summary.put("train_img_per_s", Math.round(history.trainImagesPerSecond()));
            summary.put("wall_s", Math.round((System.nanoTime() - start) / 1e9));
            summary.put("peak_rss_mb", Math.round(ProcessMemory.peakResidentMb()));
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
                .atLeast("--epochs", epochs, 1)
                .positive("--lr", learningRate)
                .openFraction("--far", far)
                .atLeast("--calibration-pairs", calibrationPairs, 1)
                .atLeast("--test-pairs-per-fold", testPairsPerFold, 1)
                .require(pairsFile == null || data != null, "--pairs names images of --data; give --data as well");
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
        long[] matchedCounts = IntStream.of(multi).mapToLong(l -> (long) part.imageCount(l) * (part.imageCount(l) - 1) / 2)
                .sorted().toArray();
        long[] imageCounts = IntStream.of(multi).mapToLong(part::imageCount).sorted().toArray();
        int maxFolds = multi.length / 2;
        if (maxFolds >= 2) {
            int k = folds != null ? folds : Math.min(DEFAULT_FOLDS, maxFolds);
            if (k > maxFolds) {
                throw OptionChecks.error(this, "--folds " + k + " needs " + 2 * k + " test identities with two or more"
                        + " images (two per fold), but the test part has " + multi.length + ": use --folds " + maxFolds
                        + " or fewer.");
            }
            // a fold gets at least multi/k of these identities: the smallest bound what every fold can give
            int perFold = multi.length / k;
            long matched = 0;
            long mismatched = 0;
            long imagesSoFar = 0;
            for (int i = 0; i < perFold; i++) {
                matched += matchedCounts[i];
                mismatched += imagesSoFar * imageCounts[i];
                imagesSoFar += imageCounts[i];
            }
            int pairs = (int) Math.min(testPairsPerFold, Math.max(1, Math.min(matched / 2, mismatched / 2)));
            System.out.printf(Locale.ROOT, "Test pairs: %d folds of %d matched and %d mismatched pairs, each fold its"
                    + " own identities%n", k, pairs, pairs);
            return PairGenerator.builder().setPairsPerFold(pairs).optFolds(k).optSeed(seed + 1).build().generate(part);
        }
        long matched = LongStream.of(matchedCounts).sum();
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

    /** With a pairs file, its identities are the test part; the others split 3:1 into train and calibration. */
    private IdentitySplit splitAroundPairs(IdentityImages all, PairList pairs) {
        boolean[] inTest = new boolean[all.numIdentities()];
        for (int i = 0; i < pairs.size(); i++) {
            inTest[all.images().label(pairs.first()[i])] = true;
            inTest[all.images().label(pairs.second()[i])] = true;
        }
        int[] test = IntStream.range(0, inTest.length).filter(l -> inTest[l]).toArray();
        List<Integer> rest = new ArrayList<>(IntStream.range(0, inTest.length).filter(l -> !inTest[l]).boxed().toList());
        java.util.Collections.shuffle(rest, new java.util.Random(seed));
        int trainCount = (int) Math.round(rest.size() * 0.75);
        trainCount = Math.min(trainCount, rest.size() - 2);
        if (trainCount < 1) {
            throw new IllegalArgumentException("The pairs file names " + test.length + " of the " + inTest.length
                    + " identities; at least three others are needed: training, and two for calibration pairs.");
        }
        int[] trainIds = rest.subList(0, trainCount).stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] calibrationIds = rest.subList(trainCount, rest.size()).stream().mapToInt(Integer::intValue).sorted().toArray();
        return new IdentitySplit(all.selectIdentities(trainIds), all.selectIdentities(calibrationIds),
                all.selectIdentities(test));
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
