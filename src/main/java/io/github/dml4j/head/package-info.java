/**
 * Heads: the training-time parts on the one shared {@link io.github.dml4j.backbone.EmbeddingNet}.
 * A head says what its batches look like, owns its parameters (at their own learning rate) and
 * yields the loss; heads are dropped at export.
 *
 * <ul>
 *   <li>{@link io.github.dml4j.head.TripletHead}: triplets mined from P x K batches, or explicit
 *       (anchor, positive, negative) inputs;</li>
 *   <li>{@link io.github.dml4j.head.SiameseHead}: contrastive loss on explicit pairs (two inputs)
 *       or on pairs mined from a batch;</li>
 *   <li>{@link io.github.dml4j.head.MiningHead}: any tuple loss with any miner;</li>
 *   <li>{@link io.github.dml4j.head.MarginSoftmaxHead}: ArcFace / CosFace with learned class
 *       weights; {@link io.github.dml4j.head.ProxyAnchorHead}: learned proxies;</li>
 *   <li>{@link io.github.dml4j.head.CenterLossHead}: softmax classifier plus learned class
 *       centres, moved by Wen et al.'s rule or by the optimizer.</li>
 * </ul>
 */
package io.github.dml4j.head;
