package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.nn.ParameterGroup;

import java.util.List;

/**
 * The base of every DML4J loss: a DJL block that maps a batch's (B, D) embeddings and its labels,
 * and optionally mined tuples, to a scalar loss, and that owns whatever parameters the loss has.
 *
 * <p>Losses without parameters ({@link MetricLoss} and its tuple losses) only compute. Losses
 * with parameters (ArcFace's and CosFace's class weights, proxy-anchor's proxies, center loss's
 * centres, a softmax classifier) create them in their constructor, size them from the embedding
 * size in {@link #prepare(Shape[])}, read their values through the {@link ParameterStore} (so a
 * trainer's store updates them) and declare a learning-rate multiplier: the trainer trains them
 * at that multiple of its rate, under any optimizer, and checkpoints them with the network. They
 * are never exported with the embedding network.
 *
 * <p>Writing a loss takes one class, inside or outside this library: extend this class (or
 * {@link MetricLoss} for a tuple loss), implement {@link #computeLoss}, and, for a loss with
 * parameters, add them with {@code addParameter} and set their shape in {@code prepare}.
 * {@link #compute(ParameterStore, NDArray, NDArray, MinedTuples, boolean)} does the shared checks
 * first, as pytorch-metric-learning's {@code BaseMetricLossFunction.forward} does.
 *
 * <p>As a DJL block its input is (embeddings, labels) and its output the scalar loss.
 */
public abstract class EmbeddingLoss extends AbstractBlock {

    private final String name;
    private final float learningRateMultiplier;

    /**
     * @param version the block's parameter-file version
     * @param name the loss name in logs and model cards, e.g. {@code "ArcFaceLoss"}
     * @param learningRateMultiplier the multiple of the trainer's learning rate at which this
     *     loss's own parameters train; finite and &gt; 0 (irrelevant for a loss without parameters)
     */
    protected EmbeddingLoss(byte version, String name, float learningRateMultiplier) {
        super(version);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A loss needs a name.");
        }
        if (!(learningRateMultiplier > 0f) || !Float.isFinite(learningRateMultiplier)) {
            throw new IllegalArgumentException("The learning-rate multiplier of " + name
                    + " must be a finite number > 0, got " + learningRateMultiplier + ".");
        }
        this.name = name;
        this.learningRateMultiplier = learningRateMultiplier;
    }

    /** The loss name in logs and model cards. */
    public String getName() {
        return name;
    }

    /** The multiple of the trainer's learning rate at which this loss's own parameters train. */
    public float getLearningRateMultiplier() {
        return learningRateMultiplier;
    }

    /**
     * Whether mined or explicit tuples (pairs, triplets) select what this loss scores. Pair and
     * triplet losses do; losses over class parameters (ArcFace, proxies, centres) read class labels
     * only and refuse tuples. Default {@code false}.
     */
    public boolean acceptsTuples() {
        return false;
    }

    /**
     * Whether this loss needs the batch's true class labels, so it cannot learn from explicit
     * pairs or triplets (whose labels say only which images match). Default: the opposite of
     * {@link #acceptsTuples()}.
     */
    public boolean needsClassLabels() {
        return !acceptsTuples();
    }

    /**
     * Computes the loss of a batch.
     *
     * @param parameterStore where this loss's parameters are read from (a trainer's store during
     *     training)
     * @param embeddings (B, D) embeddings
     * @param labels (B) or (B, 1) integer labels
     * @param tuples mined or explicit tuples into the batch, or {@code null} for every valid
     *     tuple (losses that {@linkplain #acceptsTuples() accept tuples}) or none
     * @param training {@code true} in a training step: losses that move state outside the
     *     optimizer (center loss's centre update) do so only then
     * @return a scalar in the graph of {@code embeddings}
     * @throws IllegalArgumentException naming the problem: embeddings not 2-D, a label count that
     *     differs from the batch, tuples given to a loss that takes none
     * @throws IllegalStateException if the loss has parameters that are not initialized
     */
    public final NDArray compute(ParameterStore parameterStore, NDArray embeddings, NDArray labels, MinedTuples tuples,
                                 boolean training) {
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException(name + " expects embeddings of shape (batch, dim), got "
                    + embeddings.getShape() + ".");
        }
        NDArray flatLabels = labels.reshape(-1);
        if (flatLabels.size() != embeddings.getShape().get(0)) {
            throw new IllegalArgumentException(name + " got " + embeddings.getShape().get(0)
                    + " embeddings but " + flatLabels.size() + " labels.");
        }
        if (tuples != null && !acceptsTuples()) {
            throw new IllegalArgumentException(name + " scores class labels, not pairs or triplets: train it on class "
                    + "batches without a miner.");
        }
        for (Parameter p : getParameters().values()) {
            if (!p.isInitialized()) {
                throw new IllegalStateException(name + " is not initialized: train it in a MetricHead, or call "
                        + "initialize(manager, embeddingSize) before computing it directly.");
            }
        }
        return computeLoss(parameterStore, embeddings, flatLabels, tuples, training);
    }

    /**
     * Computes the loss outside a training step, with this loss's parameters as they are: for
     * evaluation and tests.
     *
     * @param embeddings (B, D) embeddings
     * @param labels (B) or (B, 1) integer labels
     * @param tuples mined or explicit tuples, or {@code null}
     * @return a scalar in the graph of {@code embeddings}
     */
    public final NDArray compute(NDArray embeddings, NDArray labels, MinedTuples tuples) {
        return compute(new ParameterStore(embeddings.getManager(), false), embeddings, labels, tuples, false);
    }

    /** As {@link #compute(NDArray, NDArray, MinedTuples)} with every valid tuple of the batch. */
    public final NDArray compute(NDArray embeddings, NDArray labels) {
        return compute(embeddings, labels, null);
    }

    /**
     * Computes the loss after the checks of
     * {@link #compute(ParameterStore, NDArray, NDArray, MinedTuples, boolean)}.
     *
     * @param parameterStore where to read this loss's parameters, with
     *     {@code parameterStore.getValue(parameter, embeddings.getDevice(), training)}
     * @param embeddings (B, D) embeddings
     * @param labels (B) labels
     * @param tuples the tuples, or {@code null}; never non-null unless {@link #acceptsTuples()}
     * @param training whether this is a training step
     * @return a scalar in the graph of {@code embeddings}
     */
    protected abstract NDArray computeLoss(ParameterStore parameterStore, NDArray embeddings, NDArray labels,
                                           MinedTuples tuples, boolean training);

    /**
     * The groups of this loss's trainable parameters: one group named after the loss at its
     * learning-rate multiplier, or none for a loss without trainable parameters.
     */
    public List<ParameterGroup> parameterGroups() {
        List<Parameter> trainable = getParameters().values().stream().filter(Parameter::requiresGradient).toList();
        return trainable.isEmpty() ? List.of() : List.of(new ParameterGroup(name, learningRateMultiplier, trainable));
    }

    /**
     * Initializes this loss's parameters, if any, for embeddings of {@code embeddingSize}; a
     * {@code MetricHead} does this for the losses it trains.
     */
    public void initialize(NDManager manager, int embeddingSize) {
        initialize(manager, DataType.FLOAT32, new Shape(1, embeddingSize), new Shape(1));
    }

    /** Computes the loss of (embeddings, labels), the block's two inputs, with every valid tuple. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException(name + " takes two inputs, the embeddings and the labels, got "
                    + inputs.size() + ".");
        }
        return new NDList(compute(parameterStore, inputs.get(0), inputs.get(1), null, training));
    }

    /** A scalar. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape()};
    }

    /**
     * This loss as a DJL {@link Loss} of (labels, predictions), the embeddings being the first
     * prediction, for DJL's own training loop. Only a loss without parameters can be used so: DJL's
     * trainer updates only its model's block, so a loss with parameters must be trained inside a
     * {@code MetricHead}.
     *
     * @throws IllegalStateException if this loss has parameters
     */
    public Loss asDjlLoss() {
        if (!getParameters().isEmpty()) {
            throw new IllegalStateException(name + " owns parameters, which DJL's trainer would not update: train it "
                    + "in a MetricHead with MetricTrainer.");
        }
        EmbeddingLoss self = this;
        return new Loss(name) {
            @Override
            public NDArray evaluate(NDList labels, NDList predictions) {
                return self.compute(predictions.head(), labels.head());
            }
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
