/**
 * The head: the training-time part on the one shared {@link io.github.dml4j.backbone.EmbeddingNet}.
 * {@link io.github.dml4j.head.MetricHead} is one generic head for every
 * {@link io.github.dml4j.head.BatchLayout} (class batches, explicit pairs, explicit triplets): it
 * embeds a batch in one forward pass, takes the tuples the layout gives or a miner chooses, and
 * computes its loss, which owns any parameters of its own. Siamese, triplet and center-loss
 * set-ups are this head with a loss, a miner and a batch source; only the embedding network is
 * exported.
 */
package io.github.dml4j.head;
