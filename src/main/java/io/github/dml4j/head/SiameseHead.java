package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
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
public final class SiameseHead extends ExplicitTupleHead {

    private static final byte VERSION = 1;

    private final ContrastiveLoss contrastiveLoss;
    private final Miner<? extends MinedTuples> miner;
    private final SiameseLoss loss;

    private SiameseHead(Builder builder) {
        super(VERSION, builder.embeddingNet, 2,
                "one input (a batch to mine pairs from) or two (first and second images of explicit pairs)");
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
     * Contrastive loss of explicit pairs (two predictions) or of mined pairs (one prediction).
     * Remembers its last result for the same lists ({@link CachedLoss}), so that DJL's evaluator
     * listener does not pay for it twice.
     */
    private static final class SiameseLoss extends TupleLoss {

        private final ContrastiveLoss loss;

        SiameseLoss(ContrastiveLoss loss, MiningLoss mining) {
            super(loss.getName(), mining, 2, "SiameseHead", "one embedding batch (batch mining) or two (explicit pairs)");
            this.loss = loss;
        }

        @Override
        NDArray computeExplicit(NDList labels, NDList predictions) {
            return loss.computeForPairs(predictions.get(0), predictions.get(1), labels.head());
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
