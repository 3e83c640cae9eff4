package io.github.dml4j.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import io.github.dml4j.attributes.AttributeClassifier;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.FileDigests;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads and writes model directories: a saved {@link EmbeddingModel} is a directory holding
 * {@value #PARAMETER_FILE} (the embedding network's parameters in DJL's format) and
 * {@value ModelCard#FILE_NAME} (its card). It is also a plain DJL model directory: {@link #criteria}
 * loads it with DJL's {@link Criteria}.
 *
 * <p>Reading checks everything it can before and after DJL loads the parameters (the card, the
 * parameter file's header, its size and SHA-256 against those the card records, every parameter's
 * presence and shape, the input shape recorded in the file) and fails with a
 * {@link ModelLoadException} naming the file and the problem; it never changes the directory.
 * Cards written before DML4J recorded the parameter file's SHA-256 still load, with a warning
 * (once per directory) that the parameters cannot be verified. Writing goes through a temporary
 * directory inside the target, parameters first and card last, so an interrupted write never
 * leaves a card beside incomplete parameters.
 */
public final class ModelDirectory {

    /** Name of the model, and prefix of its parameter file. */
    public static final String MODEL_NAME = "embedding";

    /** File name of the parameters in a model directory. */
    public static final String PARAMETER_FILE = MODEL_NAME + "-0000.params";

    private static final Logger LOGGER = LoggerFactory.getLogger(ModelDirectory.class);
    private static final Pattern PARAMETER_FILES = Pattern.compile(Pattern.quote(MODEL_NAME) + "-\\d{4}\\.params");
    private static final String TEMP_PREFIX = ".saving-";
    /** Parameter files whose card records no SHA-256, already warned about. */
    static final Set<Path> WARNED_UNVERIFIED = ConcurrentHashMap.newKeySet();

    private ModelDirectory() {}

    /**
     * Reads a model directory written by {@link #write} on the default device of the engine named in its
     * card (or of the default engine if that one is not available).
     *
     * @throws ModelLoadException naming the path and the problem: the directory or a file is
     *     missing, the card is not valid JSON, of an unsupported format version or names an
     *     unknown distance, the parameter file is corrupt, truncated or changed since it was
     *     saved (its size or SHA-256 is not the card's), or it does not match the card's architecture
     * @throws IOException if reading fails otherwise
     */
    public static EmbeddingModel read(Path dir) throws IOException {
        return read(dir, null);
    }

    /**
     * Reads a model directory written by {@link #write} onto {@code device}; see {@link #read(Path)}.
     * The directory is only read, never changed.
     *
     * @param device the device, or null for the engine's default
     * @throws IOException if the model cannot be loaded, as for {@link #read(Path)}
     */
    public static EmbeddingModel read(Path dir, Device device) throws IOException {
        Path root = checkModelDirectory(dir);
        Path cardFile = root.resolve(ModelCard.FILE_NAME);
        ModelCard card = ModelCard.read(cardFile);
        EmbeddingNet net = newNet(card, cardFile);
        Path paramFile = root.resolve(PARAMETER_FILE);
        checkParameterFile(paramFile, card, cardFile);

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
        AttributeClassifier attributes;
        try {
            attributes = readAttributes(root, card);
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        return EmbeddingModel.wrap(model, net, card, attributes);
    }

    /** The attribute classifier beside the card, or null if there is none. */
    private static AttributeClassifier readAttributes(Path root, ModelCard card) throws IOException {
        Path file = root.resolve(AttributeClassifier.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            if (card.attributes() != null && !card.attributes().isEmpty()) {
                throw new ModelLoadException(file, "The model card lists attributes " + card.attributes().stream()
                        .map(ModelCard.Attribute::name).toList() + ", but " + file + " is missing.");
            }
            return null;
        }
        AttributeClassifier attributes;
        try {
            attributes = AttributeClassifier.load(file);
        } catch (IOException e) {
            throw new ModelLoadException(file, e.getMessage(), e);
        }
        if (attributes.inputSize() != card.architecture().embeddingSize()) {
            throw new ModelLoadException(file, "The attribute classifier " + file + " takes embeddings of "
                    + attributes.inputSize() + " values, but the model's are " + card.architecture().embeddingSize()
                    + " long.");
        }
        // cards written before attributes were recorded list none; a card that lists them must agree
        if (card.attributes() != null && !card.attributes().equals(ModelCard.Attribute.of(attributes))) {
            throw new ModelLoadException(file, "The attribute classifier " + file + " answers "
                    + ModelCard.Attribute.of(attributes) + ", but the model card lists " + card.attributes() + ".");
        }
        return attributes;
    }

    /**
     * DJL {@link Criteria} as {@link #criteria(Path)}, with a translator that reads the embedding
     * with the attribute classifier saved in the directory ({@value AttributeClassifier#FILE_NAME}):
     * predictors answer attribute name to category name to probability.
     *
     * @throws ModelLoadException if the directory, card, parameter file or attribute classifier is
     *     missing or invalid
     */
    public static Criteria<Image, Map<String, Map<String, Float>>> attributeCriteria(Path dir) throws IOException {
        Criteria<Image, float[]> embedding = criteria(dir);
        Path root = checkModelDirectory(dir);
        ModelCard card = ModelCard.read(root.resolve(ModelCard.FILE_NAME));
        AttributeClassifier attributes = readAttributes(root, card);
        if (attributes == null) {
            throw new ModelLoadException(root.resolve(AttributeClassifier.FILE_NAME), "The model directory " + root
                    + " holds no " + AttributeClassifier.FILE_NAME + ": save a model with withAttributes(...) first.");
        }
        // Criteria take a class for the output type, and a generic map has none: the raw types end here
        @SuppressWarnings({"unchecked", "rawtypes"})
        Criteria<Image, Map<String, Map<String, Float>>> criteria = (Criteria<Image, Map<String, Map<String, Float>>>)
                (Criteria<?, ?>) Criteria.builder()
                        .setTypes(Image.class, Map.class)
                        .optModelPath(root)
                        .optModelName(MODEL_NAME)
                        .optEngine(engineName(card))
                        .optOption("epoch", "0")
                        .optArgument("blockFactory", EmbeddingNetBlockFactory.class.getName())
                        .optTranslator((ai.djl.translate.Translator) new AttributeTranslator(EmbeddingTranslator.of(card),
                                attributes))
                        .build();
        return criteria;
    }

    /**
     * Returns DJL {@link Criteria} that load the model in {@code dir} as a {@code ZooModel<Image,
     * float[]>}, with the network rebuilt from the card by {@link EmbeddingNetBlockFactory} and
     * images prepared by the card's {@link EmbeddingTranslator}. Its predictors give the same
     * embeddings as {@link EmbeddingModel#embed(Image)}. {@code loadModel()} checks the parameter
     * file against the card as {@link #read(Path)} does and fails with a {@link ModelLoadException}
     * naming the file if it is truncated or changed.
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
     * Writes a model's parameters ({@value #PARAMETER_FILE}) and card ({@value ModelCard#FILE_NAME})
     * to {@code dir}, creating it and its parents if needed. The card written records the parameter
     * file's size and SHA-256 ({@link ModelCard#parameterFile()}); the model's own card is unchanged.
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
    public static void write(EmbeddingModel model, Path dir) throws IOException {
        model.checkOpen();
        Model djlModel = model.model();
        EmbeddingNet net = model.net();
        ModelCard card = model.card();
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
            try (Model writer = Model.newInstance(MODEL_NAME, djlModel.getNDManager().getDevice(),
                    djlModel.getNDManager().getEngine().getEngineName())) {
                writer.setBlock(net);
                writer.save(temp, MODEL_NAME);
            }
            Path params = temp.resolve(PARAMETER_FILE);
            if (!Files.isRegularFile(params)) {
                throw new IOException("DJL did not write " + PARAMETER_FILE + " in " + temp + ".");
            }
            Path cardFile = temp.resolve(ModelCard.FILE_NAME);
            card.withParameterFile(ModelCard.FileDigest.of(params)).write(cardFile);
            move(params, target.resolve(PARAMETER_FILE));
            if (replacing) {
                deleteOtherParameterFiles(target);
            }
            move(cardFile, target.resolve(ModelCard.FILE_NAME));
            if (model.attributeClassifier().isPresent()) {
                model.attributeClassifier().get().save(target.resolve(AttributeClassifier.FILE_NAME));
            } else if (replacing) {
                // the replaced model's classifier read the old network's embeddings
                Files.deleteIfExists(target.resolve(AttributeClassifier.FILE_NAME));
            }
        } finally {
            deleteRecursively(temp);
        }
        LOGGER.debug("Saved {} to {}", net, target);
    }

    /**
     * The network for DJL's {@link Criteria}, as {@link EmbeddingNetBlockFactory} returns it: rebuilt
     * from the card in {@code modelDir} after the parameter file is checked against the card. A
     * card that records no SHA-256 gets the checks of {@link #read(Path, Device)} instead, by a
     * trial load onto {@code device}, so that a truncated file fails here, named, and not in DJL.
     */
    static EmbeddingNet criteriaNet(Path modelDir, Device device) throws IOException {
        Path root = checkModelDirectory(modelDir);
        Path cardFile = root.resolve(ModelCard.FILE_NAME);
        ModelCard card = ModelCard.read(cardFile);
        EmbeddingNet net = newNet(card, cardFile);
        if (!checkParameterFile(root.resolve(PARAMETER_FILE), card, cardFile)) {
            read(root, device).close();
        }
        return net;
    }

    // ---- loading helpers ----

    /**
     * Checks the parameter file's header and, if the card records them, its size and SHA-256.
     *
     * @return whether the file was verified against the card: false for a card without a digest
     */
    private static boolean checkParameterFile(Path paramFile, ModelCard card, Path cardFile) throws ModelLoadException {
        checkParameterHeader(paramFile);
        ModelCard.FileDigest recorded = card.parameterFile();
        if (recorded == null) {
            if (WARNED_UNVERIFIED.add(paramFile)) {
                LOGGER.warn("{} records no SHA-256 of {} (it was written before DML4J recorded one), so a changed or"
                        + " corrupted parameter file cannot be detected; save the model again to record it.",
                        cardFile, paramFile.getFileName());
            }
            return false;
        }
        if (!recorded.name().equals(PARAMETER_FILE)) {
            throw new ModelLoadException(cardFile, "The model card " + cardFile + " records the parameter file '"
                    + recorded.name() + "', but a model directory's parameter file is " + PARAMETER_FILE + ".");
        }
        try {
            long size = Files.size(paramFile);
            if (size < recorded.size()) {
                throw new ModelLoadException(paramFile, "The parameter file " + paramFile + " is truncated: it has "
                        + size + " bytes, but " + ModelCard.FILE_NAME + " records " + recorded.size()
                        + ". Copy the model directory again from where it was saved.");
            }
            if (size != recorded.size()) {
                throw new ModelLoadException(paramFile, "The parameter file " + paramFile + " has " + size
                        + " bytes, but " + ModelCard.FILE_NAME + " records " + recorded.size()
                        + ": it was changed or replaced since the model was saved.");
            }
            String sha256 = FileDigests.sha256(paramFile);
            if (!sha256.equals(recorded.sha256())) {
                throw new ModelLoadException(paramFile, "The parameter file " + paramFile + " was changed since the"
                        + " model was saved: its SHA-256 is " + sha256 + ", but " + ModelCard.FILE_NAME + " records "
                        + recorded.sha256() + ". Copy the model directory again from where it was saved.");
            }
        } catch (ModelLoadException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelLoadException(paramFile, "The parameter file " + paramFile + " cannot be read: " + e, e);
        }
        return true;
    }

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
