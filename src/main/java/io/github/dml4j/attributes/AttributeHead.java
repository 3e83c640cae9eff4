package io.github.dml4j.attributes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.nn.GraphScalars;
import io.github.dml4j.nn.ParameterGroup;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The attribute part of a multi-task head: one linear layer on the embedding network's output
 * (the exported embedding, L2-normalized if the network normalizes) giving one logit per
 * attribute of two classes (binary, or two categories: the logit of the second) and one per
 * category of a categorical attribute of three or more, as {@link Probe} lays them out, trained together with a metric loss
 * in a {@code head.MetricHead} ({@code optAttributeHead}). Because it reads exactly the exported
 * embedding, {@link #toClassifier()} turns it into the {@link AttributeClassifier} that an
 * exported model answers attributes with, with the very weights that were trained.
 *
 * <p>The loss of a batch with attribute labels y (B, A), {@link AttributeTable#MISSING} where
 * unknown, is
 * <pre>
 *   L = sum_a w_a (1 / |P_a|) sum_{i in P_a} c_a(y_ia) l_a(z_i, y_ia)
 * </pre>
 * with P_a the rows whose attribute a is known (an attribute known for no row of the batch adds
 * 0), w_a the attribute's task weight (default 1), c_a the optional class weight of the label
 * (balanced weights {@code n / (k n_c)} of the training labels, as {@link ClassWeighting#BALANCED},
 * default 1), and l_a binary cross-entropy with logits (computed stably as
 * {@code max(z, 0) - z y + log(1 + exp(-|z|))}) for an attribute of two classes, softmax
 * cross-entropy for one of three or more. Multi-task face models (e.g. Ranjan et al. 2017, "An All-In-One
 * Convolutional Neural Network for Face Analysis") combine the tasks' losses so.
 *
 * <pre>{@code
 * AttributeHead attributes = AttributeHead.builder()
 *         .setAttributes(trainLabels.attributes())
 *         .optClassWeights(trainLabels)         // balanced, from the training labels
 *         .optTaskWeight("smiling", 2.0)
 *         .build();
 * }</pre>
 */
public final class AttributeHead extends AbstractBlock {

    private static final byte VERSION = 1;

    private final List<AttributeTable.Attribute> attributes;
    private final double[] taskWeights;
    private final float[][] classWeights;
    private final float learningRateMultiplier;
    private final int[] offsets;
    private final int outputs;
    private final Linear layer;

    private AttributeHead(Builder b, double[] taskWeights, float[][] classWeights) {
        super(VERSION);
        this.attributes = List.copyOf(b.attributes);
        this.taskWeights = taskWeights;
        this.classWeights = classWeights;
        this.learningRateMultiplier = b.learningRateMultiplier;
        this.offsets = new int[attributes.size()];
        int o = 0;
        for (int a = 0; a < attributes.size(); a++) {
            offsets[a] = o;
            o += outputsOf(attributes.get(a));
        }
        this.outputs = o;
        this.layer = addChildBlock("layer", Linear.builder().setUnits(outputs).build());
        // PyTorch's nn.Linear initialization: weights uniform in +-1/sqrt(D), zero bias
        layer.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                XavierInitializer.FactorType.IN, 1f), Parameter.Type.WEIGHT);
    }

    /** A builder; the attributes are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** One sigmoid output for two classes (a binary attribute, or two categories), else one per category. */
    private static int outputsOf(AttributeTable.Attribute attribute) {
        return attribute.numClasses() == 2 ? 1 : attribute.numClasses();
    }

    /** The attributes, in the order of the label matrix's columns. */
    public List<AttributeTable.Attribute> attributes() {
        return attributes;
    }

    /** The task weight of each attribute, in order (a copy). */
    public double[] taskWeights() {
        return taskWeights.clone();
    }

    /**
     * The class weights of an attribute.
     *
     * @param attribute the attribute's index
     * @return one weight per class (a copy), all 1 without class weighting
     */
    public float[] classWeights(int attribute) {
        return classWeights[attribute].clone();
    }

    /** The multiple of the trainer's learning rate at which the attribute layer trains. */
    public float getLearningRateMultiplier() {
        return learningRateMultiplier;
    }

    /** The linear layer (one output per attribute of two classes, one per category of one of more). */
    public Linear getLayer() {
        return layer;
    }

    /** The attribute layer's parameters as one group named {@code "attributes"}. */
    public List<ParameterGroup> parameterGroups() {
        return List.of(new ParameterGroup("attributes", learningRateMultiplier,
                layer.getParameters().values().stream().toList()));
    }

    /**
     * The logits of a batch's embeddings.
     *
     * @param parameterStore where the layer's parameters are read
     * @param embeddings (B, D) embeddings, as the embedding network outputs them
     * @param training whether this is a training step
     * @return (B, outputs) logits in the embeddings' manager
     */
    public NDArray logits(ParameterStore parameterStore, NDArray embeddings, boolean training) {
        checkInitialized();
        return layer.forward(parameterStore, new NDList(embeddings), training).singletonOrThrow();
    }

    /**
     * The weighted, masked attribute loss of a batch (see the class description).
     *
     * @param parameterStore where the layer's parameters are read
     * @param embeddings (B, D) embeddings, as the embedding network outputs them
     * @param labels (B, A) integer labels, columns in the order of {@link #attributes()},
     *     {@link AttributeTable#MISSING} where unknown
     * @param training whether this is a training step
     * @return a scalar in the graph of {@code embeddings}
     * @throws IllegalArgumentException if the labels' shape does not fit, or a label lies outside
     *     its attribute's classes, naming the attribute, the row and the value
     */
    public NDArray loss(ParameterStore parameterStore, NDArray embeddings, NDArray labels, boolean training) {
        Shape es = embeddings.getShape();
        if (es.dimension() != 2) {
            throw new IllegalArgumentException("The attribute head takes (B, D) embeddings, got " + es + ".");
        }
        long b = es.get(0);
        if (!labels.getShape().equals(new Shape(b, attributes.size()))) {
            throw new IllegalArgumentException("The attribute head of " + attributes.size() + " attributes needs a ("
                    + b + ", " + attributes.size() + ") attribute label matrix for " + b + " embeddings, got "
                    + labels.getShape() + ".");
        }
        NDManager manager = embeddings.getManager();
        NDArray y = labels.toType(DataType.INT64, false);
        checkLabels(y, manager);
        NDArray logits = logits(parameterStore, embeddings, training);
        NDArray total = null;
        for (int a = 0; a < attributes.size(); a++) {
            NDArray column = y.get(":, " + a);
            NDArray present = column.gte(0);
            NDArray presentFloat = present.toType(DataType.FLOAT32, false);
            NDArray target = column.maximum(0); // missing labels read class 0, then masked out
            NDArray perRow;
            NDArray rowWeight;
            if (outputsOf(attributes.get(a)) == 1) {
                NDArray z = logits.get(":, " + offsets[a]);
                NDArray t = target.toType(DataType.FLOAT32, false);
                // max(z, 0) - z t + log(1 + exp(-|z|)): exp never overflows
                perRow = GraphScalars.maximum(z, 0f).sub(z.mul(t)).add(z.abs().neg().exp().add(1f).log());
                float w0 = classWeights[a][0];
                float w1 = classWeights[a][1];
                rowWeight = t.mul(w1 - w0).add(w0);
            } else {
                int k = attributes.get(a).numClasses();
                NDArray z = logits.get(":, " + offsets[a] + ":" + (offsets[a] + k));
                NDArray oneHot = target.oneHot(k).toType(DataType.FLOAT32, false);
                perRow = z.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg();
                rowWeight = oneHot.mul(manager.create(classWeights[a])).sum(new int[] {1});
            }
            NDArray count = presentFloat.sum().maximum(1f); // no present row: 0 / 1
            NDArray term = perRow.mul(rowWeight.mul(presentFloat)).sum().div(count);
            term = GraphScalars.mul(term, (float) taskWeights[a]);
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /** Checks every label lies in -1..classes-1 with one engine comparison; names the first bad one. */
    private void checkLabels(NDArray y, NDManager manager) {
        long[] limits = attributes.stream().mapToLong(AttributeTable.Attribute::numClasses).toArray();
        NDArray upper = manager.create(limits);
        if (y.lt(upper).logicalAnd(y.gte(-1)).all().getBoolean()) {
            return;
        }
        long[] values = y.toLongArray();
        int a = attributes.size();
        for (int i = 0; i < values.length; i++) {
            long v = values[i];
            AttributeTable.Attribute attribute = attributes.get(i % a);
            if (v < -1 || v >= attribute.numClasses()) {
                throw new IllegalArgumentException("Row " + i / a + " of the attribute labels has value " + v
                        + " for attribute '" + attribute.name() + "', which has " + attribute.numClasses()
                        + " classes (0.." + (attribute.numClasses() - 1) + ", or " + AttributeTable.MISSING
                        + " when missing).");
            }
        }
    }

    /**
     * The trained layer as an attribute classifier with thresholds 0.5, for
     * {@code EmbeddingModel.withAttributes}: it answers on the exported embeddings exactly what
     * this head computes.
     *
     * @return a classifier of source {@link AttributeClassifier.Source#MULTITASK}
     * @throws IllegalStateException if the head is not initialized
     */
    public AttributeClassifier toClassifier() {
        double[] thresholds = new double[attributes.size()];
        Arrays.fill(thresholds, 0.5);
        return toClassifier(thresholds);
    }

    /**
     * The trained layer as an attribute classifier with the given thresholds.
     *
     * @param thresholds the decision threshold of each attribute, in (0, 1) (used for binary ones)
     * @return a classifier of source {@link AttributeClassifier.Source#MULTITASK}
     * @throws IllegalStateException if the head is not initialized
     * @throws IllegalArgumentException if a threshold is not in (0, 1) or their number differs
     */
    public AttributeClassifier toClassifier(double[] thresholds) {
        checkInitialized();
        Parameter weight = layer.getParameters().get("weight");
        Parameter bias = layer.getParameters().get("bias");
        float[] w = weight.getArray().toFloatArray(); // (outputs, D) row-major
        float[] bv = bias.getArray().toFloatArray();
        int d = Math.toIntExact(weight.getArray().getShape().get(1));
        List<Probe> probes = new ArrayList<>();
        for (int a = 0; a < attributes.size(); a++) {
            int out = outputsOf(attributes.get(a));
            float[] pw = new float[d * out]; // Probe's W is (D, out) row-major
            float[] pb = new float[out];
            for (int j = 0; j < out; j++) {
                int row = offsets[a] + j;
                for (int i = 0; i < d; i++) {
                    pw[i * out + j] = w[row * d + i];
                }
                pb[j] = bv[row];
            }
            probes.add(new Probe(attributes.get(a).numClasses(), d, 0, new float[][] {pw, pb}));
        }
        return new AttributeClassifier(attributes, probes, thresholds, AttributeClassifier.Source.MULTITASK);
    }

    private void checkInitialized() {
        if (!layer.isInitialized()) {
            throw new IllegalStateException("The attribute head is not initialized: train it in a MetricHead, or call"
                    + " initialize(manager, DataType.FLOAT32, new Shape(1, embeddingSize)).");
        }
    }

    /** The logits of (B, D) embeddings, the block's one input. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(logits(parameterStore, inputs.head(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), outputs)};
    }

    /** Initializes the layer for (B, D) embeddings. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        layer.initialize(manager, dataType, inputShapes[0]);
    }

    /** A one-line description for logs and model cards: the attributes, with any task weight other than 1. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (int a = 0; a < attributes.size(); a++) {
            parts.add(attributes.get(a).name() + (taskWeights[a] == 1.0 ? ""
                    : String.format(Locale.ROOT, " x%s", stripZeros(taskWeights[a]))));
        }
        return "attributes " + parts;
    }

    private static String stripZeros(double v) {
        return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
        return "AttributeHead{" + describe() + ", outputs " + outputs + '}';
    }

    /** Builder for {@link AttributeHead}. */
    public static final class Builder {
        private List<AttributeTable.Attribute> attributes;
        private double defaultTaskWeight = 1.0;
        private final Map<String, Double> taskWeights = new LinkedHashMap<>();
        private AttributeLabels classWeightLabels;
        private float learningRateMultiplier = 1f;

        private Builder() {}

        /** Sets the attributes, in the order of the label matrix's columns (required). */
        public Builder setAttributes(List<AttributeTable.Attribute> attributes) {
            this.attributes = attributes;
            return this;
        }

        /** Sets the task weight of every attribute not given its own (default 1). */
        public Builder optTaskWeights(double weight) {
            this.defaultTaskWeight = weight;
            return this;
        }

        /** Sets the task weight of one attribute, by name (default: {@link #optTaskWeights(double)}). */
        public Builder optTaskWeight(String attribute, double weight) {
            taskWeights.put(Objects.requireNonNull(attribute, "attribute"), weight);
            return this;
        }

        /**
         * Weights each attribute's classes by the training labels, as {@link ClassWeighting#BALANCED}:
         * a label of class c weighs n / (k n<sub>c</sub>) among the n known labels of k present
         * classes (default: every label weighs 1).
         *
         * @param train the training images' labels, with the same attributes
         */
        public Builder optClassWeights(AttributeLabels train) {
            this.classWeightLabels = train;
            return this;
        }

        /** Sets the multiple of the trainer's learning rate at which the attribute layer trains (default 1). */
        public Builder optLearningRateMultiplier(float multiplier) {
            this.learningRateMultiplier = multiplier;
            return this;
        }

        /**
         * Validates and builds the head.
         *
         * @throws IllegalArgumentException naming the bad setting: no attributes, a name given
         *     twice, a task weight for an unknown attribute or not finite and &gt;= 0, class-weight
         *     labels of other attributes, a learning-rate multiplier not finite and &gt; 0
         */
        public AttributeHead build() {
            if (attributes == null || attributes.isEmpty()) {
                throw new IllegalArgumentException("AttributeHead needs the attributes: call setAttributes(...).");
            }
            Map<String, Integer> index = new HashMap<>();
            for (int a = 0; a < attributes.size(); a++) {
                if (index.put(attributes.get(a).name(), a) != null) {
                    throw new IllegalArgumentException("AttributeHead got attribute '" + attributes.get(a).name()
                            + "' twice.");
                }
            }
            checkWeight("The default task weight", defaultTaskWeight);
            double[] weights = new double[attributes.size()];
            Arrays.fill(weights, defaultTaskWeight);
            for (Map.Entry<String, Double> e : taskWeights.entrySet()) {
                Integer a = index.get(e.getKey());
                if (a == null) {
                    throw new IllegalArgumentException("AttributeHead got a task weight for '" + e.getKey()
                            + "', which is not one of its attributes " + names() + ".");
                }
                checkWeight("The task weight of '" + e.getKey() + "'", e.getValue());
                weights[a] = e.getValue();
            }
            if (!(learningRateMultiplier > 0f) || !Float.isFinite(learningRateMultiplier)) {
                throw new IllegalArgumentException("The learning-rate multiplier of AttributeHead must be a finite"
                        + " number > 0, got " + learningRateMultiplier + ".");
            }
            float[][] classWeights = new float[attributes.size()][];
            for (int a = 0; a < attributes.size(); a++) {
                classWeights[a] = new float[attributes.get(a).numClasses()];
                Arrays.fill(classWeights[a], 1f);
            }
            if (classWeightLabels != null) {
                if (!classWeightLabels.attributes().equals(attributes)) {
                    throw new IllegalArgumentException("The class-weight labels have attributes "
                            + classWeightLabels.attributes().stream().map(AttributeTable.Attribute::name).toList()
                            + ", the head " + names() + ": give the training labels of the same attributes.");
                }
                for (int a = 0; a < attributes.size(); a++) {
                    classWeights[a] = balanced(classWeightLabels.labels(a), attributes.get(a).numClasses());
                }
            }
            return new AttributeHead(this, weights, classWeights);
        }

        /** n / (k_present n_c) per class, 1 for a class with no label (scikit-learn's 'balanced'). */
        private static float[] balanced(int[] labels, int numClasses) {
            long[] counts = new long[numClasses];
            long n = 0;
            for (int v : labels) {
                if (v != AttributeTable.MISSING) {
                    counts[v]++;
                    n++;
                }
            }
            long present = Arrays.stream(counts).filter(c -> c > 0).count();
            float[] w = new float[numClasses];
            for (int k = 0; k < numClasses; k++) {
                w[k] = counts[k] == 0 ? 1f : (float) ((double) n / (present * (double) counts[k]));
            }
            return w;
        }

        private static void checkWeight(String what, double w) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + w + ".");
            }
        }

        private List<String> names() {
            return attributes.stream().map(AttributeTable.Attribute::name).toList();
        }
    }
}
