package io.github.dml4j.examples;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.datasets.FashionMnist;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.TripletMarginMiner;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.provenance.TrainingHistory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The walking skeleton end to end: trains a triplet embedding model on the Fashion-MNIST sample
 * that ships with the examples, evaluates it before and after training, exports it, loads it
 * back and checks that the loaded model embeds exactly as the trained one.
 */
@Command(name = "Quickstart", mixinStandardHelpOptions = true,
        description = "Trains, evaluates, exports and reloads a triplet embedding model on a Fashion-MNIST sample.")
public final class Quickstart implements Callable<Integer> {

    @Option(names = "--epochs", defaultValue = "20", description = "Epochs over the 3,000 sample images (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--out", defaultValue = "target/quickstart-model", description = "Directory the model is exported to (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data", description = "Use the full Fashion-MNIST files in this directory instead of the shipped sample.")
    Path data;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        new OptionChecks(this).atLeast("--epochs", epochs, 1).directory("--data", data).check();
        LabeledImages train = data == null ? SampleData.sample(FashionMnist.Split.TRAIN) : SampleData.full(data, FashionMnist.Split.TRAIN);
        LabeledImages test = data == null ? SampleData.sample(FashionMnist.Split.TEST) : SampleData.full(data, FashionMnist.Split.TEST);
        System.out.printf("Fashion-MNIST %s: %d train and %d test images, %d classes%n",
                data == null ? "sample" : "from " + data, train.size(), test.size(), train.numClasses());

        // 1. the shared embedding network and the head that trains it: triplet loss on semi-hard
        //    triplets mined inside batches of 8 classes x 16 images
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(ConvNet.small(64))
                .setInputShape(1, 28, 28)
                .optPixelNormalization(PixelNormalization.FASHION_MNIST)
                .build();
        MetricHead head = MetricHead.builder()
                .setEmbeddingNet(net)
                .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
                .optMiner(TripletMarginMiner.builder().optMargin(0.2f).optType(TripletMarginMiner.Type.SEMIHARD).build())
                .build();
        ClassBatches batches = ClassBatches.builder()
                .setImages(train)
                .setNormalization(net.getPixelNormalization())
                .optM(16).optBatchSize(128).optSeed(seed)
                .build();
        MetricTrainer trainer = MetricTrainer.builder()
                .setHead(head)
                .optEpochs(epochs)
                .optLearningRate(1e-3f)
                .optSeed(seed)
                .build();

        // 2. measure the untrained network, train, measure again
        trainer.initialize();
        RetrievalReport before = Retrieval.evaluate(net, test);
        System.out.println("Untrained: " + Retrieval.summary(before));
        TrainingHistory history = trainer.fit(batches);
        System.out.println("Loss per epoch: " + Retrieval.losses(history));
        RetrievalReport after = Retrieval.evaluate(net, test);
        System.out.println("Trained:   " + Retrieval.summary(after));

        // 3. export the embedding network with its model card (the head is dropped)
        TrainingProvenance provenance = TrainingProvenance.builder()
                .setDatasetName(data == null ? "fashion-mnist-sample" : "fashion-mnist")
                .optHistory(history)
                .addMetric("precision_at_1", after.precisionAt1())
                .addMetric("r_precision", after.rPrecision())
                .addMetric("mean_average_precision_at_r", after.meanAveragePrecisionAtR())
                .build();
        try (EmbeddingModel trained = EmbeddingModel.of(net, provenance)) {
            trained.save(out);
        }
        System.out.println("Saved to " + out.toAbsolutePath());

        // 4. what another program does: load the directory and embed images
        try (EmbeddingModel loaded = EmbeddingModel.load(out)) {
            RetrievalReport reloaded = Retrieval.evaluate(loaded, test);
            System.out.println("Reloaded:  " + Retrieval.summary(reloaded));
            if (reloaded.precisionAt1() != after.precisionAt1()
                    || reloaded.meanAveragePrecisionAtR() != after.meanAveragePrecisionAtR()) {
                System.err.println("The reloaded model does not reproduce the trained model's results.");
                return 1;
            }
            float[] embedding = loaded.embed(toImage(test, 0));
            System.out.printf(Locale.ROOT, "embed(image of a %s) -> %d floats, first %.4f%n",
                    FashionMnist.CLASS_NAMES.get(test.label(0)), embedding.length, embedding[0]);
        }
        System.out.printf(Locale.ROOT, "Precision@1 %.4f -> %.4f, MAP@R %.4f -> %.4f%n",
                before.precisionAt1(), after.precisionAt1(),
                before.meanAveragePrecisionAtR(), after.meanAveragePrecisionAtR());
        return 0;
    }

    /** One test image as a DJL Image, as an application would receive it. */
    private static Image toImage(LabeledImages images, int index) {
        byte[] pixels = images.imageBytes(index);
        BufferedImage image = new BufferedImage(images.width(), images.height(), BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, images.width(), images.height(), pixels);
        return ImageFactory.getInstance().fromImage(image);
    }

    /** Runs the quickstart; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new Quickstart(), args));
    }
}
