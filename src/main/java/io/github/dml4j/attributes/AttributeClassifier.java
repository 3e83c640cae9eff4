package io.github.dml4j.attributes;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Classifiers of several attributes on one embedding model's embeddings: one {@link Probe} per
 * attribute, with the decision threshold of each binary attribute (present when its probability
 * is at least the threshold, default 0.5). It answers named probabilities for an embedding, saves
 * itself as JSON ({@link #save(Path)}, {@link #load(Path)}) beside an exported model, and
 * evaluates itself on labelled embeddings. It records where it comes from ({@link Source}): probes
 * fitted on frozen embeddings, or the attribute layer of a multi-task head. Immutable and
 * thread-safe.
 */
public final class AttributeClassifier {

    /** Where a classifier's weights come from. */
    public enum Source {
        /** Probes fitted on the frozen embeddings of a trained model ({@link AttributeProbes}). */
        PROBE,
        /** The attribute layer of a multi-task head, trained with the network ({@link AttributeHead}). */
        MULTITASK;

        /** The name as files and model cards spell it: {@code probe}, {@code multitask}. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The file name {@code inference.EmbeddingModel} looks for in a model directory. */
    public static final String FILE_NAME = "attributes.json";

    private static final int FORMAT_VERSION = 1;

    private final List<AttributeTable.Attribute> attributes;
    private final List<Probe> probes;
    private final double[] thresholds;
    private final Source source;
    private final Map<String, Integer> index = new HashMap<>();

    /**
     * A classifier of probes ({@link Source#PROBE}) from its parts.
     *
     * @param attributes the attributes
     * @param probes one probe per attribute, with as many classes
     * @param thresholds the decision threshold of each attribute (used for binary ones), in (0, 1)
     * @throws IllegalArgumentException if the parts disagree
     */
    public AttributeClassifier(List<AttributeTable.Attribute> attributes, List<Probe> probes, double[] thresholds) {
        this(attributes, probes, thresholds, Source.PROBE);
    }

    /**
     * A classifier from its parts.
     *
     * @param attributes the attributes
     * @param probes one probe per attribute, with as many classes
     * @param thresholds the decision threshold of each attribute (used for binary ones), in (0, 1)
     * @param source where the probes' weights come from
     * @throws IllegalArgumentException if the parts disagree
     */
    public AttributeClassifier(List<AttributeTable.Attribute> attributes, List<Probe> probes, double[] thresholds,
                               Source source) {
        this.source = Objects.requireNonNull(source, "source");
        this.attributes = List.copyOf(attributes);
        this.probes = List.copyOf(probes);
        this.thresholds = thresholds.clone();
        if (this.attributes.isEmpty() || this.probes.size() != this.attributes.size()
                || thresholds.length != this.attributes.size()) {
            throw new IllegalArgumentException("An attribute classifier needs one probe and one threshold per attribute,"
                    + " got " + this.attributes.size() + " attributes, " + this.probes.size() + " probes and "
                    + thresholds.length + " thresholds.");
        }
        for (int a = 0; a < this.attributes.size(); a++) {
            AttributeTable.Attribute attribute = this.attributes.get(a);
            if (this.probes.get(a).numClasses() != attribute.numClasses()) {
                throw new IllegalArgumentException("The probe of attribute '" + attribute.name() + "' has "
                        + this.probes.get(a).numClasses() + " classes, the attribute " + attribute.numClasses() + ".");
            }
            if (this.probes.get(a).inputSize() != this.probes.get(0).inputSize()) {
                throw new IllegalArgumentException("The probe of attribute '" + attribute.name() + "' takes "
                        + this.probes.get(a).inputSize() + " values, the first " + this.probes.get(0).inputSize() + ".");
            }
            if (!(thresholds[a] > 0 && thresholds[a] < 1)) {
                throw new IllegalArgumentException("The threshold of attribute '" + attribute.name()
                        + "' must lie in (0, 1), got " + thresholds[a] + ".");
            }
            if (index.put(attribute.name(), a) != null) {
                throw new IllegalArgumentException("Attribute '" + attribute.name() + "' is named twice.");
            }
        }
    }

    /** The attributes, in order. */
    public List<AttributeTable.Attribute> attributes() {
        return attributes;
    }

    /** Where the probes' weights come from. */
    public Source source() {
        return source;
    }

    /** The probes, one per attribute. */
    public List<Probe> probes() {
        return probes;
    }

    /** The embedding length the probes take. */
    public int inputSize() {
        return probes.get(0).inputSize();
    }

    /**
     * The decision threshold of an attribute.
     *
     * @param name the attribute
     * @return its threshold (binary attributes are present at or above it)
     */
    public double threshold(String name) {
        return thresholds[attributeIndex(name)];
    }

    /**
     * Every attribute's class probabilities for one embedding.
     *
     * @param embedding an embedding of {@link #inputSize()} values
     * @return attribute name to category name to probability, in order; a binary attribute's
     *     categories are its table's ({@code 0} and {@code 1} unless named otherwise)
     */
    public Map<String, Map<String, Float>> probabilities(float[] embedding) {
        return probabilities(new float[][] {embedding}).get(0);
    }

    /**
     * Every attribute's class probabilities for several embeddings.
     *
     * @param embeddings one row per embedding
     * @return per embedding, attribute name to category name to probability
     */
    public List<Map<String, Map<String, Float>>> probabilities(float[][] embeddings) {
        List<Map<String, Map<String, Float>>> out = new ArrayList<>();
        for (int i = 0; i < embeddings.length; i++) {
            out.add(new LinkedHashMap<>());
        }
        for (int a = 0; a < attributes.size(); a++) {
            float[][] p = probes.get(a).predictProba(embeddings);
            List<String> categories = attributes.get(a).categories();
            for (int i = 0; i < embeddings.length; i++) {
                Map<String, Float> byCategory = new LinkedHashMap<>();
                for (int k = 0; k < categories.size(); k++) {
                    byCategory.put(categories.get(k), p[i][k]);
                }
                out.get(i).put(attributes.get(a).name(), java.util.Collections.unmodifiableMap(byCategory));
            }
        }
        out.replaceAll(java.util.Collections::unmodifiableMap);
        return out;
    }

    /**
     * The predicted class of one attribute: for a binary attribute 1 when the probability of
     * presence is at least the threshold, for a categorical one the most probable category.
     *
     * @param attribute the attribute's index
     * @param probabilities (N, classes) probabilities from its probe
     * @return the predicted classes
     */
    int[] decide(int attribute, float[][] probabilities) {
        int[] predicted = new int[probabilities.length];
        for (int i = 0; i < probabilities.length; i++) {
            predicted[i] = decide(attributes.get(attribute), thresholds[attribute], probabilities[i]);
        }
        return predicted;
    }

    static int decide(AttributeTable.Attribute attribute, double threshold, float[] p) {
        if (attribute.kind() == AttributeTable.Kind.BINARY) {
            return p[1] >= threshold ? 1 : 0;
        }
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return best;
    }

    /**
     * Evaluates the classifier on labelled embeddings (one held-out set).
     *
     * @param embeddings one row per image
     * @param labels the images' labels, with attributes of the same names (others are ignored)
     * @return the report, folds 1
     * @throws IllegalArgumentException if the sizes disagree or the labels lack an attribute
     */
    public AttributeReport evaluate(float[][] embeddings, AttributeLabels labels) {
        if (labels.size() != embeddings.length) {
            throw new IllegalArgumentException("Got " + embeddings.length + " embeddings for " + labels.size()
                    + " labelled images.");
        }
        List<AttributeScores> scores = new ArrayList<>();
        for (int a = 0; a < attributes.size(); a++) {
            int column = -1;
            for (int c = 0; c < labels.attributes().size(); c++) {
                if (labels.attributes().get(c).name().equals(attributes.get(a).name())) {
                    column = c;
                }
            }
            if (column < 0) {
                throw new IllegalArgumentException("The labels have no attribute '" + attributes.get(a).name() + "'.");
            }
            int[] y = labels.labels(column);
            int[] rows = java.util.stream.IntStream.range(0, y.length).filter(i -> y[i] != AttributeTable.MISSING)
                    .toArray();
            float[][] x = new float[rows.length][];
            int[] truth = new int[rows.length];
            for (int k = 0; k < rows.length; k++) {
                x[k] = embeddings[rows[k]];
                truth[k] = y[rows[k]];
            }
            float[][] p = probes.get(a).predictProba(x);
            scores.add(AttributeProbes.score(attributes.get(a), truth, p, decide(a, p)));
        }
        return new AttributeReport(scores, 1, Map.of());
    }

    /**
     * Writes the classifier as JSON (through a temporary file moved into place).
     *
     * @param file the file, usually {@link #FILE_NAME} in a model directory
     * @throws IOException if it cannot be written
     */
    public void save(Path file) throws IOException {
        Json json = new Json();
        json.formatVersion = FORMAT_VERSION;
        json.source = source.key();
        json.attributes = new ArrayList<>();
        for (int a = 0; a < attributes.size(); a++) {
            JsonAttribute ja = new JsonAttribute();
            AttributeTable.Attribute attribute = attributes.get(a);
            ja.name = attribute.name();
            ja.kind = attribute.kind().name().toLowerCase(java.util.Locale.ROOT);
            ja.categories = attribute.categories();
            ja.threshold = thresholds[a];
            ja.inputSize = probes.get(a).inputSize();
            ja.hiddenUnits = probes.get(a).hiddenUnits();
            ja.weights = probes.get(a).weights();
            json.attributes.add(ja);
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".attributes", ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                new GsonBuilder().create().toJson(json, w);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a classifier {@link #save(Path)} wrote.
     *
     * @param file the JSON file
     * @return the classifier
     * @throws IOException if the file cannot be read, or naming the file if it is not such JSON
     */
    public static AttributeClassifier load(Path file) throws IOException {
        Json json;
        try {
            json = new Gson().fromJson(Files.readString(file, StandardCharsets.UTF_8), Json.class);
        } catch (JsonParseException e) {
            throw new IOException("The attribute classifier file " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || json.attributes == null || json.formatVersion != FORMAT_VERSION) {
            throw new IOException("The attribute classifier file " + file + " is not an attribute classifier of format "
                    + FORMAT_VERSION + ".");
        }
        List<AttributeTable.Attribute> attributes = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        double[] thresholds = new double[json.attributes.size()];
        try {
            // files written before the source was recorded held probes
            Source source = json.source == null ? Source.PROBE
                    : Source.valueOf(json.source.toUpperCase(java.util.Locale.ROOT));
            for (int a = 0; a < json.attributes.size(); a++) {
                JsonAttribute ja = json.attributes.get(a);
                AttributeTable.Kind kind = AttributeTable.Kind.valueOf(ja.kind.toUpperCase(java.util.Locale.ROOT));
                attributes.add(new AttributeTable.Attribute(ja.name, kind, ja.categories));
                probes.add(new Probe(ja.categories.size(), ja.inputSize, ja.hiddenUnits, ja.weights));
                thresholds[a] = ja.threshold;
            }
            return new AttributeClassifier(attributes, probes, thresholds, source);
        } catch (RuntimeException e) {
            throw new IOException("The attribute classifier file " + file + " is malformed: " + e.getMessage(), e);
        }
    }

    private int attributeIndex(String name) {
        Integer a = index.get(Objects.requireNonNull(name, "name"));
        if (a == null) {
            throw new IllegalArgumentException("No attribute '" + name + "'; the classifier has "
                    + attributes.stream().map(AttributeTable.Attribute::name).toList() + ".");
        }
        return a;
    }

    @Override
    public String toString() {
        return "AttributeClassifier{" + attributes.stream().map(AttributeTable.Attribute::name).toList() + ", input "
                + inputSize() + ", " + source.key() + "}";
    }

    /** The JSON layout. */
    private static final class Json {
        int formatVersion;
        String source;
        List<JsonAttribute> attributes;
    }

    private static final class JsonAttribute {
        String name;
        String kind;
        List<String> categories;
        double threshold;
        int inputSize;
        int hiddenUnits;
        float[][] weights;
    }
}
