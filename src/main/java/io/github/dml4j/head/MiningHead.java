package io.github.dml4j.head;

import ai.djl.training.loss.Loss;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.loss.MetricLoss;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Miner;

/**
 * Any tuple-based embedding loss in batch-mining mode: one forward pass embeds a P x K batch,
 * an optional miner picks pairs or triplets from it, and the loss scores them (every valid
 * tuple of the batch when there is no miner). For example multi-similarity loss with its miner:
 *
 * <pre>{@code
 * MiningHead head = MiningHead.builder()
 *         .setEmbeddingNet(net)
 *         .setLoss(MultiSimilarityLoss.builder().build())
 *         .optMiner(MultiSimilarityMiner.builder().optEpsilon(0.1f).build())
 *         .build();
 * }</pre>
 *
 * <p>{@link TripletHead} is the same idea with triplet defaults.
 */
public final class MiningHead extends MetricHead {

    private static final byte VERSION = 1;

    private final MetricLoss metricLoss;
    private final Miner<? extends MinedTuples> miner;
    private final MiningLoss loss;

    private MiningHead(Builder builder) {
        super(VERSION, builder.embeddingNet);
        this.metricLoss = builder.loss;
        this.miner = builder.miner;
        this.loss = new MiningLoss(metricLoss, miner);
    }

    /** Returns a builder; the embedding network and the loss are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The embedding loss. */
    public MetricLoss getMetricLoss() {
        return metricLoss;
    }

    /** The miner, or {@code null} when every valid tuple is used. */
    public Miner<? extends MinedTuples> getMiner() {
        return miner;
    }

    @Override
    public Loss getLoss() {
        return loss;
    }

    @Override
    public String describe() {
        return metricLoss + (miner == null ? " on all tuples" : " with " + miner);
    }

    /** Builder for {@link MiningHead}. */
    public static final class Builder {
        private EmbeddingNet embeddingNet;
        private MetricLoss loss;
        private Miner<? extends MinedTuples> miner;

        private Builder() {}

        /** Sets the shared embedding network (required). */
        public Builder setEmbeddingNet(EmbeddingNet embeddingNet) {
            this.embeddingNet = embeddingNet;
            return this;
        }

        /** Sets the loss (required). */
        public Builder setLoss(MetricLoss loss) {
            this.loss = loss;
            return this;
        }

        /** Sets the miner (default none: every valid tuple of the batch). */
        public Builder optMiner(Miner<? extends MinedTuples> miner) {
            this.miner = miner;
            return this;
        }

        /** Builds the head. */
        public MiningHead build() {
            if (embeddingNet == null) {
                throw new IllegalArgumentException("MiningHead needs an EmbeddingNet: call setEmbeddingNet(...).");
            }
            if (loss == null) {
                throw new IllegalArgumentException("MiningHead needs a loss: call setLoss(...).");
            }
            return new MiningHead(this);
        }
    }
}
