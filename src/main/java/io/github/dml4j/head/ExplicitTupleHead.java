package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.dml4j.backbone.EmbeddingNet;

import java.util.Arrays;

/**
 * A head whose mode follows from the number of inputs: one input is a batch to mine tuples from
 * and gives its (B, D) embeddings; as many inputs as a tuple has members (two for pairs, three
 * for triplets), each (B, C, H, W), are explicit tuples, embedded in one forward pass of the
 * shared network (so batch normalization sees every branch alike) and split again into one
 * (B, D) embedding batch per member. Its name in messages is its simple class name.
 */
abstract class ExplicitTupleHead extends MetricHead {

    private final int tupleSize;
    private final String inputs;

    /**
     * @param tupleSize the number of inputs of explicit tuples
     * @param inputs the inputs the head takes, as its message says, e.g. "one input (...) or two (...)"
     */
    ExplicitTupleHead(byte version, EmbeddingNet embeddingNet, int tupleSize, String inputs) {
        super(version, embeddingNet);
        this.tupleSize = tupleSize;
        this.inputs = inputs;
    }

    /**
     * Embeds the inputs with the shared network: one input gives its (B, D) embeddings; the inputs
     * of explicit tuples, all of one shape, are embedded in one pass and give one (B, D) embedding
     * batch each.
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs.size() == 1) {
            return getEmbeddingNet().forward(parameterStore, inputs, training, params);
        }
        String head = getClass().getSimpleName();
        if (inputs.size() != tupleSize) {
            throw new IllegalArgumentException(head + " takes " + this.inputs + ", got " + inputs.size() + ".");
        }
        Shape first = inputs.get(0).getShape();
        for (NDArray input : inputs) {
            if (!input.getShape().equals(first)) {
                throw new IllegalArgumentException(head + "'s inputs must all have one shape, got "
                        + Arrays.toString(inputs.getShapes()) + ".");
            }
        }
        NDArray all = NDArrays.concat(inputs, 0);
        NDArray embeddings = getEmbeddingNet().forward(parameterStore, new NDList(all), training, params).singletonOrThrow();
        return embeddings.split(inputs.size(), 0);
    }

    /** One (B, D) embedding shape per input. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[inputShapes.length];
        for (int i = 0; i < inputShapes.length; i++) {
            out[i] = getEmbeddingNet().getOutputShapes(new Shape[] {inputShapes[i]})[0];
        }
        return out;
    }

    /** Initializes the shared network for one input's shape. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        getEmbeddingNet().initialize(manager, dataType, inputShapes[0]);
    }

    /**
     * The loss of such a head: the mined tuples' on one prediction, the explicit tuples' on as many
     * predictions as a tuple has members. Remembers its last result ({@link CachedLoss}).
     */
    abstract static class TupleLoss extends CachedLoss {

        private final MiningLoss mining;
        private final int tupleSize;
        private final String owner;
        private final String predictions;

        /**
         * @param mining the loss of batch mining
         * @param owner the head, as the message names it
         * @param predictions the predictions the loss takes, as its message says
         */
        TupleLoss(String name, MiningLoss mining, int tupleSize, String owner, String predictions) {
            super(name);
            this.mining = mining;
            this.tupleSize = tupleSize;
            this.owner = owner;
            this.predictions = predictions;
        }

        @Override
        final NDArray compute(NDList labels, NDList predictions) {
            if (predictions.size() == 1) {
                return mining.compute(labels, predictions);
            }
            if (predictions.size() != tupleSize) {
                throw new IllegalArgumentException(owner + "'s loss needs " + this.predictions + ", got "
                        + predictions.size() + ".");
            }
            return computeExplicit(labels, predictions);
        }

        /** The loss of explicit tuples: row i of each prediction is a member of tuple i. */
        abstract NDArray computeExplicit(NDList labels, NDList predictions);
    }
}
