package io.github.dml4j.inference;

import ai.djl.engine.Engine;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import io.github.dml4j.Dml4j;
import io.github.dml4j.backbone.Backbone;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ColorMode;
import io.github.dml4j.data.FileDigests;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.eval.ThresholdCalibration;
import io.github.dml4j.provenance.TrainingProvenance;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The description saved next to a model's parameters, as {@code model-card.json}: everything
 * needed to rebuild the network and to feed it (architecture, input size, colour and pixel
 * normalization), how to compare its embeddings (distance, calibrated threshold), which
 * software made it (library and engine versions), how it was trained
 * ({@link TrainingProvenance}) and, once saved, the size and SHA-256 of the parameter file
 * ({@link FileDigest}), which loading checks. As Tribuo's model provenance, it is immutable; the
 * {@code with*} methods return changed copies.
 *
 * <p>The JSON is pretty printed, with camelCase keys equal to the record component names;
 * absent optional values are written as {@code null}. {@link #FORMAT_VERSION} is incremented
 * whenever a change would make an older DML4J misread a card; reading a card of a greater or
 * unknown version fails with a message naming the version found and the versions supported.
 *
 * @param formatVersion version of this card format, {@link #FORMAT_VERSION} for cards written now
 * @param library the library that wrote the model
 * @param engine the deep learning engine the model was trained with
 * @param architecture the network, enough to rebuild it
 * @param input what the network takes: image size, colour, pixel normalization
 * @param distance name of the distance to compare embeddings with, e.g. {@code "l2"} or {@code "cosine"}
 * @param threshold a calibrated decision threshold on the score scale of that distance (higher =
 *     more similar: the cosine similarity, or minus the Euclidean distance), or null if not
 *     calibrated; pairs scoring at least this are the same identity
 * @param calibration how the threshold was chosen and what it achieved on the calibration pairs,
 *     or null (cards written before calibration existed may hold a bare threshold)
 * @param training how the model was trained, or null if unknown
 * @param parameterFile the parameter file as {@link ModelDirectory#write} wrote it next to this card
 *     (name, size, SHA-256), or null for a card not written to a model directory yet and for
 *     cards written before DML4J recorded it, whose parameters cannot be verified
 * @param attributes the attributes the model answers ({@code attributes.json} beside the card):
 *     name, kind, categories, threshold and source; null for a model without attributes and for
 *     cards written before DML4J recorded them
 */
public record ModelCard(
        int formatVersion,
        Library library,
        EngineInfo engine,
        Architecture architecture,
        Input input,
        String distance,
        Double threshold,
        ThresholdCalibration calibration,
        TrainingProvenance training,
        FileDigest parameterFile,
        List<Attribute> attributes) {

    /** The card format version this DML4J writes. */
    public static final int FORMAT_VERSION = 1;

    /** The card format versions this DML4J reads. */
    public static final List<Integer> SUPPORTED_FORMAT_VERSIONS = List.of(1);

    /** File name of the card in a model directory. */
    public static final String FILE_NAME = "model-card.json";

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            .disableHtmlEscaping()
            .create();

    /** Validates that every required part is present and consistent. */
    public ModelCard {
        if (!SUPPORTED_FORMAT_VERSIONS.contains(formatVersion)) {
            throw new IllegalArgumentException(unsupportedVersion(Integer.toString(formatVersion)));
        }
        require(library, "library");
        require(engine, "engine");
        require(architecture, "architecture");
        require(input, "input");
        if (distance == null || distance.isBlank()) {
            throw new IllegalArgumentException("The model card needs the name of its distance, e.g. \"l2\" or \"cosine\".");
        }
        Distance.named(distance); // fails naming the unknown distance and the known ones
        if (threshold != null && !Double.isFinite(threshold)) {
            throw new IllegalArgumentException("The threshold must be finite, got " + threshold + ".");
        }
        if (calibration != null && (threshold == null || threshold != calibration.threshold())) {
            throw new IllegalArgumentException("The threshold " + threshold + " differs from the calibration's, "
                    + calibration.threshold() + ".");
        }
        if (attributes != null) {
            attributes = List.copyOf(attributes);
            java.util.Set<String> names = new java.util.HashSet<>();
            for (Attribute a : attributes) {
                if (!names.add(a.name())) {
                    throw new IllegalArgumentException("The model card lists attribute '" + a.name() + "' twice.");
                }
            }
        }
    }

    /**
     * A card without recorded attributes, as cards were before DML4J recorded them; see the
     * record's components.
     *
     * @throws IllegalArgumentException if a required part is missing or inconsistent
     */
    public ModelCard(int formatVersion, Library library, EngineInfo engine, Architecture architecture, Input input,
                     String distance, Double threshold, ThresholdCalibration calibration, TrainingProvenance training,
                     FileDigest parameterFile) {
        this(formatVersion, library, engine, architecture, input, distance, threshold, calibration, training,
                parameterFile, null);
    }

    /**
     * A card without a recorded parameter file, as cards are before {@link ModelDirectory#write}
     * writes them; see the record's components.
     *
     * @throws IllegalArgumentException if a required part is missing or inconsistent
     */
    public ModelCard(int formatVersion, Library library, EngineInfo engine, Architecture architecture, Input input,
                     String distance, Double threshold, ThresholdCalibration calibration, TrainingProvenance training) {
        this(formatVersion, library, engine, architecture, input, distance, threshold, calibration, training, null, null);
    }

    private static void require(Object value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("The model card has no '" + field + "'.");
        }
    }

    private static String unsupportedVersion(String found) {
        return "Model card format version " + found + " is not supported; this DML4J (" + Dml4j.version()
                + ") supports " + supportedVersions() + ".";
    }

    /**
     * Describes a network as it is now: its architecture and input, the running library and
     * engine, the default distance ({@code "cosine"} for a normalizing network, {@code "l2"}
     * otherwise), no threshold and no training provenance.
     *
     * @throws IllegalArgumentException if the backbone type is not registered in {@link BackboneRegistry}
     */
    public static ModelCard describe(EmbeddingNet net) {
        Objects.requireNonNull(net, "net");
        return new ModelCard(FORMAT_VERSION, Library.current(), EngineInfo.current(), Architecture.of(net),
                Input.of(net), net.isNormalize() ? "cosine" : "l2", null, null, null, null, null);
    }

    /**
     * Returns a copy comparing embeddings with the named distance; a different distance drops
     * the threshold and calibration, which were on the old distance's scale.
     */
    public ModelCard withDistance(String distanceName) {
        if (java.util.Objects.equals(distanceName, distance)) {
            return this;
        }
        // a threshold is on the old distance's score scale: it does not carry over
        return new ModelCard(formatVersion, library, engine, architecture, input, distanceName, null, null, training,
                parameterFile, attributes);
    }

    /** Returns a copy comparing embeddings with {@code distance} (its {@link Distance#name()}). */
    public ModelCard withDistance(Distance distance) {
        return withDistance(distance.name());
    }

    /**
     * Returns a copy with a bare threshold and no calibration record ({@code null} removes both);
     * prefer {@link #withCalibration(ThresholdCalibration)}, which records how it was chosen.
     */
    public ModelCard withThreshold(Double newThreshold) {
        return new ModelCard(formatVersion, library, engine, architecture, input, distance, newThreshold, null, training,
                parameterFile, attributes);
    }

    /** Returns a copy with the calibration and its threshold ({@code null} removes both). */
    public ModelCard withCalibration(ThresholdCalibration newCalibration) {
        return new ModelCard(formatVersion, library, engine, architecture, input, distance,
                newCalibration == null ? null : newCalibration.threshold(), newCalibration, training, parameterFile,
                attributes);
    }

    /**
     * Returns a copy whose input records how training images were fitted to the input size, so
     * that the model's translator prepares new images the same way.
     *
     * @throws IllegalArgumentException if the preprocessing's size or colour differs from the input's
     */
    public ModelCard withPreprocessing(ImagePreprocessing preprocessing) {
        Input i = input;
        if (preprocessing.channels() != i.channels() || preprocessing.height() != i.height()
                || preprocessing.width() != i.width()) {
            throw new IllegalArgumentException("The preprocessing makes " + preprocessing.imageShape()
                    + " images but the model takes (" + i.channels() + ", " + i.height() + ", " + i.width() + ").");
        }
        Input fitted = new Input(i.channels(), i.height(), i.width(), i.mean(), i.std(), i.colour(), preprocessing.fit(),
                i.normalization());
        return new ModelCard(formatVersion, library, engine, architecture, fitted, distance, threshold, calibration,
                training, parameterFile, attributes);
    }

    /** Returns a copy with the given training provenance ({@code null} removes it). */
    public ModelCard withTraining(TrainingProvenance provenance) {
        return new ModelCard(formatVersion, library, engine, architecture, input, distance, threshold, calibration, provenance,
                parameterFile, attributes);
    }

    /**
     * Returns a copy recording the parameter file it describes ({@code null} removes it);
     * {@link ModelDirectory#write} sets it when it saves a model.
     */
    public ModelCard withParameterFile(FileDigest file) {
        return new ModelCard(formatVersion, library, engine, architecture, input, distance, threshold, calibration, training,
                file, attributes);
    }

    /**
     * Returns a copy listing the attributes of {@code classifier} ({@code null} removes them);
     * {@code EmbeddingModel.withAttributes} sets it, so that a saved card says what
     * {@code attributes.json} beside it answers.
     */
    public ModelCard withAttributes(io.github.dml4j.attributes.AttributeClassifier classifier) {
        return new ModelCard(formatVersion, library, engine, architecture, input, distance, threshold, calibration, training,
                parameterFile, classifier == null ? null : Attribute.of(classifier));
    }

    /**
     * Builds a new, uninitialized network from this card: the registered backbone, the
     * normalization flag, the input shape and the pixel normalization.
     *
     * @throws IllegalArgumentException if the backbone type is unknown or the card is inconsistent
     */
    public EmbeddingNet newNet() {
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(architecture.backboneConfig())
                .setInputShape(input.channels(), input.height(), input.width())
                .optNormalize(architecture.normalize())
                .optPixelNormalization(input.pixelNormalization())
                .build();
        int size;
        try {
            size = net.getEmbeddingSize();
        } catch (IllegalStateException e) {
            return net; // a block that knows its output shape only once it holds parameters
        }
        if (size != architecture.embeddingSize()) {
            throw new IllegalArgumentException("The architecture's embedding size " + architecture.embeddingSize()
                    + " differs from its backbone's, " + size + ".");
        }
        return net;
    }

    /**
     * Checks that this card describes {@code net}: same backbone configuration, embedding size,
     * normalization, input shape and pixel normalization.
     *
     * @throws IllegalArgumentException naming the first field that differs
     */
    public void checkDescribes(EmbeddingNet net) {
        Architecture a = Architecture.of(net);
        Input i = Input.of(net);
        if (!a.backbone().equals(architecture.backbone()) || !architecture.backboneConfig().equals(net.getBackbone())) {
            throw new IllegalArgumentException("The model card's backbone " + architecture.backbone() + " "
                    + architecture.config() + " is not the network's, " + net.getBackbone() + ".");
        }
        if (a.embeddingSize() != architecture.embeddingSize()) {
            throw new IllegalArgumentException("The model card's embedding size " + architecture.embeddingSize()
                    + " is not the network's, " + a.embeddingSize() + ".");
        }
        if (a.normalize() != architecture.normalize()) {
            throw new IllegalArgumentException("The model card's normalize flag " + architecture.normalize()
                    + " is not the network's, " + a.normalize() + ".");
        }
        if (i.channels() != input.channels() || i.height() != input.height() || i.width() != input.width()) {
            throw new IllegalArgumentException("The model card's input " + input.channels() + "x" + input.height() + "x"
                    + input.width() + " is not the network's, " + net.getInputShape() + ".");
        }
        if (!i.pixelNormalization().equals(input.pixelNormalization())) {
            throw new IllegalArgumentException("The model card's pixel normalization " + input.pixelNormalization()
                    + " is not the network's, " + net.getPixelNormalization() + ".");
        }
    }

    /** The card as pretty-printed JSON. */
    public String toJson() {
        return GSON.toJson(this);
    }

    /**
     * Reads a card from JSON, checking the format version before anything else.
     *
     * @throws IllegalArgumentException if the text is not valid JSON, the format version is
     *     missing or not supported, or a field is missing or invalid
     */
    public static ModelCard fromJson(String json) {
        try {
            return parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The model card " + e.getMessage(), e.getCause());
        }
    }

    /** Parses a card; messages are phrases to follow "The model card [file]". */
    private static ModelCard parse(String json) {
        if (json.isBlank()) {
            throw new IllegalArgumentException("is empty.");
        }
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(json));
            reader.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(reader);
            if (reader.peek() != com.google.gson.stream.JsonToken.END_DOCUMENT) {
                throw new JsonParseException("unexpected content after the JSON object");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw new IllegalArgumentException("is not valid JSON: " + BackboneRegistry.rootMessage(e), e);
        }
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException("is not a JSON object but " + describeJson(root) + ".");
        }
        JsonObject object = root.getAsJsonObject();
        JsonElement version = object.get("formatVersion");
        if (version == null || version.isJsonNull()) {
            throw new IllegalArgumentException("has no formatVersion, so it is not a DML4J model card or it is damaged; "
                    + "this DML4J (" + Dml4j.version() + ") reads " + supportedVersions() + ".");
        }
        if (!isInt(version) || !SUPPORTED_FORMAT_VERSIONS.contains(version.getAsInt())) {
            throw new IllegalArgumentException("has format version " + version + ", which this DML4J ("
                    + Dml4j.version() + ") does not support: it reads " + supportedVersions()
                    + ". Use the DML4J version that saved the model, or a newer one.");
        }
        try {
            // bound from the text, not the tree: the streaming reader's errors name line and path
            ModelCard card = GSON.fromJson(json, ModelCard.class);
            card.architecture().backboneConfig(); // fail now, not at load time, on a bad backbone
            return card;
        } catch (JsonParseException e) {
            // Gson's own message names the JSON path of the bad value
            throw new IllegalArgumentException("is invalid: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is invalid: " + BackboneRegistry.rootMessage(e), e);
        }
    }

    private static String supportedVersions() {
        return (SUPPORTED_FORMAT_VERSIONS.size() > 1 ? "format versions " : "format version ")
                + SUPPORTED_FORMAT_VERSIONS.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static boolean isInt(JsonElement e) {
        if (!e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber()) {
            return false;
        }
        double d = e.getAsDouble();
        return d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE;
    }

    private static String describeJson(JsonElement e) {
        return e.isJsonArray() ? "an array" : e.isJsonNull() ? "null" : "the value " + e;
    }

    /**
     * Reads {@code model-card.json} from a file.
     *
     * @throws ModelLoadException naming the file if it is missing, unreadable, not valid JSON, of
     *     an unsupported format version, or invalid
     */
    public static ModelCard read(Path file) throws ModelLoadException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file, "The model card " + file + " is missing.", e);
        } catch (IOException e) {
            throw new ModelLoadException(file, "The model card " + file + " cannot be read: " + e, e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file, "The model card " + file + " " + e.getMessage(), e.getCause());
        }
    }

    /**
     * Writes this card as pretty-printed UTF-8 JSON to {@code file}, replacing it.
     *
     * @throws IOException if the file cannot be written
     */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJson() + "\n", StandardCharsets.UTF_8);
    }

    /**
     * A file of a model directory as it was written, so that loading can tell a truncated,
     * corrupted or replaced file from the one saved.
     *
     * @param name the file's name in the model directory, e.g. {@value ModelDirectory#PARAMETER_FILE}
     * @param size its length in bytes
     * @param sha256 the SHA-256 of its bytes as lower-case hex, see {@link FileDigests#sha256}
     */
    public record FileDigest(String name, long size, String sha256) {

        private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

        /** Validates the name (a plain file name), the size and the digest, and lower-cases the digest. */
        public FileDigest {
            if (name == null || name.isBlank() || name.contains("/") || name.contains("\\") || name.equals(".")
                    || name.equals("..")) {
                throw new IllegalArgumentException("The recorded file needs a plain file name, got "
                        + (name == null ? "none" : "'" + name + "'") + ".");
            }
            if (size < 0) {
                throw new IllegalArgumentException("The recorded size of " + name + " is negative: " + size + ".");
            }
            sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
            if (sha256 == null || !SHA256.matcher(sha256).matches()) {
                throw new IllegalArgumentException("The recorded SHA-256 of " + name + " is not 64 hex digits: "
                        + (sha256 == null ? "none" : "'" + sha256 + "'") + ".");
            }
        }

        /**
         * The name, size and SHA-256 of {@code file} as it is now.
         *
         * @throws IOException if the file cannot be read
         */
        public static FileDigest of(Path file) throws IOException {
            return new FileDigest(file.getFileName().toString(), Files.size(file), FileDigests.sha256(file));
        }
    }

    /**
     * An attribute the model answers, as its card lists it.
     *
     * @param name the attribute's name
     * @param kind {@code binary} or {@code categorical}
     * @param categories the category names, in the order of the classifier's outputs
     * @param threshold the probability at or above which a binary attribute is present; null for
     *     a categorical one (its most probable category is chosen)
     * @param source where the classifier comes from: {@code probe} (fitted on frozen embeddings)
     *     or {@code multitask} (trained with the network)
     */
    public record Attribute(String name, String kind, List<String> categories, Double threshold, String source) {

        /** Validates the name, the kind, the categories and the source, and copies the categories. */
        public Attribute {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("A model card attribute needs a name.");
            }
            if (!"binary".equals(kind) && !"categorical".equals(kind)) {
                throw new IllegalArgumentException("The kind of attribute '" + name + "' must be binary or categorical,"
                        + " got " + kind + ".");
            }
            if (categories == null || categories.size() < 2) {
                throw new IllegalArgumentException("Attribute '" + name + "' needs two or more categories, got "
                        + categories + ".");
            }
            categories = List.copyOf(categories);
            if (!"probe".equals(source) && !"multitask".equals(source)) {
                throw new IllegalArgumentException("The source of attribute '" + name + "' must be probe or multitask,"
                        + " got " + source + ".");
            }
        }

        /** The attributes of a classifier, in order, with their thresholds and its source. */
        public static List<Attribute> of(io.github.dml4j.attributes.AttributeClassifier classifier) {
            List<Attribute> out = new ArrayList<>();
            for (io.github.dml4j.data.AttributeTable.Attribute a : classifier.attributes()) {
                boolean binary = a.kind() == io.github.dml4j.data.AttributeTable.Kind.BINARY;
                out.add(new Attribute(a.name(), a.kind().name().toLowerCase(Locale.ROOT), a.categories(),
                        binary ? classifier.threshold(a.name()) : null, classifier.source().key()));
            }
            return List.copyOf(out);
        }
    }

    /**
     * The library that wrote the model.
     *
     * @param name always {@code "dml4j"}
     * @param version the DML4J version, see {@link Dml4j#version()}
     */
    public record Library(String name, String version) {

        /** Validates that both parts are present. */
        public Library {
            if (name == null || version == null) {
                throw new IllegalArgumentException("The library needs a name and a version.");
            }
        }

        /** This library, at its running version. */
        public static Library current() {
            return new Library("dml4j", Dml4j.version());
        }
    }

    /**
     * The deep learning engine.
     *
     * @param name the engine's name, e.g. {@code "PyTorch"}
     * @param version the engine's version, e.g. {@code "2.7.1"}
     * @param djlVersion the DJL version
     */
    public record EngineInfo(String name, String version, String djlVersion) {

        /** Validates that the name is present. */
        public EngineInfo {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("The engine needs a name.");
            }
        }

        /** The default engine of this process. */
        public static EngineInfo current() {
            Engine e = Engine.getInstance();
            return new EngineInfo(e.getEngineName(), e.getVersion(), Dml4j.djlVersion());
        }
    }

    /**
     * The network's architecture, enough to rebuild it with {@link ModelCard#newNet()}.
     *
     * @param backbone the backbone type, see {@link Backbone#type()} and {@link BackboneRegistry}
     * @param config the backbone's configuration as JSON, read back by the registry
     * @param embeddingSize length of the embedding, as the network's block outputs it
     *     ({@link EmbeddingNet#getEmbeddingSize()})
     * @param normalize whether embeddings are L2-normalized
     */
    public record Architecture(String backbone, JsonObject config, int embeddingSize, boolean normalize) {

        /** Validates and copies the configuration. */
        public Architecture {
            if (backbone == null || backbone.isBlank()) {
                throw new IllegalArgumentException("The architecture needs a backbone type.");
            }
            if (config == null) {
                throw new IllegalArgumentException("The architecture needs the configuration of its backbone.");
            }
            if (embeddingSize <= 0) {
                throw new IllegalArgumentException("The embedding size must be positive, got " + embeddingSize + ".");
            }
            config = config.deepCopy();
        }

        /**
         * The architecture of {@code net}: its backbone's type and configuration, its embedding
         * size and whether it normalizes.
         *
         * @throws IllegalArgumentException if the backbone type is not registered in {@link BackboneRegistry}
         * @throws IllegalStateException if the embedding size is known only once the network is
         *     initialized, and it is not
         */
        public static Architecture of(EmbeddingNet net) {
            Backbone b = net.getBackbone();
            return new Architecture(b.type(), BackboneRegistry.write(b), net.getEmbeddingSize(), net.isNormalize());
        }

        /** A copy of the backbone's configuration. */
        @Override
        public JsonObject config() {
            return config.deepCopy();
        }

        /**
         * Rebuilds the backbone from its type and configuration through the {@link BackboneRegistry}.
         *
         * @throws IllegalArgumentException if the type is not registered or the configuration is invalid
         */
        public Backbone backboneConfig() {
            return BackboneRegistry.read(backbone, config);
        }
    }

    /**
     * What the network takes as input.
     *
     * @param channels channels per image
     * @param height image height
     * @param width image width
     * @param mean per-channel mean of the pixels scaled to [0, 1]
     * @param std per-channel standard deviation of the pixels scaled to [0, 1]
     * @param colour grayscale (1 channel) or RGB (3 channels); null for other channel counts
     * @param fit how images of another size are fitted to the input; null (cards written before
     *     this setting existed) means {@link ImagePreprocessing.Fit#RESIZE}
     * @param normalization the name of the {@linkplain PixelNormalization#presetName() preset} the
     *     mean and std are, such as {@code imagenet}; null when they are none (or, in cards written
     *     before the name was recorded, found from the values)
     */
    public record Input(int channels, int height, int width, List<Float> mean, List<Float> std, ColorMode colour,
                        ImagePreprocessing.Fit fit, String normalization) {

        /** Validates the shape, the normalization and the colour. */
        public Input {
            if (channels <= 0 || height <= 0 || width <= 0) {
                throw new IllegalArgumentException("The input shape must be positive, got " + channels + "x" + height + "x"
                        + width + ".");
            }
            if (mean == null || std == null) {
                throw new IllegalArgumentException("The input needs its pixel normalization mean and std.");
            }
            mean = List.copyOf(mean);
            std = List.copyOf(std);
            PixelNormalization values = new PixelNormalization(toArray(mean), toArray(std)); // validates
            if (normalization == null) {
                normalization = values.presetName().orElse(null);
            } else if (!PixelNormalization.preset(normalization).equals(values)) {
                throw new IllegalArgumentException("The input's normalization is named '" + normalization
                        + "', but its mean " + mean + " and std " + std + " are not that preset's.");
            }
            if (mean.size() != 1 && mean.size() != channels) {
                throw new IllegalArgumentException("The pixel normalization has " + mean.size() + " means for "
                        + channels + " channels.");
            }
            if (fit == null) { // cards written before the setting existed stretched images
                fit = ImagePreprocessing.Fit.RESIZE;
            }
            if (colour != ColorMode.ofChannels(channels)) {
                throw new IllegalArgumentException("The input colour " + cardName(colour) + " does not fit " + channels
                        + " channels; expected " + cardName(ColorMode.ofChannels(channels)) + ".");
            }
        }

        /** The colour as the card spells it ({@code grayscale}, {@code rgb}), for messages. */
        private static String cardName(ColorMode colour) {
            return colour == null ? "null" : colour.name().toLowerCase(Locale.ROOT);
        }

        /** The input of {@code net}. */
        public static Input of(EmbeddingNet net) {
            long[] s = net.getInputShape().getShape();
            int c = Math.toIntExact(s[0]);
            PixelNormalization p = net.getPixelNormalization();
            return new Input(c, Math.toIntExact(s[1]), Math.toIntExact(s[2]), toList(p.mean()), toList(p.std()),
                    ColorMode.ofChannels(c), null, null);
        }

        /**
         * The preprocessing that turns any image into this input's pixels, as training used it.
         *
         * @throws IllegalArgumentException if the input is neither grayscale nor RGB
         */
        public ImagePreprocessing preprocessing() {
            if (colour == null) {
                throw new IllegalArgumentException("A " + channels + "-channel input has no image preprocessing.");
            }
            return ImagePreprocessing.builder().setSize(height, width)
                    .optColor(colour)
                    .optFit(fit())
                    .build();
        }

        /** The pixel normalization. */
        public PixelNormalization pixelNormalization() {
            return new PixelNormalization(toArray(mean), toArray(std));
        }

        private static float[] toArray(List<Float> values) {
            float[] a = new float[values.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = Objects.requireNonNull(values.get(i), "normalization value");
            }
            return a;
        }

        private static List<Float> toList(float[] values) {
            List<Float> l = new ArrayList<>(values.length);
            for (float v : values) {
                l.add(v);
            }
            return l;
        }
    }
}
