/**
 * Embedding losses, following pytorch-metric-learning. Every loss is an
 * {@link io.github.dml4j.loss.EmbeddingLoss}: a DJL block from a batch's embeddings, labels and
 * optional tuples to a scalar, which owns its parameters and declares their learning-rate
 * multiplier.
 *
 * <p>Tuple losses extend {@link io.github.dml4j.loss.MetricLoss}: composed from a
 * {@link io.github.dml4j.distance.Distance} and a {@link io.github.dml4j.loss.Reduction}, they
 * score mined or explicit tuples, or every valid tuple of the batch when given none:
 * {@link io.github.dml4j.loss.TripletMarginLoss}, {@link io.github.dml4j.loss.ContrastiveLoss},
 * {@link io.github.dml4j.loss.MultiSimilarityLoss}, {@link io.github.dml4j.loss.NTXentLoss} and
 * {@link io.github.dml4j.loss.SupConLoss}.
 *
 * <p>Losses with parameters own them: {@link io.github.dml4j.loss.ArcFaceLoss} and
 * {@link io.github.dml4j.loss.CosFaceLoss} (class weights, 10x the trainer's learning rate by
 * default), {@link io.github.dml4j.loss.ProxyAnchorLoss} (proxies, 10x),
 * {@link io.github.dml4j.loss.CenterLoss} (centres, moved by Wen et al.'s rule by default) and
 * {@link io.github.dml4j.loss.SoftmaxLoss} (a linear classifier).
 * {@link io.github.dml4j.loss.MultipleLosses} sums losses with weights, e.g. softmax plus center
 * loss; {@link io.github.dml4j.loss.ClassLabels} checks class labels.
 */
package io.github.dml4j.loss;
