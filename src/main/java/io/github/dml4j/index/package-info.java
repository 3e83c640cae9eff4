/**
 * k-nearest-neighbour search over embeddings, the step after training: a gallery of
 * (id, embedding) entries answers "which k entries are closest to this query?".
 *
 * <ul>
 *   <li>{@link io.github.dml4j.index.ExactIndex}: exact search on the engine, batched matrix
 *       products and top-k over a gallery kept in blocks, so memory stays bounded (a 1,000,000 x
 *       128 gallery takes 512 MB plus about two (chunk, block) score matrices);
 *   <li>{@link io.github.dml4j.index.HnswIndex}: approximate search with an HNSW graph
 *       (hnswlib-core) for large galleries, on the Java heap;
 *   <li>{@link io.github.dml4j.index.ExactSearch}: exact top-k of blocks of queries against a
 *       gallery in bounded memory, scored exactly in double precision and ordered by score then
 *       gallery id ({@link io.github.dml4j.index.TopK}), so that the top-k of gallery partitions
 *       merge into exactly the top-k of the whole ({@link io.github.dml4j.index.TopK#merge}): the
 *       engine of the retrieval metrics and of distributed evaluation.
 * </ul>
 *
 * <p>Both implement {@link io.github.dml4j.index.EmbeddingIndex} (add, search, save, load) and
 * return {@link io.github.dml4j.index.Neighbors}: ids and scores where higher means closer for
 * every distance (similarities as they are, distances negated). They take any distance whose
 * {@link io.github.dml4j.distance.Distance#indexMetric()} is an inner product or a (squared)
 * Euclidean distance, built in or one's own, and refuse one that is not indexable with an
 * {@link java.lang.IllegalArgumentException} that names it.
 */
package io.github.dml4j.index;
