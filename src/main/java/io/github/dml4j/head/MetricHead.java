package io.github.dml4j.head;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;

import java.util.Map;
import io.github.dml4j.backbone.EmbeddingNet;

/**
 * The training-time part that sits on the shared {@link EmbeddingNet}: it says what its batches
 * look like, owns any parameters of its own and yields the loss. Only the embedding network is
 * exported; the head is dropped after training.
 *
 * <p>A head is a DJL block whose only child (besides its own parameters) is the embedding
 * network, so a DJL {@code Trainer} on the head updates the embedding network too.
 */
public abstract class MetricHead extends AbstractBlock {

    private final EmbeddingNet embeddingNet;

    /**
     * @param version the block's serialization version
     * @param embeddingNet the shared embedding network
     */
    protected MetricHead(byte version, EmbeddingNet embeddingNet) {
        super(version);
        if (embeddingNet == null) {
            throw new IllegalArgumentException("A head needs an EmbeddingNet: call setEmbeddingNet(...).");
        }
        this.embeddingNet = addChildBlock("embedding", embeddingNet);
    }

    /** The shared embedding network, the part that is exported. */
    public EmbeddingNet getEmbeddingNet() {
        return embeddingNet;
    }

    /** The DJL loss evaluated on (labels, this head's outputs) for a training batch. */
    public abstract Loss getLoss();

    /** A one-line description of the objective for logs and model cards, e.g. the loss and miner. */
    public abstract String describe();

    /**
     * Parameters this head owns that train at their own learning rate (for example class
     * weights or proxies), keyed by parameter. Empty by default: everything trains at the
     * trainer's learning rate.
     */
    public Map<Parameter, Float> getParameterLearningRates() {
        return Map.of();
    }

    /**
     * Called by the trainer after each optimizer step, with the batch's predictions and labels,
     * for updates made outside the optimizer (for example center loss's centre update). Arrays
     * created here must go to the batch's manager; does nothing by default.
     */
    public void afterStep(NDList predictions, NDList labels) {
        // no update outside the optimizer
    }

    /** Embeds the batch; subclasses with their own outputs override this. */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return embeddingNet.forward(parameterStore, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return embeddingNet.getOutputShapes(inputShapes);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        embeddingNet.initialize(manager, dataType, inputShapes);
    }
}
