/**
 * Heads: the training-time parts on the shared {@link io.github.dml4j.backbone.EmbeddingNet}.
 * A head says what its batches look like, owns its parameters and yields the loss;
 * {@link io.github.dml4j.head.TripletHead} mines triplets from P x K batches. Heads are dropped
 * at export.
 */
package io.github.dml4j.head;
