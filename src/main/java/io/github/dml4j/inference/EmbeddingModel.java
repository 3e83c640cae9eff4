package io.github.dml4j.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.training.ParameterStore;
import ai.djl.translate.TranslateException;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.eval.ThresholdCalibration;
import io.github.dml4j.provenance.TrainingProvenance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A trained embedding network ready for use: a DJL {@link Model} whose block is an
 * {@link EmbeddingNet}, together with its {@link ModelCard}. It saves to and loads from a model
 * directory, and embeds images, either DJL {@link Image}s or {@link LabeledImages}.
 *
 * <p>A model directory holds {@value #PARAMETER_FILE} (the parameters, written by DJL's
 * {@link Model#save}) and {@value ModelCard#FILE_NAME} (the card). It is also a plain DJL model
 * directory: {@link #criteria(Path)} loads it with DJL's {@link Criteria}, or by hand with
 * {@link EmbeddingNetBlockFactory} and {@link EmbeddingTranslatorFactory}.
 *
 * <p>Thread safety: the {@code embed} methods may be called from many threads at once. DJL
 * predictors are not thread-safe, so each call to {@link #embed(List)} creates its own
 * {@link Predictor} (cheap: it shares the model's parameters) and closes it; the other
 * {@code embed} methods run the network directly with a parameter store of their own. Closing
 * the model while another thread embeds is not supported.
 *
 * <p>Memory: every batch runs in its own sub-manager, closed after the batch, so embedding tens
 * of thousands of images needs memory for one batch plus the result.
 */
public final class EmbeddingModel implements AutoCloseable {

    /** Name of the model, and prefix of its parameter file. */
    public static final String MODEL_NAME = "embedding";

    /** File name of the parameters in a model directory. */
    public static final String PARAMETER_FILE = MODEL_NAME + "-0000.params";

    /** Images per forward pass in the batched {@code embed} methods. */
    public static final int BATCH_SIZE = 256;

    private static final Logger LOGGER = LoggerFactory.getLogger(EmbeddingModel.class);
    private static final Pattern PARAMETER_FILES = Pattern.compile(Pattern.quote(MODEL_NAME) + "-\\d{4}\\.params");
    private static final String TEMP_PREFIX = ".saving-";

    private final Model model;
    private final EmbeddingNet net;
    private volatile ModelCard card;
    private final Distance distance;
    private final EmbeddingTranslator translator;
    private volatile boolean closed;

    private EmbeddingModel(Model model, EmbeddingNet net, ModelCard card) {
        this.model = model;
        this.net = net;
        this.card = card;
        this.distance = Distance.named(card.distance());
        this.translator = card.input().colour() == null ? null : EmbeddingTranslator.of(card);
    }

    /**
     * Wraps a trained network, described by {@link ModelCard#describe(EmbeddingNet)} without
     * training provenance.
     *
     * @throws IllegalArgumentException if the network is not initialized
     */
    public static EmbeddingModel of(EmbeddingNet trainedNet) {
        return of(trainedNet, ModelCard.describe(trainedNet));
    }

    /**
     * Wraps a trained network, described by {@link ModelCard#describe(EmbeddingNet)} with the
     * given training provenance.
     *
     * @throws IllegalArgumentException if the network is not initialized
     */
    public static EmbeddingModel of(EmbeddingNet trainedNet, TrainingProvenance provenance) {
        return of(trainedNet, ModelCard.describe(trainedNet).withTraining(provenance));
    }

    /**
     * Wraps a trained network and its card. The network's parameters stay where they are (in
     * the manager they were initialized in) and are not closed by {@link #close()}.
     *
     * @throws IllegalArgumentException if the network is not initialized or the card does not
     *     describe it
     */
    public static EmbeddingModel of(EmbeddingNet trainedNet, ModelCard card) {
        Objects.requireNonNull(trainedNet, "trainedNet");
        Objects.requireNonNull(card, "card");
        if (!trainedNet.isInitialized()) {
            throw new IllegalArgumentException(
                    "The network is not initialized: train it, or call net.initialize(manager), before wrapping it.");
        }
        card.checkDescribes(trainedNet);
        PairList<String, Parameter> parameters = trainedNet.getParameters();
        Model model;
        if (parameters.isEmpty()) {
            model = Model.newInstance(MODEL_NAME);
        } else {
            NDArray any = parameters.valueAt(0).getArray();
            model = Model.newInstance(MODEL_NAME, any.getDevice(), any.getManager().getEngine().getEngineName());
        }
        model.setBlock(trainedNet);
        return new EmbeddingModel(model, trainedNet, card);
    }

    /**
     * Loads a model saved by {@link #save(Path)} on the default device of the engine named in its
     * card (or of the default engine if that one is not available).
     *
     * @throws ModelLoadException naming the path and the problem: the directory or a file is
     *     missing, the card is not valid JSON or of an unsupported format version, the parameter
     *     file is corrupt or truncated, or it does not match the card's architecture
     * @throws IOException if reading fails otherwise
     */
    public static EmbeddingModel load(Path dir) throws IOException {
        return load(dir, null);
    }

    /**
     * Loads a model saved by {@link #save(Path)} onto {@code device}; see {@link #load(Path)}.
     * The directory is only read, never changed.
     *
     * @param device the device, or null for the engine's default
     * @throws IOException if the model cannot be loaded, as for {@link #load(Path)}
     */
    public static EmbeddingModel load(Path dir, Device device) throws IOException {
        Path root = checkModelDirectory(dir);
        Path cardFile = root.resolve(ModelCard.FILE_NAME);
        ModelCard card = ModelCard.read(cardFile);
        EmbeddingNet net = newNet(card, cardFile);
        Path paramFile = root.resolve(PARAMETER_FILE);
        checkParameterHeader(paramFile);

        String engine = engineName(card);
        Device dev = device == null ? Engine.getEngine(engine).defaultDevice() : device;
        Map<String, Shape> expected = expectedShapes(card, engine, dev);
        Model model = Model.newInstance(MODEL_NAME, dev, engine);
        boolean done = false;
        try {
            model.setBlock(net);
            try {
                model.load(root, MODEL_NAME, Map.of("epoch", "0"));
            } catch (MalformedModelException | IOException | RuntimeException e) {
                String problem = e instanceof EOFException ? "it ends too early" : String.valueOf(e.getMessage());
                throw new ModelLoadException(paramFile, "The parameter file " + paramFile
                        + " is corrupt or truncated, or was saved from another architecture than the "
                        + card.architecture().backboneConfig() + " in " + ModelCard.FILE_NAME + ": " + problem, e);
            }
            checkShapes(net, expected, paramFile, card);
            checkRecordedInput(model, card, paramFile);
            // DJL restores the input shapes of a loaded block but not its input names, so
            // describeInput(), which Model.save calls, fails with "key value size mismatch".
            // Initializing an initialized block only sets them; the loaded parameters are kept.
            net.initialize(model.getNDManager());
            done = true;
        } finally {
            if (!done) {
                model.close();
            }
        }
        LOGGER.debug("Loaded {} from {}", net, root);
        return new EmbeddingModel(model, net, card);
    }

    /**
     * Returns DJL {@link Criteria} that load the model in {@code dir} as a {@code ZooModel<Image,
     * float[]>}, with the network rebuilt from the card by {@link EmbeddingNetBlockFactory} and
     * images prepared by the card's {@link EmbeddingTranslator}. Its predictors give the same
     * embeddings as {@link #embed(Image)}.
     *
     * @throws ModelLoadException if the directory, card or parameter file is missing or the card invalid
     */
    public static Criteria<Image, float[]> criteria(Path dir) throws IOException {
        Path root = checkModelDirectory(dir);
        Path cardFile = root.resolve(ModelCard.FILE_NAME);
        ModelCard card = ModelCard.read(cardFile);
        newNet(card, cardFile);
        Path paramFile = root.resolve(PARAMETER_FILE);
        checkParameterHeader(paramFile);
        EmbeddingTranslator translator;
        try {
            translator = EmbeddingTranslator.of(card);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(cardFile, "The model in " + root + " cannot take images: " + e.getMessage(), e);
        }
        return Criteria.builder()
                .setTypes(Image.class, float[].class)
                .optModelPath(root)
                .optModelName(MODEL_NAME)
                .optEngine(engineName(card))
                .optOption("epoch", "0")
                .optArgument("blockFactory", EmbeddingNetBlockFactory.class.getName())
                .optTranslator(translator)
                .build();
    }

    /**
     * Saves the parameters ({@value #PARAMETER_FILE}) and the card ({@value ModelCard#FILE_NAME})
     * to {@code dir}, creating it and its parents if needed.
     *
     * <p>{@code dir} must be new, empty, or a DML4J model directory (one holding a model card),
     * whose model is then replaced: its card and parameter files, including parameter files of
     * other epochs that DJL would otherwise load instead. Other files in it are kept. Both
     * files are written to a temporary directory inside {@code dir} first and then moved into
     * place, parameters first and card last, so an interrupted save never leaves a card whose
     * parameter file is incomplete.
     *
     * @throws IOException if {@code dir} is a file, a non-empty directory without a model card,
     *     or writing fails
     */
    public void save(Path dir) throws IOException {
        checkOpen();
        Path target = dir.toAbsolutePath().normalize();
        boolean replacing = false;
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new IOException("Cannot save the model to " + target + ": it exists and is not a directory.");
            }
            List<String> entries;
            try (Stream<Path> s = Files.list(target)) {
                entries = s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(TEMP_PREFIX)).sorted()
                        .collect(Collectors.toList());
            }
            if (!entries.isEmpty()) {
                if (!Files.isRegularFile(target.resolve(ModelCard.FILE_NAME))) {
                    throw new IOException("Refusing to save the model to " + target + ": the directory is not empty ("
                            + String.join(", ", entries.subList(0, Math.min(5, entries.size())))
                            + (entries.size() > 5 ? ", ..." : "") + ") and holds no " + ModelCard.FILE_NAME
                            + ", so it is not a DML4J model directory. Choose a new or empty directory.");
                }
                replacing = true;
            }
        } else {
            Files.createDirectories(target);
        }
        Path temp = Files.createTempDirectory(target, TEMP_PREFIX);
        try {
            try (Model writer = Model.newInstance(MODEL_NAME, model.getNDManager().getDevice(),
                    model.getNDManager().getEngine().getEngineName())) {
                writer.setBlock(net);
                writer.save(temp, MODEL_NAME);
            }
            Path params = temp.resolve(PARAMETER_FILE);
            if (!Files.isRegularFile(params)) {
                throw new IOException("DJL did not write " + PARAMETER_FILE + " in " + temp + ".");
            }
            Path cardFile = temp.resolve(ModelCard.FILE_NAME);
            card.write(cardFile);
            move(params, target.resolve(PARAMETER_FILE));
            if (replacing) {
                deleteOtherParameterFiles(target);
            }
            move(cardFile, target.resolve(ModelCard.FILE_NAME));
        } finally {
            deleteRecursively(temp);
        }
        LOGGER.debug("Saved {} to {}", net, target);
    }

    /**
     * Embeds one image, converted as described by {@link EmbeddingTranslator}.
     *
     * @return the embedding, of length {@link #embeddingSize()}
     * @throws IllegalStateException if the model is closed or embedding fails in the engine
     * @throws IllegalArgumentException if the model does not take grayscale or RGB images
     */
    public float[] embed(Image image) {
        Objects.requireNonNull(image, "image");
        return embed(List.of(image))[0];
    }

    /**
     * Embeds images in batches of {@value #BATCH_SIZE}, with one {@link Predictor} created for
     * this call.
     *
     * @return one embedding per image, in order
     * @throws IllegalStateException if the model is closed or embedding fails in the engine
     * @throws IllegalArgumentException if the model does not take grayscale or RGB images
     */
    public float[][] embed(List<Image> images) {
        checkOpen();
        if (translator == null) {
            throw new IllegalArgumentException("This model takes " + card.input().channels()
                    + "-channel input, not grayscale or RGB images: use embed(NDManager, LabeledImages).");
        }
        float[][] result = new float[images.size()][];
        if (images.isEmpty()) {
            return result;
        }
        try (Predictor<Image, float[]> predictor = model.newPredictor(translator)) {
            for (int start = 0; start < images.size(); start += BATCH_SIZE) {
                int end = Math.min(images.size(), start + BATCH_SIZE);
                List<float[]> batch = predictor.batchPredict(images.subList(start, end));
                for (int i = start; i < end; i++) {
                    result[i] = batch.get(i - start);
                }
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("Embedding " + images.size() + " images failed: " + e.getMessage(), e);
        }
        return result;
    }

    /**
     * Embeds a set of images in batches of {@value #BATCH_SIZE}, each in its own sub-manager, and
     * returns the float32 (N, D) embeddings in {@code manager}. Suited to evaluation sets of tens
     * of thousands of images: memory holds one batch plus the result.
     *
     * @throws IllegalArgumentException if the images are not of the card's input shape
     * @throws IllegalStateException if the model is closed
     */
    public NDArray embed(NDManager manager, LabeledImages images) {
        return embed(manager, images, false);
    }

    /**
     * Embeds a set of images as {@link #embed(NDManager, LabeledImages)}, optionally averaged
     * with the embedding of each image's mirror image (flipped left-right), as face
     * verification evaluations often do; the average is L2-normalized again when the network
     * normalizes its output.
     */
    public NDArray embed(NDManager manager, LabeledImages images, boolean flipAverage) {
        checkInputShape(images);
        ModelCard.Input in = card.input();
        int n = images.size();
        int d = embeddingSize();
        float[] out = new float[Math.multiplyExact(n, d)];
        for (int start = 0; start < n; start += BATCH_SIZE) {
            int end = Math.min(n, start + BATCH_SIZE);
            long[] idx = java.util.stream.LongStream.range(start, end).toArray();
            try (NDManager batch = model.getNDManager().newSubManager()) {
                NDArray x = images.toNDArray(batch, idx, in.pixelNormalization());
                NDArray y = forward(batch, x);
                if (flipAverage) {
                    y = y.add(forward(batch, x.flip(3))).div(2);
                    if (net.isNormalize()) {
                        y = y.normalize(2, 1);
                    }
                }
                System.arraycopy(y.toFloatArray(), 0, out, start * d, (end - start) * d);
            }
        }
        return manager.create(out, new Shape(n, d));
    }

    /**
     * The similarity score of two embeddings under the card's distance, higher = more similar:
     * the cosine similarity for {@code cosine}, minus the Euclidean distance for {@code l2}.
     * It is on the scale of the card's threshold.
     *
     * @throws IllegalArgumentException if an embedding is not of length {@link #embeddingSize()}
     */
    public double score(float[] a, float[] b) {
        checkOpen();
        for (float[] e : new float[][] {a, b}) {
            if (Objects.requireNonNull(e, "embedding").length != embeddingSize()) {
                throw new IllegalArgumentException("An embedding of this model has " + embeddingSize()
                        + " values, got " + e.length + ".");
            }
        }
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray x = scope.create(a, new Shape(1, a.length));
            NDArray y = scope.create(b, new Shape(1, b.length));
            return distance.toScore(distance.paired(x, y)).getFloat(0);
        }
    }

    /**
     * Decides whether two images show the same identity: embeds both, scores them with
     * {@link #score(float[], float[])} and compares the score with the card's calibrated
     * threshold.
     *
     * @throws IllegalStateException if the card has no threshold (the message says how to
     *     calibrate one) or the model is closed
     */
    public Verification verify(Image a, Image b) {
        double threshold = requireThreshold();
        float[][] e = embed(List.of(Objects.requireNonNull(a, "a"), Objects.requireNonNull(b, "b")));
        double s = score(e[0], e[1]);
        return new Verification(s, threshold, s >= threshold);
    }

    /**
     * Decides whether two embeddings (from this model) show the same identity; see
     * {@link #verify(Image, Image)}.
     */
    public Verification verify(float[] a, float[] b) {
        double threshold = requireThreshold();
        double s = score(a, b);
        return new Verification(s, threshold, s >= threshold);
    }

    /**
     * Stores a threshold calibrated on held-out pairs in this model's card, so that
     * {@link #verify(Image, Image)} and galleries decide with it; {@link #save(Path)} writes it.
     * Concurrent callers see either the old or the new card.
     */
    public void calibrate(ThresholdCalibration calibration) {
        Objects.requireNonNull(calibration, "calibration");
        card = card.withCalibration(calibration);
    }

    /** The distance embeddings are compared with, named by the card. */
    public Distance distance() {
        return distance;
    }

    /**
     * The card's threshold.
     *
     * @throws IllegalStateException if the card has none, saying how to calibrate one
     */
    double requireThreshold() {
        Double threshold = card.threshold();
        if (threshold == null) {
            throw new IllegalStateException("The model card has no calibrated threshold, so same/different cannot be "
                    + "decided. Calibrate one on held-out pairs of identities not used in training: score them "
                    + "(eval.PairScores), then model.calibrate(ThresholdCalibration.forTargetFar(scores, same, 1e-3)) "
                    + "or ThresholdCalibration.bestAccuracy(scores, same), and save the model; "
                    + "examples/run FaceVerification does this.");
        }
        return threshold;
    }

    /**
     * Embeds one image given as unsigned bytes in (C, H, W) order, of the card's input shape,
     * exactly as {@link #embed(NDManager, LabeledImages)} would.
     *
     * @throws IllegalArgumentException if the length is not channels x height x width
     */
    public float[] embedPixels(byte[] chw) {
        checkOpen();
        ModelCard.Input in = card.input();
        long expected = (long) in.channels() * in.height() * in.width();
        if (chw.length != expected) {
            throw new IllegalArgumentException("Got " + chw.length + " pixel bytes but the model takes "
                    + in.channels() + "x" + in.height() + "x" + in.width() + " = " + expected + ".");
        }
        try (NDManager batch = model.getNDManager().newSubManager()) {
            NDArray raw = batch.create(java.nio.ByteBuffer.wrap(chw), new Shape(1, in.channels(), in.height(), in.width()),
                    DataType.UINT8);
            return forward(batch, in.pixelNormalization().apply(raw)).toFloatArray();
        }
    }

    private void checkInputShape(LabeledImages images) {
        checkOpen();
        ModelCard.Input in = card.input();
        if (images.channels() != in.channels() || images.height() != in.height() || images.width() != in.width()) {
            throw new IllegalArgumentException("The images are " + images.channels() + "x" + images.height() + "x"
                    + images.width() + " but the model takes " + in.channels() + "x" + in.height() + "x" + in.width()
                    + " (channels x height x width).");
        }
    }

    private NDArray forward(NDManager manager, NDArray batch) {
        NDList out = net.forward(new ParameterStore(manager, false), new NDList(batch), false);
        return out.singletonOrThrow();
    }

    /**
     * Creates a DJL predictor from images to embeddings on this model. As all DJL predictors it
     * is not thread-safe: use one per thread, and close it.
     */
    public Predictor<Image, float[]> newPredictor() {
        checkOpen();
        if (translator == null) {
            throw new IllegalArgumentException("This model takes " + card.input().channels()
                    + "-channel input, not grayscale or RGB images.");
        }
        return model.newPredictor(translator);
    }

    /** The model card. */
    public ModelCard card() {
        return card;
    }

    /** The embedding network. */
    public EmbeddingNet net() {
        return net;
    }

    /** Length of the embeddings. */
    public int embeddingSize() {
        return net.getEmbeddingSize();
    }

    /** The DJL model whose block is {@link #net()}. */
    public Model model() {
        return model;
    }

    /** The translator from images to embeddings, or null if the model takes neither grey nor RGB images. */
    public EmbeddingTranslator translator() {
        return translator;
    }

    /**
     * Closes the DJL model and, for a loaded model, its parameters. A model made by
     * {@code of(net, ...)} leaves the network's parameters to their own manager.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            model.close();
        }
    }

    @Override
    public String toString() {
        return "EmbeddingModel{" + net + ", distance=" + card.distance() + (closed ? ", closed" : "") + '}';
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("This EmbeddingModel is closed.");
        }
    }

    // ---- loading helpers ----

    private static Path checkModelDirectory(Path dir) throws ModelLoadException {
        Objects.requireNonNull(dir, "dir");
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.exists(root)) {
            throw new ModelLoadException(root, "Cannot load a model from " + root + ": the directory does not exist.");
        }
        if (!Files.isDirectory(root)) {
            throw new ModelLoadException(root, "Cannot load a model from " + root + ": it is not a directory.");
        }
        if (!Files.exists(root.resolve(ModelCard.FILE_NAME))) {
            throw new ModelLoadException(root.resolve(ModelCard.FILE_NAME), "Cannot load a model from " + root
                    + ": its model card " + ModelCard.FILE_NAME
                    + " is missing, so it is not a DML4J model directory (one written by EmbeddingModel.save).");
        }
        return root;
    }

    private static EmbeddingNet newNet(ModelCard card, Path cardFile) throws ModelLoadException {
        try {
            return card.newNet();
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(cardFile, "The model card " + cardFile + " describes no valid network: "
                    + e.getMessage(), e);
        }
    }

    private static String engineName(ModelCard card) {
        String name = card.engine().name();
        return Engine.hasEngine(name) ? name : Engine.getDefaultEngineName();
    }

    /** Checks the start of a DJL parameter file, which DJL itself would silently skip if wrong. */
    private static void checkParameterHeader(Path file) throws ModelLoadException {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "Cannot load the model in " + file.getParent() + ": its parameter file "
                    + file.getFileName() + " is missing.");
        }
        try (InputStream in = Files.newInputStream(file);
             DataInputStream data = new DataInputStream(in)) {
            byte[] magic = new byte[4];
            int read = data.readNBytes(magic, 0, 4);
            if (read < 4 || !"DJL@".equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new ModelLoadException(file, "The parameter file " + file + " is "
                        + (read == 0 ? "empty" : "not a DJL parameter file (it does not start with DJL@)") + ".");
            }
            int version = data.readInt();
            if (version != 1) {
                throw new ModelLoadException(file, "The parameter file " + file + " has DJL format version " + version
                        + "; this DJL (" + Engine.getDjlVersion() + ") reads version 1.");
            }
        } catch (EOFException e) {
            throw new ModelLoadException(file, "The parameter file " + file + " is truncated: it ends in its header.", e);
        } catch (ModelLoadException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelLoadException(file, "The parameter file " + file + " cannot be read: " + e, e);
        }
    }

    /** Parameter shapes of the card's architecture, from a throwaway network initialized for its input. */
    private static Map<String, Shape> expectedShapes(ModelCard card, String engine, Device device) {
        EmbeddingNet probe = card.newNet();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager(device, engine)) {
            probe.initialize(manager);
            for (Pair<String, Parameter> p : probe.getParameters()) {
                shapes.put(p.getKey(), p.getValue().getArray().getShape());
            }
        }
        return shapes;
    }

    private static void checkShapes(EmbeddingNet net, Map<String, Shape> expected, Path file, ModelCard card)
            throws ModelLoadException {
        List<String> problems = new ArrayList<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            Shape want = expected.get(p.getKey());
            Parameter parameter = p.getValue();
            if (!parameter.isInitialized()) {
                problems.add("parameter " + p.getKey() + " is not in the file");
            } else if (want != null && !want.equals(parameter.getArray().getShape())) {
                problems.add("parameter " + p.getKey() + " has shape " + parameter.getArray().getShape()
                        + " in the file but " + want + " in the architecture");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelLoadException(file, "The parameter file " + file + " does not match the architecture "
                    + card.architecture().backboneConfig() + " in " + ModelCard.FILE_NAME + ": "
                    + String.join("; ", problems.subList(0, Math.min(3, problems.size())))
                    + (problems.size() > 3 ? "; and " + (problems.size() - 3) + " more" : "") + ".");
        }
    }

    /** The parameter file records the input shape it was saved with; it must be the card's. */
    private static void checkRecordedInput(Model model, ModelCard card, Path file) throws ModelLoadException {
        PairList<String, Shape> recorded = model.describeInput();
        if (recorded == null || recorded.size() != 1) {
            return;
        }
        Shape shape = recorded.valueAt(0);
        ModelCard.Input in = card.input();
        Shape want = new Shape(in.channels(), in.height(), in.width());
        if (shape.dimension() == 4 && !shape.slice(1).equals(want)) {
            throw new ModelLoadException(file, "The parameter file " + file + " was saved for input " + shape.slice(1)
                    + " but " + ModelCard.FILE_NAME + " says " + want + " (channels, height, width).");
        }
    }

    // ---- saving helpers ----

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteOtherParameterFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.collect(Collectors.toList())) {
                String name = p.getFileName().toString();
                if (!name.equals(PARAMETER_FILE) && PARAMETER_FILES.matcher(name).matches() && Files.isRegularFile(p)) {
                    LOGGER.info("Removing {} of the replaced model, which DJL would load instead of {}", p, PARAMETER_FILE);
                    Files.delete(p);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOGGER.warn("Could not delete the temporary directory {}: {}", dir, e.toString());
        }
    }
}
