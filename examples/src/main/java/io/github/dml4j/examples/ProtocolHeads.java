package io.github.dml4j.examples;

import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.CenterLoss;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.loss.MultiSimilarityLoss;
import io.github.dml4j.loss.MultipleLosses;
import io.github.dml4j.loss.SoftmaxLoss;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.MultiSimilarityMiner;
import io.github.dml4j.miner.PairMarginMiner;
import io.github.dml4j.miner.TripletMarginMiner;

/** The heads of the benchmark protocol (docs/benchmark.md), with its loss and miner settings, shared by the examples. */
enum ProtocolHeads {
    /** Triplet margin 0.2 with semi-hard mining. */
    triplet,
    /** Contrastive (positive margin 0, negative margin 1) with a pair-margin miner of the same margins. */
    contrastive,
    /** Multi-similarity (alpha 2, beta 50, base 0.5) with its miner (epsilon 0.1). */
    multisim,
    /** ArcFace (28.6 degrees, scale 64), class weights at 10x the network's learning rate (1e-2 beside 1e-3). */
    arcface,
    /** Softmax + center loss (lambda 0.01, alpha 0.5). */
    center;

    /** Builds this head on {@code net}; {@code numClasses} is used by the losses with class parameters. */
    MetricHead build(EmbeddingNet net, int numClasses, CenterLoss.CenterUpdate centerUpdate) {
        return configure(net, numClasses, centerUpdate).build();
    }

    /** The head's builder with this loss and miner set, for more options (e.g. an attribute head). */
    MetricHead.Builder configure(EmbeddingNet net, int numClasses, CenterLoss.CenterUpdate centerUpdate) {
        MetricHead.Builder head = MetricHead.builder().setEmbeddingNet(net);
        return switch (this) {
            case triplet -> head
                    .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
                    .optMiner(TripletMarginMiner.builder().optMargin(0.2f).optType(TripletMarginMiner.Type.SEMIHARD).build());
            case contrastive -> head
                    .setLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build())
                    .optMiner(PairMarginMiner.builder().optPosMargin(0f).optNegMargin(1f).build());
            case multisim -> head
                    .setLoss(MultiSimilarityLoss.builder().optAlpha(2f).optBeta(50f).optBase(0.5f).build())
                    .optMiner(MultiSimilarityMiner.builder().optEpsilon(0.1f).build());
            case arcface -> head
                    .setLoss(ArcFaceLoss.builder().setNumClasses(numClasses).optMargin(28.6f).optScale(64f)
                            .optLearningRateMultiplier(10f).build());
            case center -> head
                    .setLoss(MultipleLosses.builder()
                            .addLoss(SoftmaxLoss.builder().setNumClasses(numClasses).build())
                            .addLoss(CenterLoss.builder().setNumClasses(numClasses).optAlpha(0.5f)
                                    .optCenterUpdate(centerUpdate).build(), 0.01f)
                            .build());
        };
    }
}
