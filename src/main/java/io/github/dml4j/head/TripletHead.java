package io.github.dml4j.head;

import ai.djl.training.loss.Loss;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.Miner;
import io.github.dml4j.miner.Triplets;
import io.github.dml4j.miner.TripletMarginMiner;

/**
 * The triplet network in batch-mining mode: one forward pass embeds a P x K batch, a miner picks
 * (anchor, positive, negative) triplets from it and a {@link TripletMarginLoss} scores them
 * (Schroff et al. 2015; Hermans et al. 2017).
 *
 * <p>Defaults: triplet margin loss with margin 0.2 and semi-hard mining at the same margin, the
 * benchmark protocol's setting. Without a miner, every valid triplet of the batch is used.
 */
public final class TripletHead extends MetricHead {

    private static final byte VERSION = 1;

    private final TripletMarginLoss tripletLoss;
    private final Miner<Triplets> miner;
    private final MiningLoss loss;

    private TripletHead(Builder builder) {
        super(VERSION, builder.embeddingNet);
        this.tripletLoss = builder.loss;
        this.miner = builder.miner;
        this.loss = new MiningLoss(tripletLoss, miner);
    }

    /** Returns a builder; the embedding network is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The triplet loss. */
    public TripletMarginLoss getTripletLoss() {
        return tripletLoss;
    }

    /** The miner, or {@code null} when every triplet is used. */
    public Miner<Triplets> getMiner() {
        return miner;
    }

    @Override
    public Loss getLoss() {
        return loss;
    }

    @Override
    public String describe() {
        return tripletLoss + (miner == null ? " on all triplets" : " with " + miner);
    }

    /** Builder for {@link TripletHead}. */
    public static final class Builder {
        private EmbeddingNet embeddingNet;
        private TripletMarginLoss loss = TripletMarginLoss.builder().optMargin(0.2f).build();
        private Miner<Triplets> miner = TripletMarginMiner.builder()
                .optMargin(0.2f).optType(TripletMarginMiner.Type.SEMIHARD).build();
        private boolean minerSet;

        private Builder() {}

        /** Sets the shared embedding network (required). */
        public Builder setEmbeddingNet(EmbeddingNet embeddingNet) {
            this.embeddingNet = embeddingNet;
            return this;
        }

        /** Sets the loss (default margin 0.2 on normalized L2). */
        public Builder optLoss(TripletMarginLoss loss) {
            this.loss = loss;
            return this;
        }

        /** Sets the miner; {@code null} uses every valid triplet (default semi-hard at margin 0.2). */
        public Builder optMiner(Miner<Triplets> miner) {
            this.miner = miner;
            this.minerSet = true;
            return this;
        }

        /** Builds the head. */
        public TripletHead build() {
            if (embeddingNet == null) {
                throw new IllegalArgumentException("TripletHead needs an EmbeddingNet: call setEmbeddingNet(...).");
            }
            if (loss == null) {
                throw new IllegalArgumentException("The loss of TripletHead must not be null.");
            }
            if (!minerSet && miner instanceof TripletMarginMiner m) {
                // keep the default miner's margin and distance in step with the chosen loss
                miner = TripletMarginMiner.builder().optMargin(loss.getMargin())
                        .optType(m.getType()).optDistance(loss.getDistance()).build();
            }
            return new TripletHead(this);
        }
    }
}
