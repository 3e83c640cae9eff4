package io.github.dml4j.index;

import java.util.Arrays;
import java.util.Objects;

/**
 * The result of a k-nearest-neighbour search: for each query, in order from the closest, the
 * ids of its k nearest gallery entries and their scores, where a higher score means closer
 * (cosine or dot similarity, or the negated Euclidean distance; see {@link EmbeddingIndex}).
 *
 * <p>Immutable: the arrays are copied on construction and by the accessors. Use {@link
 * #id(int, int)} and {@link #score(int, int)} to read single values without copying.
 *
 * @param ids (queries, k) gallery ids, closest first
 * @param scores (queries, k) scores matching {@code ids}, non-increasing along each row
 */
public record Neighbors(long[][] ids, float[][] scores) {

    /**
     * Checks and copies the arrays.
     *
     * @throws IllegalArgumentException if the shapes differ or the rows are ragged
     */
    public Neighbors {
        Objects.requireNonNull(ids, "The ids must not be null.");
        Objects.requireNonNull(scores, "The scores must not be null.");
        if (ids.length != scores.length) {
            throw new IllegalArgumentException(
                    "The ids have " + ids.length + " rows but the scores have " + scores.length + ".");
        }
        int k = ids.length == 0 ? 0 : ids[0].length;
        for (int q = 0; q < ids.length; q++) {
            if (ids[q].length != k || scores[q].length != k) {
                throw new IllegalArgumentException(
                        "Row " + q + " has " + ids[q].length + " ids and " + scores[q].length
                                + " scores; every row must have " + k + ".");
            }
        }
        ids = deepCopy(ids);
        scores = deepCopy(scores);
    }

    /** Number of queries. */
    public int queries() {
        return ids.length;
    }

    /** Neighbours per query. */
    public int k() {
        return ids.length == 0 ? 0 : ids[0].length;
    }

    /** The id of the {@code rank}-th nearest neighbour (0 = closest) of query {@code query}. */
    public long id(int query, int rank) {
        return ids[query][rank];
    }

    /** The score of the {@code rank}-th nearest neighbour (0 = closest) of query {@code query}. */
    public float score(int query, int rank) {
        return scores[query][rank];
    }

    /** A copy of the ids of one query's neighbours, closest first. */
    public long[] idsOf(int query) {
        return ids[query].clone();
    }

    /** A copy of the scores of one query's neighbours, closest first. */
    public float[] scoresOf(int query) {
        return scores[query].clone();
    }

    /** A deep copy of the (queries, k) ids. */
    @Override
    public long[][] ids() {
        return deepCopy(ids);
    }

    /** A deep copy of the (queries, k) scores. */
    @Override
    public float[][] scores() {
        return deepCopy(scores);
    }

    /**
     * Recall of this result against a reference (usually exact) result with the same queries:
     * the mean over queries of |this ids &cap; reference ids| / reference k.
     *
     * @throws IllegalArgumentException if the number of queries differs
     */
    public double recallAgainst(Neighbors reference) {
        if (reference.queries() != queries()) {
            throw new IllegalArgumentException(
                    "The reference has " + reference.queries() + " queries, this result " + queries() + ".");
        }
        if (queries() == 0 || reference.k() == 0) {
            return Double.NaN;
        }
        long hits = 0;
        for (int q = 0; q < ids.length; q++) {
            long[] mine = ids[q].clone();
            Arrays.sort(mine);
            for (long id : reference.ids[q]) {
                if (Arrays.binarySearch(mine, id) >= 0) {
                    hits++;
                }
            }
        }
        return hits / (double) ((long) queries() * reference.k());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Neighbors other
                && Arrays.deepEquals(ids, other.ids)
                && Arrays.deepEquals(scores, other.scores);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(ids) + Arrays.deepHashCode(scores);
    }

    @Override
    public String toString() {
        return "Neighbors{queries=" + queries() + ", k=" + k() + '}';
    }

    private static long[][] deepCopy(long[][] a) {
        long[][] c = new long[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    private static float[][] deepCopy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
