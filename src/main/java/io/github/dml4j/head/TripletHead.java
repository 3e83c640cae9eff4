package io.github.dml4j.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
 *
 * <p>The same head also trains on <b>explicit triplets</b>: given three inputs (anchors,
 * positives, negatives, each (B, C, H, W), as {@code TripletBatches} gives them), it embeds their
 * concatenation in one forward pass of the shared network, splits the result into the three
 * (B, D) embeddings it outputs, and the loss scores row i of each as triplet i; the miner is not
 * used. The label is then the (B, 3) classes of anchor, positive and negative (not read by the
 * loss). The mode follows from the number of inputs: one for batch mining, three for explicit
 * triplets.
 */
public final class TripletHead extends ExplicitTupleHead {

    private static final byte VERSION = 1;

    private final TripletMarginLoss tripletLoss;
    private final Miner<Triplets> miner;
    private final TripletLoss loss;

    private TripletHead(Builder builder) {
        super(VERSION, builder.embeddingNet, 3, "one input (a batch to mine triplets from) or three"
                + " (anchors, positives and negatives of explicit triplets)");
        this.tripletLoss = builder.loss;
        this.miner = builder.miner;
        this.loss = new TripletLoss(tripletLoss, new MiningLoss(tripletLoss, miner));
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

    /**
     * Mined triplets on one prediction, explicit triplets on three: row i of the anchors',
     * positives' and negatives' embeddings is triplet i. Remembers its last result for the same
     * lists ({@link CachedLoss}).
     */
    private static final class TripletLoss extends TupleLoss {

        private final TripletMarginLoss loss;

        TripletLoss(TripletMarginLoss loss, MiningLoss mining) {
            super(loss.getName(), mining, 3, "TripletHead", "one embedding batch (batch mining) or three (explicit triplets)");
            this.loss = loss;
        }

        @Override
        NDArray computeExplicit(NDList labels, NDList predictions) {
            NDArray anchors = predictions.get(0);
            long b = anchors.getShape().get(0);
            NDManager manager = anchors.getManager();
            NDArray embeddings = NDArrays.concat(predictions, 0);
            NDArray l = labels.isEmpty() ? null : labels.head();
            // the loss reads no labels when it is given the triplets; keep the classes when they are there
            NDArray flatLabels = l != null && l.getShape().equals(new Shape(b, 3))
                    ? l.transpose(1, 0).reshape(-1) : manager.arange(0, 3 * b, 1, DataType.INT64);
            NDArray rows = manager.arange(0, b, 1, DataType.INT64);
            Triplets triplets = new Triplets(rows, rows.add(b), rows.add(2 * b));
            return loss.compute(embeddings, flatLabels, triplets);
        }
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
