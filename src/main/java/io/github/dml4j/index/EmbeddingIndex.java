package io.github.dml4j.index;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.distance.Distance;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A k-nearest-neighbour index over embeddings: a gallery of (id, vector) entries that answers
 * "which k gallery entries are closest to this query?".
 *
 * <p>Scores always mean "higher = closer", whatever the distance: the cosine or dot-product
 * similarity itself, or the negated (squared) Euclidean distance, as {@link
 * Distance#toScore(NDArray)} gives them. An {@link ExactIndex} and an {@link HnswIndex} with the
 * same distance therefore return comparable scores.
 *
 * <p>The dimension is fixed by the builder or, if the builder left it open, by the first {@link
 * #add}. Ids are returned as given; they should be unique ({@link HnswIndex} rejects a
 * duplicate). Implementations are thread-safe: searches run concurrently, an {@code add} waits
 * for running searches. An index holds native or large heap memory: {@link #close()} releases
 * it.
 */
public interface EmbeddingIndex extends AutoCloseable {

    /** The distance that ranks neighbours. */
    Distance getDistance();

    /** The embedding dimension, or 0 while it is still open (nothing added, none set). */
    int dimension();

    /** The number of gallery entries. */
    int size();

    /**
     * Adds gallery entries.
     *
     * @param embeddings (N, D) rows, D matching {@link #dimension()} once it is set
     * @param ids one id per row
     * @throws IllegalArgumentException on a ragged or empty array, a dimension mismatch or a
     *     wrong number of ids
     */
    void add(float[][] embeddings, long[] ids);

    /**
     * Adds gallery entries from an (N, D) array; the array is read, not modified or closed.
     *
     * @throws IllegalArgumentException as {@link #add(float[][], long[])}
     */
    void add(NDArray embeddings, long[] ids);

    /**
     * Finds the k nearest gallery entries of each query row.
     *
     * @param queries (Q, D) rows
     * @param k neighbours per query, 1 &le; k &le; {@link #size()}
     * @return for each query, ids and scores (higher = closer), closest first
     * @throws IllegalArgumentException on a dimension mismatch or k out of range
     */
    Neighbors search(float[][] queries, int k);

    /** As {@link #search(float[][], int)} for an (Q, D) array, which is read, not closed. */
    Neighbors search(NDArray queries, int k);

    /**
     * Writes the index to one file (overwritten if it exists); the matching static {@code load}
     * reads it back.
     *
     * @throws IOException if the file cannot be written
     */
    void save(Path file) throws IOException;

    /** Releases the gallery memory; the index must not be used afterwards. */
    @Override
    void close();
}
