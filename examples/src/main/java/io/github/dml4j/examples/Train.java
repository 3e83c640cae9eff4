package io.github.dml4j.examples;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.github.dml4j.backbone.Backbone;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.backbone.ResNet;
import io.github.dml4j.backbone.TorchScriptBackbone;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.IdentityFolder;
import io.github.dml4j.data.IdentityImages;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.data.StreamingImages;
import io.github.dml4j.datasets.SyntheticIdentities;
import io.github.dml4j.eval.EmbeddingEvaluator;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.provenance.EpochResult;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.train.ClassBatches;
import io.github.dml4j.train.MetricTrainer;
import io.github.dml4j.train.TrainingProgress;
import io.github.dml4j.train.Validation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Trains an embedding model on any folder with one sub-folder of images per class or identity:
 * splits the classes into training and validation classes (never shared), prints validation
 * Precision@1 and MAP@R before and after training, and exports the model.
 */
@Command(name = "Train", mixinStandardHelpOptions = true,
        description = "Trains an embedding model on a folder of class sub-folders, validates on unseen classes, exports it.")
public final class Train implements Callable<Integer> {

    @Option(names = "--data", description = "Folder with one sub-folder of images per class (default: 60 generated"
            + " identities written as PNG files to target/synthetic-identities, then read back as any folder).")
    Path data;

    @Option(names = "--backbone", defaultValue = "convnet-s",
            description = "convnet-s, resnet18, resnet34, resnet50, or a TorchScript file PATH.pt (default ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--size", description = "Image side in pixels (default 28 for convnet-s, 64 for a ResNet, 224 for a .pt file).")
    Integer size;

    @Option(names = "--rgb", description = "Colour images (default grey; a .pt file always takes colour).")
    boolean rgb;

    @Option(names = "--embedding", defaultValue = "128", description = "Embedding length (default ${DEFAULT-VALUE}).")
    int embedding;

    @Option(names = "--loss", defaultValue = "triplet", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ProtocolHeads loss;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--freeze-backbone-epochs", defaultValue = "0",
            description = "First train only the projection (and the loss's parameters) for this many of the epochs (default ${DEFAULT-VALUE}).")
    int freezeEpochs;

    @Option(names = "--backbone-lr-mult", defaultValue = "1",
            description = "Learning-rate multiplier of the backbone below its projection (default ${DEFAULT-VALUE}; e.g. 0.1 for a pretrained one).")
    float backboneLrMult;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size, a multiple of --m (default ${DEFAULT-VALUE}; smaller if the classes cannot fill it).")
    int batchSize;

    @Option(names = "--m", defaultValue = "4", description = "Images per class in a batch (default ${DEFAULT-VALUE}).")
    int m;

    @Option(names = "--val-fraction", defaultValue = "0.2", description = "Share of the classes kept for validation (default ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--out", defaultValue = "target/train-model", description = "Model directory to export to (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "Engine threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--stream", description = "Read the images from disk as training needs them (StreamingImages),"
            + " for folders larger than memory, instead of loading them all first.")
    boolean stream;

    @Option(names = "--cache", description = "With --stream: a file of the images decoded at the training size, built"
            + " on the first run and reused (checked against the files) on the next.")
    Path cache;

    @Option(names = "--decoder-threads", defaultValue = "2",
            description = "With --stream: threads decoding images (default ${DEFAULT-VALUE}).")
    int decoderThreads;

    @Mixin
    CheckpointOptions checkpoints = new CheckpointOptions();

    @Option(names = "--validate-every", defaultValue = "0", description = "Evaluate MAP@R on the validation classes"
            + " every this many epochs and keep the best epoch's network (default ${DEFAULT-VALUE}: only before and after).")
    int validateEvery;

    @Option(names = "--patience", defaultValue = "0", description = "With --validate-every: stop after this many"
            + " evaluations without improvement (default ${DEFAULT-VALUE}: never early).")
    int patience;

    @Option(names = "--memory", description = "Print resident memory at every tenth of each epoch and its peak.")
    boolean memory;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        if (data == null) {
            data = Path.of("target", "synthetic-identities");
            if (!Files.isDirectory(data)) {
                SyntheticIdentities.builder().setIdentities(60).optImagesPerIdentity(12).optImageSize(64).optChannels(3)
                        .optSeed(seed).build().generate().writeFolder(data, "png");
                System.out.println("Wrote 60 generated identities to " + data.toAbsolutePath());
            }
        }
        EngineThreads.set(threads);
        boolean torchScript = backbone.endsWith(".pt");
        int side = size != null ? size : torchScript ? 224 : backbone.equals("convnet-s") ? 28 : 64;
        ColorMode colour = rgb || torchScript ? ColorMode.RGB : ColorMode.GRAYSCALE;
        ImagePreprocessing preprocessing = ImagePreprocessing.builder().setSize(side, side).optColor(colour).build();
        // the backbone first: a TorchScript file is checked before any image is read
        Backbone chosen = newBackbone(side, colour.channels());

        ImageSource all;
        if (stream) {
            StreamingImages.Builder b = StreamingImages.builder().setFolder(data).setPreprocessing(preprocessing)
                    .optDecoderThreads(decoderThreads);
            if (cache != null) {
                b.optCache(cache);
            }
            StreamingImages streamed = b.build();
            System.out.printf(Locale.ROOT, "%s: %,d images of %,d classes, read from disk as needed by %d decoder"
                    + " threads%s (%d files skipped)%n", data, streamed.size(), streamed.classNames().size(), decoderThreads,
                    cache == null ? "" : ", decoded once into " + cache, streamed.skipped().size());
            all = streamed;
        } else {
            IdentityImages loaded = IdentityFolder.builder().setRoot(data).setPreprocessing(preprocessing).build().load();
            System.out.printf(Locale.ROOT, "%s: %,d images of %,d classes (%d files skipped)%n", data, loaded.size(),
                    loaded.numIdentities(), loaded.skipped().size());
            all = loaded.images();
        }
        if (memory) {
            System.out.printf(Locale.ROOT, "Resident memory after reading the folder: %.0f MB (peak %.0f MB)%n",
                    ProcessMemory.residentMb(), ProcessMemory.peakResidentMb());
        }
        ImageSource[] split = splitClasses(all);
        ImageSource train = split[0];
        ImageSource validation = split[1];
        int trainClasses = train.numClasses();
        int batch = fitBatch(train);
        System.out.printf(Locale.ROOT, "Training classes: %d (%,d images); validation classes: %d (%,d images);"
                + " batches of %d = %d classes x m = %d%n", trainClasses, train.size(), validation.numClasses(),
                validation.size(), batch, batch / m, m);

        // streamed images: estimated on a random sample of 5,000 rather than a decode of every file
        PixelNormalization normalization = torchScript ? PixelNormalization.IMAGENET
                : PixelNormalization.estimate(stream ? sample(train, 5000) : train);
        EmbeddingNet net = newNet(chosen, side, colour.channels(), normalization, freezeEpochs > 0);
        MetricHead head = loss.build(net, trainClasses, CenterLoss.CenterUpdate.WEN);
        MetricTrainer trainer = trainer(head, freezeEpochs > 0 ? freezeEpochs : epochs, null, null);
        trainer.initialize();
        report("Before training", net, validation);
        if (freezeEpochs > 0) {
            System.out.printf(Locale.ROOT, "Epochs 1-%d: the backbone frozen below its projection (%s)%n", freezeEpochs,
                    net.getFrozenParts());
            trainer = trainer(head, freezeEpochs, phaseDirectory(1), null);
            trainer.fit(batches(train, normalization, batch, 0));
            // a network of the same architecture without the frozen parts takes over the weights
            EmbeddingNet unfrozen = newNet(chosen, side, colour.channels(), normalization, false);
            MetricHead next = loss.build(unfrozen, trainClasses, CenterLoss.CenterUpdate.WEN);
            copyParameters(head, next);
            net = unfrozen;
            head = next;
            System.out.printf(Locale.ROOT, "Epochs %d-%d: all of it%n", freezeEpochs + 1, epochs);
        }
        trainer = trainer(head, epochs - freezeEpochs, phaseDirectory(freezeEpochs > 0 ? 2 : 0), validation);
        TrainingHistory history = trainer.fit(batches(train, normalization, batch, 1));
        EpochResult last = history.epochs().isEmpty() ? null : history.epochs().get(history.epochs().size() - 1);
        if (last != null) {
            System.out.printf(Locale.ROOT, "Last epoch: %,d images in %.1f s, %.0f train images/s%n", last.images(),
                    last.seconds(), last.imagesPerSecond());
        }
        if (history.selection() != null) {
            System.out.printf(Locale.ROOT, "Kept epoch %d (%s %.4f)%s%n", history.selection().epoch(),
                    history.selection().metric(), history.selection().value(),
                    history.stoppedEarly() ? ", stopped early" : "");
        }
        report("After training", net, validation);
        if (memory) {
            System.out.printf(Locale.ROOT, "Peak resident memory: %.0f MB%n", ProcessMemory.peakResidentMb());
        }

        try (EmbeddingModel model = EmbeddingModel.of(net, ModelCard.describe(net).withPreprocessing(preprocessing))) {
            model.save(out);
        }
        System.out.println("Exported to " + out.toAbsolutePath() + " (load with EmbeddingModel.load)");
        return 0;
    }

    /** Every option checked before any image is read or generated. */
    private void checkOptions() {
        List<String> problems = new ArrayList<>();
        if (data != null && !Files.isDirectory(data)) {
            problems.add("--data " + data + (Files.exists(data) ? " is not a directory" : ": no such directory"));
        }
        List<String> known = List.of("convnet-s", "resnet18", "resnet34", "resnet50");
        if (backbone.endsWith(".pt")) {
            if (!Files.isRegularFile(Path.of(backbone))) {
                problems.add("--backbone " + backbone + ": no such file");
            }
        } else if (!known.contains(backbone)) {
            problems.add("--backbone " + backbone + " names no backbone; choose one of " + known + " or a TorchScript file ending in .pt");
        }
        if (size != null && (size < 8 || size > 1024)) {
            problems.add("--size must be between 8 and 1024, got " + size);
        }
        if (embedding < 1) {
            problems.add("--embedding must be positive, got " + embedding);
        }
        if (epochs < 1) {
            problems.add("--epochs must be positive, got " + epochs);
        }
        if (freezeEpochs < 0 || freezeEpochs >= epochs) {
            problems.add("--freeze-backbone-epochs must be at least 0 and fewer than --epochs (" + epochs + "), got " + freezeEpochs);
        }
        if (!(backboneLrMult > 0) || !Float.isFinite(backboneLrMult)) {
            problems.add("--backbone-lr-mult must be positive, got " + backboneLrMult);
        }
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            problems.add("--lr must be positive, got " + learningRate);
        }
        if (m < 2) {
            problems.add("--m must be at least 2 (a class needs two images in a batch to make a positive pair), got " + m);
        }
        if (m >= 2 && (batchSize < 2 * m || batchSize % m != 0)) {
            problems.add("--batch-size must be a multiple of --m (" + m + ") and hold at least two classes, got " + batchSize);
        }
        if (!(valFraction > 0 && valFraction < 1)) {
            problems.add("--val-fraction must be between 0 and 1, got " + valFraction);
        }
        if (threads < 1) {
            problems.add("--threads must be positive, got " + threads);
        }
        if (cache != null && !stream) {
            problems.add("--cache needs --stream");
        }
        if (decoderThreads < 1) {
            problems.add("--decoder-threads must be positive, got " + decoderThreads);
        }
        if (validateEvery < 0) {
            problems.add("--validate-every must be 0 or more epochs, got " + validateEvery);
        }
        if (patience < 0) {
            problems.add("--patience must be 0 or more, got " + patience);
        }
        if (patience > 0 && validateEvery == 0) {
            problems.add("--patience needs --validate-every");
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(new CommandLine(this), String.join("; ", problems) + ".");
        }
        checkpoints.check(new OptionChecks(this), "phase-1").check();
    }

    /** Up to {@code n} images drawn at random, without repeats. */
    private ImageSource sample(ImageSource images, int n) {
        if (images.size() <= n) {
            return images;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        return images.subset(order.subList(0, n).stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    /** Classes drawn at random into training and validation (at least 2 each), each relabelled 0..k-1. */
    private ImageSource[] splitClasses(ImageSource images) {
        int classes = images.numClasses();
        int validationClasses = (int) Math.round(classes * valFraction);
        if (classes < 4) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--data " + data + " has " + classes
                    + " classes with images; training and validation need at least 2 each.");
        }
        validationClasses = Math.max(2, Math.min(classes - 2, validationClasses));
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            order.add(c);
        }
        Collections.shuffle(order, new Random(seed));
        int[] validationLabels = order.subList(0, validationClasses).stream().mapToInt(Integer::intValue).sorted().toArray();
        int[] trainLabels = order.subList(validationClasses, classes).stream().mapToInt(Integer::intValue).sorted().toArray();
        return new ImageSource[] {images.selectClasses(trainLabels), images.selectClasses(validationLabels)};
    }

    /** The batch size: --batch-size, or as many classes of m images as the training classes fill. */
    private int fitBatch(ImageSource train) {
        int[] counts = new int[train.numClasses()];
        for (int label : train.labels()) {
            counts[label]++;
        }
        int usable = 0;
        for (int c : counts) {
            usable += c >= 2 ? 1 : 0;
        }
        if (usable < 2) {
            throw new CommandLine.ParameterException(new CommandLine(this), "Only " + usable
                    + " training class has two or more images: no positive pair can be formed; add images or"
                    + " lower --val-fraction.");
        }
        int classesPerBatch = Math.min(batchSize / m, usable);
        if (classesPerBatch < batchSize / m) {
            System.out.printf(Locale.ROOT, "--batch-size %d needs %d classes of m = %d images; the training split has %d"
                    + " classes with two or more images, so batches hold %d images%n", batchSize, batchSize / m, m,
                    usable, classesPerBatch * m);
        }
        return classesPerBatch * m;
    }

    private Backbone newBackbone(int side, int channels) {
        return switch (backbone) {
            case "convnet-s" -> ConvNet.small(embedding);
            case "resnet18", "resnet34", "resnet50" -> ResNet.builder()
                    .setDepth(Integer.parseInt(backbone.substring(6)))
                    .setEmbeddingSize(embedding)
                    .optSmallInput(side <= 64)
                    .build();
            default -> TorchScriptBackbone.builder().setFile(Path.of(backbone)).setInputShape(channels, side, side)
                    .optEmbeddingSize(embedding).build();
        };
    }

    private EmbeddingNet newNet(Backbone b, int side, int channels, PixelNormalization normalization, boolean frozen) {
        EmbeddingNet.Builder builder = EmbeddingNet.builder().setBackbone(b).setInputShape(channels, side, side)
                .optPixelNormalization(normalization);
        // the parts below the final projection: the module of a TorchScript backbone, or every part
        // of a built-in one but its last (the projection), read off a network that allocates nothing
        List<String> body = b instanceof TorchScriptBackbone ? List.of("backbone/module") : bodyParts(builder.build());
        if (frozen) {
            builder.optFreeze(body.toArray(new String[0]));
        } else if (backboneLrMult != 1f) {
            for (String part : body) {
                builder.optLearningRateMultiplier(part, backboneLrMult);
            }
        }
        return builder.build();
    }

    /** The top-level parts of the backbone except its projection. */
    private static List<String> bodyParts(EmbeddingNet net) {
        List<String> top = new ArrayList<>();
        for (String part : net.parts()) {
            if (part.chars().filter(ch -> ch == '/').count() == 1) {
                top.add(part);
            }
        }
        return top.subList(0, top.size() - 1);
    }

    private MetricTrainer trainer(MetricHead head, int trainEpochs, Path checkpointDirectory, ImageSource validation) {
        MetricTrainer.Builder b = MetricTrainer.builder().setHead(head).optEpochs(trainEpochs).optLearningRate(learningRate)
                .optSeed(seed);
        checkpoints.apply(b, checkpointDirectory);
        if (validation != null && validateEvery > 0) {
            b.optValidation(Validation.builder().setImages(validation).optEvery(validateEvery).optPatience(patience)
                    .build());
        }
        if (memory) {
            b.optListeners(new TrainingProgress(), new MemoryListener());
        }
        return b.build();
    }

    /** The checkpoint directory of a training phase: --checkpoints itself, or phase-1 and phase-2 with frozen epochs. */
    private Path phaseDirectory(int phase) {
        return checkpoints.directory(phase == 0 ? null : "phase-" + phase);
    }

    /** Prints resident memory at every tenth of an epoch. */
    private static final class MemoryListener extends TrainingListenerAdapter {
        @Override
        public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            long total = batchData.getBatch().getProgressTotal();
            long done = batchData.getBatch().getProgress();
            if (total >= 10 && done % Math.max(1, total / 10) == 0 || done == total) {
                System.out.printf(Locale.ROOT, "  batch %d/%d: resident memory %.0f MB%n", done, total,
                        ProcessMemory.residentMb());
            }
        }
    }

    private ClassBatches batches(ImageSource train, PixelNormalization normalization, int batch, long phase) {
        return ClassBatches.builder().setImages(train).setNormalization(normalization).optM(m).optBatchSize(batch)
                .optSeed(seed + phase).build();
    }

    /** Copies every parameter of {@code from} (network and loss) into {@code to}, of the same architecture. */
    private static void copyParameters(MetricHead from, MetricHead to) throws IOException, MalformedModelException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream os = new DataOutputStream(bytes)) {
            from.saveParameters(os);
        }
        // arrays read into the new network belong to the new network's manager: a TorchScript module
        // read into the old one's was freed with it when the garbage collector finalized the old model
        NDManager manager = to.getParameters().values().stream().filter(ai.djl.nn.Parameter::isInitialized)
                .findFirst().orElse(from.getParameters().valueAt(0)).getArray().getManager();
        to.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    }

    private void report(String when, EmbeddingNet net, ImageSource validation) {
        try (EmbeddingModel model = EmbeddingModel.of(net); NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = model.embed(manager, validation);
            RetrievalReport r = EmbeddingEvaluator.builder().optClustering(false).optSeed(seed).build()
                    .evaluate(embeddings, validation.labels());
            System.out.printf(Locale.ROOT, "%s, validation classes: Precision@1 %.4f, MAP@R %.4f%n", when,
                    r.precisionAt1(), r.meanAveragePrecisionAtR());
        }
    }

    /** Runs the example; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new Train(), args));
    }
}
