package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.PairList;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Miner;

/**
 * The Siamese network: two branches that share every weight, the one {@link EmbeddingNet},
 * trained with a {@link ContrastiveLoss} (Hadsell, Chopra and LeCun 2006; Bromley et al. 1993).
 *
 * <p>The mode follows from the number of inputs of each batch, so one head serves both:
 * <ul>
 *   <li><b>explicit pairs</b>, two inputs (first images, second images), each (B, C, H, W), and a
 *       (B) label that is 1 (or {@code true}) for a same-class pair and 0 for a different-class
 *       pair, as {@code PairBatches} gives them. The two inputs are concatenated and embedded in
 *       one forward pass (so batch normalization sees both branches alike), split again, and
 *       scored by {@link ContrastiveLoss#computeForPairs}. The output is the two (B, D)
 *       embeddings. The miner is not used.</li>
 *   <li><b>batch mining</b>, one input, a P x K batch of (B, C, H, W) images with (B) class
 *       labels, as {@code ClassBatches} gives them. The miner (a pair miner such as
 *       {@code PairMarginMiner}, or any miner; its tuples are converted to pairs) chooses pairs
 *       from the batch, and without a miner every positive and every negative pair of the batch
 *       is used. The output is the (B, D) embeddings.</li>
 * </ul>
 *
 * <pre>{@code
 * SiameseHead head = SiameseHead.builder()
 *         .setEmbeddingNet(net)
 *         .optLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build())
 *         .build();
 * trainer.fit(new PairBatches(pairs, sampler));       // explicit pairs
 * }</pre>
 *
 * <p>Defaults: contrastive loss with positive margin 0 and negative margin 1 on Euclidean
 * distance of normalized embeddings, no miner. Only the embedding network is exported.
 */
public final class SiameseHead extends MetricHead {

    private static final byte VERSION = 1;

    private final ContrastiveLoss contrastiveLoss;
    private final Miner<? extends MinedTuples> miner;
    private final SiameseLoss loss;

    private SiameseHead(Builder builder) {
        super(VERSION, builder.embeddingNet);
        this.contrastiveLoss = builder.loss;
        this.miner = builder.miner;
        this.loss = new SiameseLoss(contrastiveLoss, new MiningLoss(contrastiveLoss, miner));
    }

    /** Returns a builder; the embedding network is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The contrastive loss. */
    public ContrastiveLoss getContrastiveLoss() {
        return contrastiveLoss;
    }

    /** The miner of batch-mining mode, or {@code null} when every pair of the batch is used. */
    public Miner<? extends MinedTuples> getMiner() {
        return miner;
    }

    /**
     * The loss: on two predictions (explicit pairs) {@link ContrastiveLoss#computeForPairs} with the
     * same/different label; on one prediction (batch mining) the contrastive loss of the mined
     * pairs.
     */
    @Override
    public Loss getLoss() {
        return loss;
    }

    @Override
    public String describe() {
        return "SiameseHead with " + contrastiveLoss
                + (miner == null ? "" : ", batch pairs mined with " + miner);
    }

    /**
     * Embeds the inputs with the shared network: one input gives its (B, D) embeddings, two inputs
     * of one shape are embedded in one pass and give two (B, D) embeddings.
     */
    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs.size() == 1) {
            return getEmbeddingNet().forward(parameterStore, inputs, training, params);
        }
        if (inputs.size() != 2) {
            throw new IllegalArgumentException("SiameseHead takes one input (a batch to mine pairs from) or two"
                    + " (first and second images of explicit pairs), got " + inputs.size() + ".");
        }
        return forwardShared("SiameseHead", getEmbeddingNet(), parameterStore, inputs, training, params);
    }

    /** Concatenates same-shaped inputs, embeds them in one forward pass and splits the result. */
    static NDList forwardShared(String head, EmbeddingNet net, ParameterStore parameterStore, NDList inputs,
                                boolean training, PairList<String, Object> params) {
        Shape first = inputs.get(0).getShape();
        for (NDArray input : inputs) {
            if (!input.getShape().equals(first)) {
                throw new IllegalArgumentException(head + "'s inputs must all have one shape, got "
                        + java.util.Arrays.toString(inputs.getShapes()) + ".");
            }
        }
        NDArray all = NDArrays.concat(inputs, 0);
        NDArray embeddings = net.forward(parameterStore, new NDList(all), training, params).singletonOrThrow();
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

    /** Initializes the shared network for one branch's input shape. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        getEmbeddingNet().initialize(manager, dataType, inputShapes[0]);
    }

    /**
     * Contrastive loss of explicit pairs (two predictions) or of mined pairs (one prediction).
     * Remembers its last result for the same lists, as {@link MiningLoss} does, so that DJL's
     * evaluator listener does not pay for it twice.
     */
    private static final class SiameseLoss extends Loss {

        private final ContrastiveLoss loss;
        private final MiningLoss mining;
        private NDList lastLabels;
        private NDList lastPredictions;
        private NDArray lastValue;

        SiameseLoss(ContrastiveLoss loss, MiningLoss mining) {
            super(loss.getName());
            this.loss = loss;
            this.mining = mining;
        }

        @Override
        public synchronized NDArray evaluate(NDList labels, NDList predictions) {
            if (predictions.size() == 1) {
                return mining.evaluate(labels, predictions);
            }
            if (predictions.size() != 2) {
                throw new IllegalArgumentException("SiameseHead's loss needs one embedding batch (batch mining) or two"
                        + " (explicit pairs), got " + predictions.size() + ".");
            }
            if (labels == lastLabels && predictions == lastPredictions && lastValue != null && !lastValue.isReleased()) {
                return lastValue;
            }
            NDArray value = loss.computeForPairs(predictions.get(0), predictions.get(1), labels.head());
            lastLabels = labels;
            lastPredictions = predictions;
            lastValue = value;
            return value;
        }
    }

    /** Builder for {@link SiameseHead}. */
    public static final class Builder {
        private EmbeddingNet embeddingNet;
        private ContrastiveLoss loss = ContrastiveLoss.builder().build();
        private Miner<? extends MinedTuples> miner;

        private Builder() {}

        /** Sets the shared embedding network (required). */
        public Builder setEmbeddingNet(EmbeddingNet embeddingNet) {
            this.embeddingNet = embeddingNet;
            return this;
        }

        /** Sets the loss (default margins 0 and 1 on normalized L2, mean over non-zero terms). */
        public Builder optLoss(ContrastiveLoss loss) {
            this.loss = loss;
            return this;
        }

        /**
         * Sets the miner of batch-mining mode (default none: every pair of the batch); ignored for
         * explicit pairs.
         */
        public Builder optMiner(Miner<? extends MinedTuples> miner) {
            this.miner = miner;
            return this;
        }

        /** Validates and builds the head. */
        public SiameseHead build() {
            if (embeddingNet == null) {
                throw new IllegalArgumentException("SiameseHead needs an EmbeddingNet: call setEmbeddingNet(...).");
            }
            if (loss == null) {
                throw new IllegalArgumentException("The loss of SiameseHead must not be null.");
            }
            return new SiameseHead(this);
        }
    }
}
