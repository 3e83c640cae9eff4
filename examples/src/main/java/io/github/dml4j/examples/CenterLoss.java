package io.github.dml4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.FashionMnist;
import io.github.dml4j.eval.EmbeddingEvaluator;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.MultipleLosses;
import io.github.dml4j.loss.SoftmaxLoss;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.provenance.TrainingHistory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;

/**
 * Softmax plus center loss (Wen et al. 2016) on the shared embedding network: a linear softmax
 * classifier on the embedding and learned class centres, both owned by their losses, with the
 * centres moved by the paper's rule outside the optimizer ({@code --center-update WEN}, the
 * default), by SGD ({@code SGD}) or trained by the optimizer ({@code OPTIMIZER}). Evaluates retrieval and clustering before and
 * after training, exports the embedding network alone, shows that neither the classifier nor the
 * centres are in the saved model, and checks that the reloaded model reproduces the results.
 */
@Command(name = "CenterLoss", mixinStandardHelpOptions = true,
        description = "Trains softmax + center loss on Fashion-MNIST, evaluates retrieval before and after,"
                + " and exports the embedding network without the classifier and the centres.")
public final class CenterLoss implements Callable<Integer> {

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lambda", defaultValue = "0.01", description = "Weight of the centre term (default ${DEFAULT-VALUE}).")
    float lambda;

    @Option(names = "--alpha", defaultValue = "0.5", description = "Rate of Wen et al.'s centre update (default ${DEFAULT-VALUE}).")
    float alpha;

    @Option(names = "--center-update", defaultValue = "WEN",
            description = "WEN: the paper's rule in each step, outside the optimizer; SGD: plain SGD at rate alpha;"
                    + " OPTIMIZER: centres trained by the optimizer (default ${DEFAULT-VALUE}).")
    io.github.dml4j.loss.CenterLoss.CenterUpdate centerUpdate;

    @Option(names = "--center-lr-mult", description = "Centres' learning rate as a multiple of --lr, with --center-update OPTIMIZER (default 1).")
    Float centerLearningRateMultiplier;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--batch-size", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--m", defaultValue = "16", description = "Images per class in a batch (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--out", defaultValue = "target/center-loss-model",
            description = "Directory the model is exported to (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data", description = "Use the full Fashion-MNIST files in this directory instead of the shipped sample.")
    Path data;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        new OptionChecks(this)
                .atLeast("--epochs", epochs, 1)
                .notNegative("--lambda", lambda)
                .closedFraction("--alpha", alpha)
                .require(centerLearningRateMultiplier == null
                        || centerUpdate == io.github.dml4j.loss.CenterLoss.CenterUpdate.OPTIMIZER,
                        "--center-lr-mult applies only with --center-update OPTIMIZER (WEN and SGD move the centres at"
                                + " rate --alpha)")
                .positive("--center-lr-mult", centerLearningRateMultiplier == null ? 1 : centerLearningRateMultiplier)
                .positive("--lr", learningRate)
                .classBatch("--batch-size", batchSize, "--m", m)
                .directory("--data", data)
                .check();
        LabeledImages train = data == null ? SampleData.sample(FashionMnist.Split.TRAIN) : SampleData.full(data, FashionMnist.Split.TRAIN);
        LabeledImages test = data == null ? SampleData.sample(FashionMnist.Split.TEST) : SampleData.full(data, FashionMnist.Split.TEST);
        int classes = Arrays.stream(train.labels()).max().orElse(0) + 1;
        if (batchSize / m > classes) {
            throw OptionChecks.error(this, "--batch-size " + batchSize + " needs " + batchSize / m + " classes of --m "
                    + m + " images, but the training images have " + classes + ": use --batch-size " + classes * m
                    + " or less, or a larger --m.");
        }
        System.out.printf("Fashion-MNIST %s: %d train and %d test images, %d classes%n",
                data == null ? "sample" : "from " + data, train.size(), test.size(), classes);

        // 1. the shared embedding network, and the loss: a softmax classifier plus lambda times
        //    center loss, each owning its parameters (classifier, class centres)
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(ConvNet.small(64))
                .setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST)
                .build();
        SoftmaxLoss softmax = SoftmaxLoss.builder().setNumClasses(classes).build();
        io.github.dml4j.loss.CenterLoss.Builder centerBuilder = io.github.dml4j.loss.CenterLoss.builder()
                .setNumClasses(classes)
                .optAlpha(alpha)
                .optCenterUpdate(centerUpdate);
        if (centerLearningRateMultiplier != null) {
            centerBuilder.optLearningRateMultiplier(centerLearningRateMultiplier);
        }
        io.github.dml4j.loss.CenterLoss centers = centerBuilder.build();
        MetricHead head = MetricHead.builder()
                .setEmbeddingNet(net)
                .setLoss(MultipleLosses.builder().addLoss(softmax).addLoss(centers, lambda).build())
                .build();
        ClassBatches batches = ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                .optM(m).optBatchSize(batchSize).optSeed(seed).build();
        MetricTrainer trainer = MetricTrainer.builder()
                .setHead(head)
                .optEpochs(epochs)
                .optLearningRate(learningRate)
                .optSeed(seed)
                .build();
        System.out.println("Head: " + head.describe());

        // 2. measure the untrained network, train, measure again
        trainer.initialize();
        EmbeddingEvaluator evaluator = EmbeddingEvaluator.builder().optSeed(seed).build();
        RetrievalReport before = evaluate(evaluator, net, test);
        System.out.println("Untrained: " + summary(before));
        TrainingHistory history = trainer.fit(batches);
        System.out.println("Loss per epoch: " + Arrays.toString(Arrays.stream(history.losses())
                .mapToObj(l -> String.format(Locale.ROOT, "%.4f", l)).toArray()));
        RetrievalReport after = evaluate(evaluator, net, test);
        System.out.println("Trained:   " + summary(after));
        System.out.printf(Locale.ROOT, "Softmax classifier on the test images: accuracy %.4f; mean distance to the own centre %.4f%n",
                classifierAccuracy(net, softmax, test), meanDistanceToOwnCentre(net, centers, test));

        // 3. export the embedding network alone: the head (classifier and centres) is dropped
        TrainingProvenance provenance = TrainingProvenance.builder()
                .setDatasetName(data == null ? "fashion-mnist-sample" : "fashion-mnist")
                .optHistory(history)
                .addMetric(RetrievalReport.PRECISION_AT_1, after.precisionAt1())
                .addMetric(RetrievalReport.R_PRECISION, after.rPrecision())
                .addMetric(RetrievalReport.MAP_AT_R, after.meanAveragePrecisionAtR())
                .build();
        try (EmbeddingModel trained = EmbeddingModel.of(net, provenance)) {
            trained.save(out);
        }
        System.out.println("Saved to " + out.toAbsolutePath());

        // 4. load it back: only the embedding network's parameters are there, and it embeds as trained
        try (EmbeddingModel loaded = EmbeddingModel.load(out)) {
            Set<String> saved = new HashSet<>(loaded.net().getParameters().keys());
            long headOnly = head.getParameters().size() - net.getParameters().size();
            boolean leaked = saved.stream().anyMatch(n -> n.contains("classifier") || n.contains("centers"));
            Parameter centres = centers.getCenters();
            System.out.printf(Locale.ROOT, "The saved model holds %d parameters, the embedding network's %d; the head's other %d"
                            + " (classifier weight and bias, %s centres) are not saved%s.%n",
                    saved.size(), net.getParameters().size(), headOnly, centres.getShape(), leaked ? " -- BUT SOME ARE" : "");
            if (leaked || saved.size() != net.getParameters().size()) {
                System.err.println("The saved model holds parameters of the head: " + saved);
                return 1;
            }
            RetrievalReport reloaded = evaluate(evaluator, loaded.net(), test);
            System.out.println("Reloaded:  " + summary(reloaded));
            if (reloaded.precisionAt1() != after.precisionAt1()
                    || reloaded.meanAveragePrecisionAtR() != after.meanAveragePrecisionAtR()) {
                System.err.println("The reloaded model does not reproduce the trained model's results.");
                return 1;
            }
        }
        System.out.printf(Locale.ROOT, "Precision@1 %.4f -> %.4f, MAP@R %.4f -> %.4f, NMI %.4f -> %.4f%n",
                before.precisionAt1(), after.precisionAt1(),
                before.meanAveragePrecisionAtR(), after.meanAveragePrecisionAtR(),
                before.nmi(), after.nmi());
        return 0;
    }

    private static NDArray embed(NDManager manager, EmbeddingNet net, LabeledImages images) {
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            NDArray embeddings = model.embed(manager, images);
            return embeddings;
        }
    }

    private static RetrievalReport evaluate(EmbeddingEvaluator evaluator, EmbeddingNet net, LabeledImages images) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return evaluator.evaluate(embed(manager, net, images), images.labels());
        }
    }

    /** Share of test images whose classifier logit is largest for the true class. */
    private static double classifierAccuracy(EmbeddingNet net, SoftmaxLoss softmax, LabeledImages images) {
        try (NDManager manager = NDManager.newBaseManager()) {
            long correct = 0;
            for (long start = 0; start < images.size(); start += EmbeddingModel.BATCH_SIZE) {
                long[] idx = LongStream.range(start, Math.min(images.size(), start + EmbeddingModel.BATCH_SIZE)).toArray();
                try (NDManager batch = manager.newSubManager()) {
                    NDArray x = images.toNDArray(batch, idx, net.getPixelNormalization());
                    ParameterStore ps = new ParameterStore(batch, false);
                    NDList embeddings = net.forward(ps, new NDList(x), false);
                    NDArray logits = softmax.getClassifier().forward(ps, embeddings, false).head();
                    NDArray truth = images.labelsNDArray(batch, idx);
                    correct += logits.argMax(1).eq(truth).toType(DataType.INT64, false).sum().getLong();
                }
            }
            return correct / (double) images.size();
        }
    }

    /** Mean Euclidean distance of the test embeddings to their class centre. */
    private static double meanDistanceToOwnCentre(EmbeddingNet net, io.github.dml4j.loss.CenterLoss centers,
                                                  LabeledImages images) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray e = embed(manager, net, images);
            NDArray labels = images.labelsNDArray(manager, LongStream.range(0, images.size()).toArray());
            NDArray own = io.github.dml4j.loss.CenterLoss.ownCenters(labels, centers.getCenters().getArray());
            return e.sub(own).square().sum(new int[] {1}).sqrt().mean().getFloat();
        }
    }

    private static String summary(RetrievalReport r) {
        return String.format(Locale.ROOT, "Precision@1 %.4f  R-Precision %.4f  MAP@R %.4f  NMI %.4f",
                r.precisionAt1(), r.rPrecision(), r.meanAveragePrecisionAtR(), r.nmi());
    }

    /** Runs the example; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new CenterLoss(), args));
    }
}
