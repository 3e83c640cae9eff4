package io.github.dml4j.head;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import io.github.dml4j.attributes.AttributeHead;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.loss.EmbeddingLoss;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Miner;
import io.github.dml4j.miner.Pairs;
import io.github.dml4j.miner.Triplets;
import io.github.dml4j.nn.ParameterGroup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The training-time part that sits on the shared {@link EmbeddingNet}: the network, a loss and
 * an optional miner, for every batch layout. It embeds all images of a batch in one forward pass
 * (so batch normalization sees every branch of a pair or triplet alike), chooses the tuples to
 * learn from and computes the loss:
 *
 * <ul>
 *   <li>{@link BatchLayout#CLASSES}: P x K batches of single images; the miner picks pairs or
 *       triplets (without a miner a tuple loss uses every valid tuple, a class loss the labels);</li>
 *   <li>{@link BatchLayout#PAIRS}: explicit pairs, a Siamese network's two branches; the pairs are
 *       the tuples;</li>
 *   <li>{@link BatchLayout#TRIPLETS}: explicit (anchor, positive, negative) triplets.</li>
 * </ul>
 *
 * <p>The layout comes from the batch source, never from the number of inputs. The classic
 * set-ups are this head with a loss, a miner and a batch source: a triplet network is a
 * {@code TripletMarginLoss} with a {@code TripletMarginMiner} on class batches (or on explicit
 * triplets); a Siamese network a {@code ContrastiveLoss} on explicit pairs (or with a pair miner
 * on class batches); center loss a {@code MultipleLosses} of a softmax and a {@code CenterLoss}.
 *
 * <pre>{@code
 * MetricHead head = MetricHead.builder()
 *         .setEmbeddingNet(net)
 *         .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
 *         .optMiner(TripletMarginMiner.builder().optMargin(0.2f).optType(TripletMarginMiner.Type.SEMIHARD).build())
 *         .build();
 * }</pre>
 *
 * <p>The head is a DJL block whose children are the network and the loss, so the loss's own
 * parameters (class weights, proxies, centres) train and are checkpointed with the network, at
 * the learning-rate multipliers of {@link #parameterGroups()}. Only the embedding network (and
 * the attribute layer of a multi-task head) is exported.
 *
 * <p><b>Multi-task</b>: with {@link Builder#optAttributeHead(AttributeHead)} the head also learns
 * attributes (glasses, smile, an age group...) from the same embeddings: class batches then carry
 * a (B, A) attribute label matrix as their second label ({@code train.AttributeBatches} adds it),
 * and the loss is the metric loss plus the attribute head's weighted, masked loss. The attribute
 * layer reads the exported embedding, so it is exported with the network as an attribute
 * classifier ({@link AttributeHead#toClassifier()}).
 *
 * <pre>{@code
 * MetricHead head = MetricHead.builder()
 *         .setEmbeddingNet(net)
 *         .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
 *         .optAttributeHead(AttributeHead.builder().setAttributes(train.attributes()).optClassWeights(train).build())
 *         .build();
 * }</pre>
 */
public final class MetricHead extends AbstractBlock {

    private static final byte VERSION = 2;

    private final EmbeddingNet embeddingNet;
    private final EmbeddingLoss loss;
    private final Miner<? extends MinedTuples> miner;
    private final AttributeHead attributeHead;

    private MetricHead(Builder builder) {
        super(VERSION);
        this.embeddingNet = addChildBlock("embedding", builder.embeddingNet);
        this.loss = addChildBlock("loss", builder.loss);
        this.miner = builder.miner;
        // added last, so that heads without attributes keep their parameter layout
        this.attributeHead = builder.attributeHead == null ? null : addChildBlock("attributes", builder.attributeHead);
    }

    /** Returns a builder; the embedding network and the loss are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The shared embedding network, the part that is exported. */
    public EmbeddingNet getEmbeddingNet() {
        return embeddingNet;
    }

    /** The loss. */
    public EmbeddingLoss getLoss() {
        return loss;
    }

    /** The miner of class batches, or {@code null}. */
    public Miner<? extends MinedTuples> getMiner() {
        return miner;
    }

    /** The attribute head of a multi-task head, or {@code null}. */
    public AttributeHead getAttributeHead() {
        return attributeHead;
    }

    /**
     * A one-line description of the objective for logs and model cards: the loss, the miner and
     * the attributes of a multi-task head.
     */
    public String describe() {
        return loss + (miner == null ? "" : " with " + miner)
                + (attributeHead == null ? "" : " + " + attributeHead.describe());
    }

    /**
     * The groups of trainable parameters, each with its learning-rate multiplier: the embedding
     * network's, then the loss's, then the attribute layer's ({@code "attributes"}).
     */
    public List<ParameterGroup> parameterGroups() {
        List<ParameterGroup> groups = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        List<ParameterGroup> all = new ArrayList<>(embeddingNet.parameterGroups());
        all.addAll(loss.parameterGroups());
        if (attributeHead != null) {
            all.addAll(attributeHead.parameterGroups());
        }
        for (ParameterGroup g : all) {
            String name = g.name();
            for (int k = 2; !names.add(name); k++) {
                name = g.name() + "#" + k; // two parts of one kind, e.g. two center losses
            }
            groups.add(name.equals(g.name()) ? g : new ParameterGroup(name, g.learningRateMultiplier(), g.parameters()));
        }
        return Collections.unmodifiableList(groups);
    }

    /**
     * Checks, before training, that this head can learn from batches of {@code layout}.
     *
     * @throws IllegalArgumentException if the loss (or a part of it) needs class labels and the
     *     layout is one of explicit pairs or triplets, naming both; or if the head learns
     *     attributes and the layout is not one of class batches
     */
    public void checkLayout(BatchLayout layout) {
        if (layout.isExplicitTuples() && attributeHead != null) {
            throw new IllegalArgumentException("The head learns attributes, which need single labelled images, but the"
                    + " batches hold " + layout.name().toLowerCase(java.util.Locale.ROOT) + " (" + layout.description()
                    + "): train it on class batches with attribute labels (AttributeBatches).");
        }
        if (layout.isExplicitTuples() && loss.needsClassLabels()) {
            throw new IllegalArgumentException(loss.getName() + " learns from class labels, but the batches hold "
                    + layout.name().toLowerCase(java.util.Locale.ROOT) + " (" + layout.description()
                    + "): train it on class batches (ClassBatches), or choose a pair or triplet loss.");
        }
    }

    /**
     * Checks, before training, that batches carrying labels of {@code batchAttributes} (empty
     * for none) fit this head: a head with attributes needs labels of the same attributes, in
     * the same order; a head without ignores them.
     *
     * @throws IllegalArgumentException naming both lists when they differ
     */
    public void checkAttributes(List<AttributeTable.Attribute> batchAttributes) {
        if (attributeHead == null) {
            return;
        }
        if (batchAttributes.isEmpty()) {
            throw new IllegalArgumentException("The head learns attributes " + names(attributeHead.attributes())
                    + ", but the batches carry no attribute labels: wrap them in AttributeBatches.");
        }
        if (!batchAttributes.equals(attributeHead.attributes())) {
            throw new IllegalArgumentException("The head learns attributes " + names(attributeHead.attributes())
                    + ", but the batches carry labels of " + names(batchAttributes)
                    + ": build both from the same attribute labels.");
        }
    }

    private static List<String> names(List<AttributeTable.Attribute> attributes) {
        return attributes.stream().map(a -> a.name() + (a.kind() == AttributeTable.Kind.CATEGORICAL
                ? a.categories().toString() : "")).toList();
    }

    /**
     * Computes the loss of a training batch: embeds its images in one forward pass (split over
     * {@code devices} and gathered on the first, so that the loss and any miner see the whole
     * batch), forms the tuples the layout implies or the miner chooses, and evaluates the loss.
     *
     * @param parameterStore the trainer's parameter store
     * @param data the batch's image inputs, as {@code layout} describes them
     * @param labels the batch's labels, as {@code layout} describes them; for a head with
     *     attributes, class batches also carry the (B, A) attribute labels second
     * @param layout what the batch's records are
     * @param devices the devices to embed on, the first one holding the loss; one for most uses
     * @param training whether this is a training step (batch normalization, centre updates)
     * @return the loss and the batch's embeddings
     * @throws IllegalArgumentException if the inputs or labels do not fit the layout, naming it
     */
    public HeadOutput forward(ParameterStore parameterStore, NDList data, NDList labels, BatchLayout layout,
                              List<Device> devices, boolean training) {
        if (data.size() != layout.inputCount()) {
            throw new IllegalArgumentException("A batch of layout " + layout + " holds " + layout.description()
                    + ", but got " + data.size() + " input(s) of shapes " + Arrays.toString(data.getShapes()) + ".");
        }
        Shape first = data.get(0).getShape();
        for (NDArray input : data) {
            if (!input.getShape().equals(first)) {
                throw new IllegalArgumentException("The inputs of a " + layout + " batch must all have one shape, got "
                        + Arrays.toString(data.getShapes()) + ".");
            }
        }
        NDArray images = data.size() == 1 ? data.get(0) : NDArrays.concat(data, 0);
        NDArray embeddings = embed(parameterStore, images, devices, training);
        long b = first.get(0);
        NDManager manager = embeddings.getManager();
        NDArray flatLabels;
        MinedTuples tuples;
        switch (layout) {
            case PAIRS -> {
                NDArray same = requireLabels(labels, layout).head().reshape(-1).toType(DataType.BOOLEAN, false);
                if (same.size() != b) {
                    throw new IllegalArgumentException("A PAIRS batch of " + b + " pairs needs " + b
                            + " same/different labels, got " + same.size() + ".");
                }
                NDArray rows = manager.arange(0, b, 1, DataType.INT64);
                NDArray positive = same.nonzero().reshape(-1);
                NDArray negative = same.logicalNot().nonzero().reshape(-1);
                tuples = new Pairs(positive, positive.add(b), negative, negative.add(b));
                // a same pair shares its label; every other image stands alone
                flatLabels = rows.concat(NDArrays.where(same, rows, rows.add(b)));
            }
            case TRIPLETS -> {
                NDArray rows = manager.arange(0, b, 1, DataType.INT64);
                tuples = new Triplets(rows, rows.add(b), rows.add(2 * b));
                NDArray l = labels == null || labels.isEmpty() ? null : labels.head();
                if (l != null && !l.getShape().equals(new Shape(b, 3))) {
                    throw new IllegalArgumentException("A TRIPLETS batch of " + b + " triplets takes a (" + b
                            + ", 3) label of the anchors', positives' and negatives' classes, or none; got " + l.getShape() + ".");
                }
                // without classes, an anchor and its positive share a label and the negative stands alone
                flatLabels = l != null ? l.transpose(1, 0).reshape(-1).toType(DataType.INT64, false)
                        : rows.concat(rows).concat(rows.add(b));
            }
            default -> {
                flatLabels = requireLabels(labels, layout).head().reshape(-1);
                if (flatLabels.size() != b) {
                    throw new IllegalArgumentException("A CLASSES batch of " + b + " images needs " + b
                            + " labels, got " + flatLabels.size() + ".");
                }
                tuples = miner == null ? null : miner.mine(embeddings, flatLabels);
            }
        }
        NDArray value = loss.compute(parameterStore, embeddings, flatLabels, tuples, training);
        if (attributeHead == null) {
            return new HeadOutput(value, embeddings, flatLabels, tuples);
        }
        checkLayout(layout);
        int a = attributeHead.attributes().size();
        if (labels.size() < 2 || !labels.get(1).getShape().equals(new Shape(b, a))) {
            throw new IllegalArgumentException("The head learns " + a + " attributes, so a CLASSES batch of " + b
                    + " images needs a (" + b + ", " + a + ") attribute label matrix after its class labels, got "
                    + (labels.size() < 2 ? "none" : labels.get(1).getShape().toString())
                    + ": wrap the batches in AttributeBatches.");
        }
        NDArray attributeLoss = attributeHead.loss(parameterStore, embeddings, labels.get(1), training);
        return new HeadOutput(value.add(attributeLoss), embeddings, flatLabels, tuples, attributeLoss);
    }

    private static NDList requireLabels(NDList labels, BatchLayout layout) {
        if (labels == null || labels.isEmpty()) {
            throw new IllegalArgumentException("A " + layout + " batch needs labels: it holds " + layout.description() + ".");
        }
        return labels;
    }

    /** Embeds {@code images}, split over the devices and gathered on the first. */
    private NDArray embed(ParameterStore parameterStore, NDArray images, List<Device> devices, boolean training) {
        if (devices.size() <= 1) {
            Device device = devices.isEmpty() ? images.getDevice() : devices.get(0);
            NDArray x = images.getDevice().equals(device) ? images : images.toDevice(device, false);
            return embeddingNet.forward(parameterStore, new NDList(x), training).singletonOrThrow();
        }
        Device home = devices.get(0);
        long n = images.getShape().get(0);
        int parts = (int) Math.min(devices.size(), n);
        List<NDArray> pieces = new ArrayList<>();
        for (int k = 0; k < parts; k++) {
            long from = n * k / parts;
            long to = n * (k + 1) / parts;
            Device device = devices.get(k);
            NDArray slice = images.get(from + ":" + to);
            NDArray x = slice.getDevice().equals(device) ? slice : slice.toDevice(device, false);
            NDArray e = embeddingNet.forward(parameterStore, new NDList(x), training).singletonOrThrow();
            pieces.add(e.getDevice().equals(home) ? e : e.toDevice(home, false));
        }
        return NDArrays.concat(new NDList(pieces), 0);
    }

    /** Embeds the single input; the same as the embedding network's forward pass. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return embeddingNet.forward(parameterStore, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return embeddingNet.getOutputShapes(inputShapes);
    }

    /** Initializes the network for (B, C, H, W) inputs and the loss for its (B, D) embeddings. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        embeddingNet.initialize(manager, dataType, inputShapes[0]);
        long b = inputShapes[0].get(0);
        loss.initialize(manager, dataType, new Shape(b, embeddingNet.getEmbeddingSize()), new Shape(b));
        if (attributeHead != null) {
            attributeHead.initialize(manager, dataType, new Shape(b, embeddingNet.getEmbeddingSize()));
        }
    }

    /**
     * A view of this head as the block of a DJL {@code Model} trained by a DJL {@code Trainer}: its
     * labels-aware forward ({@code trainer.forward(data, labels)}) computes the loss of a batch of
     * {@code layout} and returns (loss, embeddings), with the attribute
     * loss third for a head with attributes; pair it with {@link TrainingView#loss()}. The
     * view's parameters are this head's.
     *
     * @param layout the layout of the batches it will be given
     * @param devices the devices to embed on, as {@link #forward} takes them
     */
    public TrainingView trainingView(BatchLayout layout, List<Device> devices) {
        checkLayout(layout);
        return new TrainingView(this, layout, devices);
    }

    @Override
    public String toString() {
        return "MetricHead{" + describe() + '}';
    }

    /**
     * What {@link #forward} computed for a batch.
     *
     * @param loss the scalar loss, in the graph of the embeddings (with attributes: the metric
     *     loss plus the attribute loss)
     * @param embeddings the (N, D) embeddings of the batch's images (N = B images, or 2B / 3B for
     *     explicit pairs / triplets, branch after branch)
     * @param labels the (N) labels the loss saw
     * @param tuples the tuples the loss scored, or {@code null} when it used all or none
     * @param attributeLoss the attribute head's part of {@code loss}, or {@code null} for a head
     *     without attributes
     */
    public record HeadOutput(NDArray loss, NDArray embeddings, NDArray labels, MinedTuples tuples,
                             NDArray attributeLoss) {

        /** The output of a head without attributes. */
        public HeadOutput(NDArray loss, NDArray embeddings, NDArray labels, MinedTuples tuples) {
            this(loss, embeddings, labels, tuples, null);
        }
    }

    /** A head bound to a batch layout, as DJL's {@code Trainer} calls a model's block. */
    public static final class TrainingView extends AbstractBlock {

        private final MetricHead head;
        private final BatchLayout layout;
        private final List<Device> devices;

        private TrainingView(MetricHead head, BatchLayout layout, List<Device> devices) {
            super(VERSION);
            this.head = addChildBlock("head", head);
            this.layout = layout;
            this.devices = List.copyOf(devices);
        }

        /** The head. */
        public MetricHead head() {
            return head;
        }

        /** The batch layout. */
        public BatchLayout layout() {
            return layout;
        }

        /**
         * The DJL loss to train this view with: it reads the loss that the forward pass computed
         * (the first prediction), so that DJL's evaluator listeners never compute it twice.
         */
        public Loss loss() {
            return new Loss(head.loss.getName()) {
                @Override
                public NDArray evaluate(NDList labels, NDList predictions) {
                    return predictions.get(0);
                }
            };
        }

        @Override
        protected NDList forwardInternal(ParameterStore parameterStore, NDList data, NDList labels,
                                         PairList<String, Object> params) {
            HeadOutput out = head.forward(parameterStore, data, labels, layout, devices, true);
            return out.attributeLoss() == null ? new NDList(out.loss(), out.embeddings())
                    : new NDList(out.loss(), out.embeddings(), out.attributeLoss());
        }

        @Override
        protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return head.forwardInternal(parameterStore, inputs, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return head.getOutputShapes(inputShapes);
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            head.initialize(manager, dataType, inputShapes);
        }
    }

    /** Builder for {@link MetricHead}. */
    public static final class Builder {
        private EmbeddingNet embeddingNet;
        private EmbeddingLoss loss;
        private Miner<? extends MinedTuples> miner;
        private AttributeHead attributeHead;

        private Builder() {}

        /** Sets the shared embedding network (required). */
        public Builder setEmbeddingNet(EmbeddingNet embeddingNet) {
            this.embeddingNet = embeddingNet;
            return this;
        }

        /** Sets the loss (required). */
        public Builder setLoss(EmbeddingLoss loss) {
            this.loss = loss;
            return this;
        }

        /**
         * Sets the miner that chooses the tuples of class batches (default none: a tuple loss uses
         * every valid tuple of the batch). Batches of explicit pairs or triplets are not mined.
         */
        public Builder optMiner(Miner<? extends MinedTuples> miner) {
            this.miner = miner;
            return this;
        }

        /**
         * Makes this a multi-task head: the attribute head learns attributes from the same
         * embeddings, its loss added to the metric loss (default none). Batches must carry
         * attribute labels ({@code train.AttributeBatches}).
         */
        public Builder optAttributeHead(AttributeHead attributeHead) {
            this.attributeHead = attributeHead;
            return this;
        }

        /** Validates and builds the head. */
        public MetricHead build() {
            if (embeddingNet == null) {
                throw new IllegalArgumentException("MetricHead needs an EmbeddingNet: call setEmbeddingNet(...).");
            }
            if (loss == null) {
                throw new IllegalArgumentException("MetricHead needs a loss: call setLoss(...), e.g. "
                        + "TripletMarginLoss.builder().build().");
            }
            if (miner != null && !loss.acceptsTuples()) {
                throw new IllegalArgumentException("MetricHead got a miner, but " + loss.getName()
                        + " learns from class labels and takes no mined tuples: remove optMiner(...).");
            }
            return new MetricHead(this);
        }
    }
}
