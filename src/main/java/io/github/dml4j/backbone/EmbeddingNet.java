package io.github.dml4j.backbone;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.distance.Normalization;
import io.github.dml4j.nn.ParameterGroup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The network that maps an image to its embedding: a {@link Backbone}'s block, then optionally
 * L2 normalization. It is the one network shared by every head during training and the only
 * network exported.
 *
 * <p>It also carries what is needed to feed it: the input shape (C, H, W) and the pixel
 * normalization, so that a saved model preprocesses images exactly as in training.
 *
 * <p>The network sets no initializer of its own: the backbone's block initializes itself, and
 * parameters that arrive with their weights keep them through {@link #initialize(NDManager)}.
 * The embedding size is what the block outputs for the input shape.
 *
 * <p>The blocks inside the network that hold parameters are its {@linkplain #parts() parts},
 * named by their path: {@code "backbone"}, then the names DJL gives the children of each block,
 * such as {@code "backbone/01Conv2d"}. A part can be frozen, so that no optimizer step changes
 * its parameters (batch normalization's running statistics aside, see
 * {@link Builder#optFreeze}), or train at its own multiple of the learning rate:
 *
 * <pre>{@code
 * EmbeddingNet net = EmbeddingNet.builder()
 *         .setBackbone(ConvNet.small(64))   // parts: backbone, backbone/01Conv2d, backbone/02BatchNorm, ...
 *         .setInputShape(1, 28, 28)
 *         .optFreeze("backbone/01Conv2d")                    // never trained
 *         .optLearningRateMultiplier("backbone", 0.1f)       // the rest of the backbone at 0.1x
 *         .optLearningRateMultiplier("backbone/Linear", 1f)  // but the projection at 1x
 *         .build();
 * }</pre>
 */
public final class EmbeddingNet extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Backbone backbone;
    private final boolean normalize;
    private final Shape inputShape;
    private final PixelNormalization pixelNormalization;
    private final Block backboneBlock;
    private final Map<String, Block> parts;
    private final List<String> frozenParts;
    private final Map<String, Float> learningRateMultipliers;
    private volatile int embeddingSize;

    private EmbeddingNet(Builder builder) {
        super(VERSION);
        this.backbone = builder.backbone;
        this.normalize = builder.normalize;
        this.inputShape = builder.inputShape;
        this.pixelNormalization = builder.pixelNormalization;
        Block block = backbone.newBlock(inputShape);
        if (block == null) {
            throw new IllegalArgumentException("Backbone " + backbone + " returned no block.");
        }
        this.backboneBlock = addChildBlock("backbone", block);
        Shape out = reportedOutputShape();
        if (out != null) {
            this.embeddingSize = checkedEmbeddingSize(out);
        }
        this.parts = findParts();
        List<String> frozen = new ArrayList<>();
        for (String name : builder.frozen) {
            String part = resolve(name, "optFreeze");
            if (!frozen.contains(part)) {
                frozen.add(part);
            }
        }
        Map<String, Float> multipliers = new HashMap<>();
        for (Map.Entry<String, Float> e : builder.multipliers.entrySet()) {
            multipliers.put(resolve(e.getKey(), "optLearningRateMultiplier"), e.getValue()); // a later alias replaces
        }
        Map<String, Float> ordered = new LinkedHashMap<>();
        for (String part : parts.keySet()) { // in the network's order
            if (multipliers.containsKey(part)) {
                for (String f : frozen) {
                    if (contains(f, part)) {
                        throw new IllegalArgumentException("Part '" + part + "' is "
                                + (f.equals(part) ? "frozen" : "in frozen part '" + f + "'")
                                + ", so it cannot also train at a learning-rate multiplier (" + multipliers.get(part)
                                + "): leave it out of optFreeze or drop its optLearningRateMultiplier.");
                    }
                }
                ordered.put(part, multipliers.get(part));
            }
        }
        this.frozenParts = List.copyOf(frozen);
        this.learningRateMultipliers = Collections.unmodifiableMap(ordered);
        for (String part : frozenParts) {
            for (Parameter p : parts.get(part).getParameters().values()) {
                p.freeze(true);
            }
        }
    }

    /** The blocks below this one that hold parameters, by readable path, depth first. */
    private Map<String, Block> findParts() {
        Map<String, Block> found = new LinkedHashMap<>();
        found.put("backbone", backboneBlock);
        addParts(found, "backbone", backboneBlock);
        return Collections.unmodifiableMap(found);
    }

    private static void addParts(Map<String, Block> found, String path, Block block) {
        for (Pair<String, Block> child : block.getChildren()) {
            if (!child.getValue().getParameters().isEmpty()) {
                String childPath = path + "/" + child.getKey();
                found.put(childPath, child.getValue());
                addParts(found, childPath, child.getValue());
            }
        }
    }

    /** Whether part {@code outer} is {@code inner} or holds it. */
    private static boolean contains(String outer, String inner) {
        return inner.equals(outer) || inner.startsWith(outer + "/");
    }

    /**
     * The readable path of the part {@code name} refers to: each step a child's name, with or
     * without the two-digit number DJL puts before it.
     */
    private String resolve(String name, String setting) {
        String[] steps = name.split("/", -1);
        Block block = this;
        String path = null;
        for (String step : steps) {
            List<Integer> matches = new ArrayList<>();
            BlockList children = block.getChildren();
            for (int i = 0; i < children.size(); i++) {
                if (children.keyAt(i).equals(step)) {
                    matches.add(i);
                }
            }
            if (matches.isEmpty()) {
                for (int i = 0; i < children.size(); i++) {
                    if (withoutNumber(children.keyAt(i), i).equals(step)) {
                        matches.add(i);
                    }
                }
            }
            if (matches.size() > 1) {
                List<String> candidates = new ArrayList<>();
                for (int i : matches) {
                    candidates.add(childPath(path, children.keyAt(i), i));
                }
                throw new IllegalArgumentException("The part name '" + name + "' (" + setting + ") could be any of "
                        + candidates + ": name one with its number.");
            }
            if (matches.isEmpty()) {
                throw noSuchPart(name, setting);
            }
            int i = matches.get(0);
            path = childPath(path, children.keyAt(i), i);
            block = children.valueAt(i);
        }
        if (!parts.containsKey(path)) {
            throw noSuchPart(name, setting); // a block without parameters
        }
        return path;
    }

    private IllegalArgumentException noSuchPart(String name, String setting) {
        return new IllegalArgumentException("The network has no part '" + name + "' (" + setting + "); its parts are "
                + parts() + ".");
    }

    /** The readable path of a child: {@code "backbone"} for this network's own child. */
    private static String childPath(String parent, String key, int index) {
        return parent == null ? withoutNumber(key, index) : parent + "/" + key;
    }

    /** A child's name without the {@code "%02d"} number DJL puts before it, if it has one. */
    private static String withoutNumber(String key, int index) {
        String number = String.format(Locale.ROOT, "%02d", index + 1);
        return key.startsWith(number) && key.length() > number.length() ? key.substring(number.length()) : key;
    }

    /** Returns a builder; backbone and input shape are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The backbone, as the model card stores it. */
    public Backbone getBackbone() {
        return backbone;
    }

    /** Whether embeddings are L2-normalized. */
    public boolean isNormalize() {
        return normalize;
    }

    /** Shape of one input image, (C, H, W). */
    public Shape getInputShape() {
        return inputShape;
    }

    /** How 8-bit pixels are turned into the network's input. */
    public PixelNormalization getPixelNormalization() {
        return pixelNormalization;
    }

    /**
     * Length of the embedding: the last dimension of the backbone block's output for the input
     * shape. A block that cannot report its output shape (DJL's {@code getOutputShapes}) is run
     * once on zeros instead, which needs its parameters.
     *
     * @throws IllegalStateException if the block cannot report its output shape and is not
     *     initialized yet
     */
    public int getEmbeddingSize() {
        int size = embeddingSize;
        if (size == 0) {
            size = checkedEmbeddingSize(forwardOutputShape());
            embeddingSize = size;
        }
        return size;
    }

    /** The backbone block's reported output shape for one image, or null if it reports none. */
    private Shape reportedOutputShape() {
        try {
            Shape[] out = backboneBlock.getOutputShapes(new Shape[] {batchInputShape(1)});
            return out == null || out.length == 0 ? null : out[0];
        } catch (RuntimeException e) {
            return null; // e.g. a block that knows its shapes only once loaded
        }
    }

    /** The backbone block's output shape for one image of zeros, in inference mode. */
    private Shape forwardOutputShape() {
        if (!backboneBlock.getParameters().values().stream().allMatch(Parameter::isInitialized)) {
            throw new IllegalStateException("The block of backbone " + backbone + " does not report its output shape, so"
                    + " the embedding size is known once the network is initialized.");
        }
        Parameter any = backboneBlock.getParameters().isEmpty() ? null : backboneBlock.getParameters().valueAt(0);
        try (NDManager manager = any == null ? NDManager.newBaseManager()
                : NDManager.newBaseManager(any.getArray().getDevice())) {
            NDList out = backboneBlock.forward(new ParameterStore(manager, false),
                    new NDList(manager.zeros(batchInputShape(1))), false);
            return out.singletonOrThrow().getShape();
        }
    }

    private int checkedEmbeddingSize(Shape out) {
        if (out.dimension() != 2 || out.get(0) != 1 || out.get(1) <= 0 || out.get(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("The block of backbone " + backbone + " maps input "
                    + batchInputShape(1) + " to " + out + "; an embedding network needs (1, embedding size).");
        }
        return (int) out.get(1);
    }

    /** Shape of a batch of inputs, (B, C, H, W). */
    public Shape batchInputShape(long batchSize) {
        return new Shape(batchSize).addAll(inputShape);
    }

    /** Initializes the parameters for this network's input shape. */
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, batchInputShape(1));
    }

    /**
     * The parts that can be frozen or given a learning-rate multiplier: every block in the network
     * that holds parameters, by its path, depth first in the network's order. The first is
     * {@code "backbone"}; below it each step is the name DJL gives a child, such as
     * {@code "01Conv2d"} (the builder also takes it without the number, where that names one
     * child only).
     */
    public List<String> parts() {
        return List.copyOf(parts.keySet());
    }

    /** The frozen parts, by path, in the order given: their parameters require no gradient. */
    public List<String> getFrozenParts() {
        return frozenParts;
    }

    /** The learning-rate multiplier of each part given one, by path, in the network's order. */
    public Map<String, Float> getLearningRateMultipliers() {
        return learningRateMultipliers;
    }

    /**
     * The groups of trainable parameters (those that require gradients, so not those of a frozen
     * part): first {@code "embedding"} at the trainer's learning rate, then one group for each
     * part given a {@linkplain Builder#optLearningRateMultiplier multiplier}, named
     * {@code "embedding/"} and its path, e.g. {@code "embedding/backbone/13Linear"}. A parameter
     * belongs to the innermost part with a multiplier that holds it. Groups without parameters
     * are left out.
     */
    public List<ParameterGroup> parameterGroups() {
        Map<String, String> groupOf = new HashMap<>(); // parameter id -> part; inner parts overwrite outer ones
        List<String> byDepth = new ArrayList<>(learningRateMultipliers.keySet());
        byDepth.sort((a, b) -> Long.compare(a.chars().filter(c -> c == '/').count(), b.chars().filter(c -> c == '/').count()));
        for (String part : byDepth) {
            for (Parameter p : parts.get(part).getParameters().values()) {
                groupOf.put(p.getId(), part);
            }
        }
        Map<String, List<Parameter>> members = new LinkedHashMap<>();
        members.put(null, new ArrayList<>());
        for (String part : learningRateMultipliers.keySet()) {
            members.put(part, new ArrayList<>());
        }
        for (Parameter p : getParameters().values()) {
            if (p.requiresGradient()) {
                members.get(groupOf.get(p.getId())).add(p);
            }
        }
        List<ParameterGroup> groups = new ArrayList<>();
        for (Map.Entry<String, List<Parameter>> e : members.entrySet()) {
            if (!e.getValue().isEmpty()) {
                groups.add(e.getKey() == null ? new ParameterGroup("embedding", 1f, e.getValue())
                        : new ParameterGroup("embedding/" + e.getKey(), learningRateMultipliers.get(e.getKey()),
                        e.getValue()));
            }
        }
        return List.copyOf(groups);
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDList out = backboneBlock.forward(parameterStore, inputs, training, params);
        return normalize ? new NDList(Normalization.l2(out.singletonOrThrow())) : out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), getEmbeddingSize())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        backboneBlock.initialize(manager, dataType, inputShapes);
    }

    @Override
    public String toString() {
        return "EmbeddingNet{backbone=" + backbone + ", normalize=" + normalize + ", input=" + inputShape
                + (frozenParts.isEmpty() ? "" : ", frozen=" + frozenParts)
                + (learningRateMultipliers.isEmpty() ? "" : ", learningRateMultipliers=" + learningRateMultipliers) + '}';
    }

    /** Builder for {@link EmbeddingNet}. */
    public static final class Builder {
        private Backbone backbone;
        private boolean normalize;
        private Shape inputShape;
        private PixelNormalization pixelNormalization = PixelNormalization.NONE;
        private List<String> frozen = List.of();
        private final Map<String, Float> multipliers = new LinkedHashMap<>();

        private Builder() {}

        /** Sets the backbone (required), for example {@code ConvNet.small(64)}. */
        public Builder setBackbone(Backbone backbone) {
            this.backbone = backbone;
            return this;
        }

        /** Sets the input shape of one image, channels first (required). */
        public Builder setInputShape(int channels, int height, int width) {
            this.inputShape = new Shape(channels, height, width);
            return this;
        }

        /** L2-normalizes the embeddings (default {@code false}). */
        public Builder optNormalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        /** Sets the pixel normalization (default: scale to [0, 1] only). */
        public Builder optPixelNormalization(PixelNormalization normalization) {
            this.pixelNormalization = normalization;
            return this;
        }

        /**
         * Freezes these parts (default none; a call replaces the parts of an earlier one): their
         * parameters require no gradient, so no optimizer step changes them, whatever their
         * learning rate. Batch normalization in a frozen part still updates its running mean and
         * variance on every training batch, as in PyTorch, since those are no parameters an
         * optimizer steps.
         *
         * @param parts paths as {@link EmbeddingNet#parts()} lists them, e.g. {@code "backbone"}
         *     or {@code "backbone/01Conv2d"}; a child's two-digit number may be left out where
         *     that names one child only. {@link #build()} checks them.
         */
        public Builder optFreeze(String... parts) {
            for (String part : parts) {
                checkPartName(part);
            }
            this.frozen = List.of(parts);
            return this;
        }

        /**
         * Trains a part at {@code multiplier} times the trainer's learning rate, as a parameter
         * group of its own (default: every part at 1x, in the group {@code "embedding"}). A part
         * inside another part with a multiplier takes its own; setting a part again replaces its
         * multiplier.
         *
         * @param part a path as {@link EmbeddingNet#parts()} lists it (see {@link #optFreeze});
         *     {@link #build()} checks it, and refuses a part that is also frozen
         * @param multiplier the factor, finite and &gt; 0
         */
        public Builder optLearningRateMultiplier(String part, float multiplier) {
            checkPartName(part);
            if (!(multiplier > 0f) || !Float.isFinite(multiplier)) {
                throw new IllegalArgumentException("The learning-rate multiplier of part '" + part
                        + "' must be a finite number > 0, got " + multiplier + ".");
            }
            multipliers.put(part, multiplier);
            return this;
        }

        private static void checkPartName(String part) {
            if (part == null || part.isBlank()) {
                throw new IllegalArgumentException("A part of EmbeddingNet is named by its path, e.g. \"backbone\", not "
                        + (part == null ? "null" : "'" + part + "'") + ".");
            }
        }

        /**
         * Builds the network on a block of the backbone; parameters that did not arrive with
         * their weights are initialized by {@link EmbeddingNet#initialize(NDManager)} (or a
         * head's or trainer's initialization).
         *
         * @throws IllegalArgumentException if a setting is missing or invalid, the backbone's
         *     block does not output (batch, embedding size) for the input shape, a part name
         *     matches no part (the message lists the parts) or several, or a part is both frozen
         *     and given a learning-rate multiplier
         */
        public EmbeddingNet build() {
            if (backbone == null) {
                throw new IllegalArgumentException("EmbeddingNet needs a backbone: call setBackbone(ConvNet.small(64)) or similar.");
            }
            if (inputShape == null) {
                throw new IllegalArgumentException("EmbeddingNet needs an input shape: call setInputShape(channels, height, width).");
            }
            for (long d : inputShape.getShape()) {
                if (d <= 0) {
                    throw new IllegalArgumentException("The input shape of EmbeddingNet must be positive, got " + inputShape + ".");
                }
            }
            if (pixelNormalization == null) {
                throw new IllegalArgumentException("The pixel normalization of EmbeddingNet must not be null.");
            }
            return new EmbeddingNet(this);
        }
    }
}
