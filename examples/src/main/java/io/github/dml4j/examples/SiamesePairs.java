package io.github.dml4j.examples;

import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.FashionMnist;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.miner.PairMarginMiner;
import io.github.dml4j.sampler.BalancedPairSampler;
import io.github.dml4j.train.BatchSource;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.OptimizerType;
import io.github.dml4j.train.PairBatches;
import io.github.dml4j.provenance.TrainingHistory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * A Siamese network with contrastive loss, trained in either of its two ways on the shared
 * embedding network: on explicit image pairs drawn by a {@link BalancedPairSampler} with a
 * chosen positive share ({@code --mode pairs}), or on P x K batches whose pairs a
 * {@link PairMarginMiner} picks ({@code --mode mining}). Evaluates retrieval before and after,
 * exports the embedding network (the head is dropped) and checks that the reloaded model
 * reproduces the results.
 */
@Command(name = "SiamesePairs", mixinStandardHelpOptions = true,
        description = "Trains a Siamese (contrastive) embedding model on Fashion-MNIST, on balanced explicit pairs or"
                + " with pair-margin mining, evaluates retrieval before and after, and exports it.")
public final class SiamesePairs implements Callable<Integer> {

    /** How the pairs are formed. */
    enum Mode { pairs, mining }

    /** The optimizer, by its command-line name. */
    enum OptimizerName { adam, sgd, rmsprop }

    @Option(names = "--mode", defaultValue = "pairs",
            description = "pairs: explicit pairs, two inputs and a same/different label; mining: P x K batches,"
                    + " pairs mined in the batch (default ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--positive-share", defaultValue = "0.5",
            description = "Share of positive pairs in each batch, pairs mode (default ${DEFAULT-VALUE}).")
    double positiveShare;

    @Option(names = "--pairs-per-epoch",
            description = "Pairs drawn per epoch in pairs mode (default: the number of training images).")
    Integer pairsPerEpoch;

    @Option(names = "--pos-margin", defaultValue = "0",
            description = "Contrastive positive margin, also the miner's (default ${DEFAULT-VALUE}).")
    float posMargin;

    @Option(names = "--neg-margin", defaultValue = "1",
            description = "Contrastive negative margin, also the miner's (default ${DEFAULT-VALUE}).")
    float negMargin;

    @Option(names = "--epochs", defaultValue = "8", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--optimizer", defaultValue = "adam",
            description = "adam, sgd or rmsprop (default ${DEFAULT-VALUE}).")
    OptimizerName optimizer;

    @Option(names = "--batch-size", defaultValue = "64",
            description = "Pairs per batch in pairs mode (twice as many images), images per batch in mining mode"
                    + " (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--m", defaultValue = "16",
            description = "Images per class in a batch, mining mode (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--out", defaultValue = "target/siamese-model",
            description = "Directory the model is exported to (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data", description = "Use the full Fashion-MNIST files in this directory instead of the shipped sample.")
    Path data;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        OptionChecks checks = new OptionChecks(this)
                .atLeast("--epochs", epochs, 1)
                .positive("--lr", learningRate)
                .notNegative("--pos-margin", posMargin)
                .notNegative("--neg-margin", negMargin)
                .require(!(posMargin >= negMargin), "--pos-margin (" + posMargin + ") must be below --neg-margin ("
                        + negMargin + ")")
                .directory("--data", data);
        if (mode == Mode.pairs) {
            checks.openFraction("--positive-share", positiveShare)
                    .atLeast("--batch-size", batchSize, 2, "a batch needs a positive and a negative pair");
            if (pairsPerEpoch != null) {
                checks.atLeast("--pairs-per-epoch", pairsPerEpoch, batchSize, "one batch of --batch-size pairs");
            }
        } else {
            checks.classBatch("--batch-size", batchSize, "--m", m);
        }
        checks.check();
        LabeledImages train = data == null ? SampleData.sample(FashionMnist.Split.TRAIN) : SampleData.full(data, FashionMnist.Split.TRAIN);
        LabeledImages test = data == null ? SampleData.sample(FashionMnist.Split.TEST) : SampleData.full(data, FashionMnist.Split.TEST);
        System.out.printf("Fashion-MNIST %s: %d train and %d test images, %d classes%n",
                data == null ? "sample" : "from " + data, train.size(), test.size(), train.numClasses());
        if (mode == Mode.mining && batchSize / m > train.numClasses()) {
            throw OptionChecks.error(this, "--batch-size " + batchSize + " needs " + batchSize / m + " classes of --m "
                    + m + " images, but the training images have " + train.numClasses() + ": use --batch-size "
                    + train.numClasses() * m + " or less, or a larger --m.");
        }

        // 1. one embedding network; the Siamese head puts both branches on it
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(ConvNet.small(64))
                .setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST)
                .build();
        ContrastiveLoss loss = ContrastiveLoss.builder().optPosMargin(posMargin).optNegMargin(negMargin).build();
        MetricHead.Builder headBuilder = MetricHead.builder().setEmbeddingNet(net).setLoss(loss);
        if (mode == Mode.mining) {
            headBuilder.optMiner(PairMarginMiner.builder().optPosMargin(posMargin).optNegMargin(negMargin)
                    .optDistance(loss.getDistance()).build());
        }
        MetricHead head = headBuilder.build();

        // 2. where the batches come from
        BatchSource batches;
        if (mode == Mode.pairs) {
            BalancedPairSampler sampler = BalancedPairSampler.builder()
                    .setLabels(train.labels())
                    .setBatchSize(batchSize)
                    .optPositiveShare(positiveShare)
                    .optLength(pairsPerEpoch == null ? train.size() : pairsPerEpoch)
                    .optSeed(seed)
                    .build();
            PairDataset pairs = PairDataset.builder()
                    .setImages(train)
                    .optNormalization(net.getPixelNormalization())
                    .setSampling(sampler)
                    .build();
            batches = new PairBatches(pairs, sampler);
            System.out.printf(Locale.ROOT, "Explicit pairs: %d batches of %d pairs (%d positive) per epoch%n",
                    sampler.batchesPerEpoch(), batchSize, sampler.positivesPerBatch());
        } else {
            batches = ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                    .optM(m).optBatchSize(batchSize).optSeed(seed).build();
            System.out.printf(Locale.ROOT, "Batch mining: %d batches of %d classes x %d images per epoch%n",
                    batches.batchesPerEpoch(), batchSize / m, m);
        }
        MetricTrainer trainer = MetricTrainer.builder()
                .setHead(head)
                .optEpochs(epochs)
                .optOptimizer(OptimizerType.valueOf(optimizer.name().toUpperCase(Locale.ROOT)))
                .optLearningRate(learningRate)
                .optSeed(seed)
                .build();
        System.out.println("Head: " + head.describe());

        // 3. measure the untrained network, train, measure again
        trainer.initialize();
        RetrievalReport before = Retrieval.evaluate(net, test);
        System.out.println("Untrained: " + Retrieval.summary(before));
        long trainStart = System.nanoTime();
        TrainingHistory history = trainer.fit(batches);
        double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
        System.out.println("Loss per epoch: " + Retrieval.losses(history));
        RetrievalReport after = Retrieval.evaluate(net, test);
        System.out.println("Trained:   " + Retrieval.summary(after));

        // 4. export the embedding network alone, with its model card, and reload it
        TrainingProvenance.Builder provenance = TrainingProvenance.builder()
                .setDatasetName(data == null ? "fashion-mnist-sample" : "fashion-mnist")
                .optHistory(history);
        if (!Retrieval.exportAndReload(net, provenance, after, test, out)) {
            return 1;
        }
        System.out.printf(Locale.ROOT, "Precision@1 %.4f -> %.4f, MAP@R %.4f -> %.4f (%s mode, %.1f s training, %.1f s in all)%n",
                before.precisionAt1(), after.precisionAt1(),
                before.meanAveragePrecisionAtR(), after.meanAveragePrecisionAtR(),
                mode, trainSeconds, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** Runs the example; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new SiamesePairs(), args));
    }
}
