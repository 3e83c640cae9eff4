/**
 * Embedding losses as DJL {@link ai.djl.training.loss.Loss}es, following pytorch-metric-learning.
 *
 * <p>Tuple losses extend {@link io.github.dml4j.loss.MetricLoss}: composed from a
 * {@link io.github.dml4j.distance.Distance} and a {@link io.github.dml4j.loss.Reduction}, they take
 * embeddings, labels and optional mined tuples, and use every valid tuple of the batch when
 * given none: {@link io.github.dml4j.loss.TripletMarginLoss},
 * {@link io.github.dml4j.loss.ContrastiveLoss}, {@link io.github.dml4j.loss.MultiSimilarityLoss},
 * {@link io.github.dml4j.loss.NTXentLoss} and {@link io.github.dml4j.loss.SupConLoss}.
 *
 * <p>Losses with parameters take them as an argument and leave owning them to a head:
 * {@link io.github.dml4j.loss.ArcFaceLoss} and {@link io.github.dml4j.loss.CosFaceLoss} (class
 * weights), {@link io.github.dml4j.loss.ProxyAnchorLoss} (proxies) and
 * {@link io.github.dml4j.loss.CenterLoss} (class centres); {@link io.github.dml4j.loss.ClassLabels}
 * checks their class labels, for them and for their heads.
 */
package io.github.dml4j.loss;
