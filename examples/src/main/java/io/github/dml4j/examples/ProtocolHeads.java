package io.github.dml4j.examples;

import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.head.CenterLossHead;
import io.github.dml4j.head.MarginSoftmaxHead;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.head.MiningHead;
import io.github.dml4j.head.TripletHead;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.loss.MultiSimilarityLoss;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.MultiSimilarityMiner;
import io.github.dml4j.miner.PairMarginMiner;
import io.github.dml4j.miner.TripletMarginMiner;

/** The heads of the benchmark protocol (DESIGN.md), with its loss and miner settings, shared by the examples. */
enum ProtocolHeads {
    /** Triplet margin 0.2 with semi-hard mining. */
    triplet,
    /** Contrastive (positive margin 0, negative margin 1) with a pair-margin miner of the same margins. */
    contrastive,
    /** Multi-similarity (alpha 2, beta 50, base 0.5) with its miner (epsilon 0.1). */
    multisim,
    /** ArcFace (28.6 degrees, scale 64), class weights at lr 1e-2. */
    arcface,
    /** Softmax + center loss (lambda 0.01, alpha 0.5). */
    center;

    /** Builds this head on {@code net}; {@code numClasses} is used by the heads with class parameters. */
    MetricHead build(EmbeddingNet net, int numClasses, CenterLossHead.CenterUpdate centerUpdate) {
        return switch (this) {
            case triplet -> TripletHead.builder().setEmbeddingNet(net)
                    .optLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
                    .optMiner(TripletMarginMiner.builder().optMargin(0.2f).optType(TripletMarginMiner.Type.SEMIHARD).build())
                    .build();
            case contrastive -> MiningHead.builder().setEmbeddingNet(net)
                    .setLoss(ContrastiveLoss.builder().optPosMargin(0f).optNegMargin(1f).build())
                    .optMiner(PairMarginMiner.builder().optPosMargin(0f).optNegMargin(1f).build())
                    .build();
            case multisim -> MiningHead.builder().setEmbeddingNet(net)
                    .setLoss(MultiSimilarityLoss.builder().optAlpha(2f).optBeta(50f).optBase(0.5f).build())
                    .optMiner(MultiSimilarityMiner.builder().optEpsilon(0.1f).build())
                    .build();
            case arcface -> MarginSoftmaxHead.builder().setEmbeddingNet(net).setNumClasses(numClasses)
                    .optLoss(ArcFaceLoss.builder().optMargin(28.6f).optScale(64f).build())
                    .optClassWeightLearningRate(1e-2f)
                    .build();
            case center -> CenterLossHead.builder().setEmbeddingNet(net).setNumClasses(numClasses)
                    .optLambda(0.01f).optAlpha(0.5f).optCenterUpdate(centerUpdate)
                    .build();
        };
    }
}
