package io.github.dml4j.index;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The k nearest gallery entries of a block of queries, in one total order, so that the top-k
 * lists of gallery partitions merge into exactly the top-k of the whole gallery.
 *
 * <p><b>Order.</b> Entries are sorted by score, higher (closer) first; equal scores by gallery
 * id, smaller first. Every producer in DML4J ({@link ExactSearch}, and through it {@code
 * RetrievalMetrics}) uses this order, and so does {@link #merge(int, List)}: the top-k of the
 * union of partitions equals the merge of the partitions' top-k lists, whatever the
 * partitioning. Scores are doubles computed the same way for a pair whatever the blocking (see
 * {@link ExactSearch}), so a distributed job and one JVM rank identically.
 *
 * <p>Rows may be shorter than k when a partition holds fewer than k candidates for a query (a
 * small partition, or a query whose own entry was excluded). Ids are global gallery ids:
 * position in the partition plus the partition's offset, as {@link ExactSearch#gallery(float[],
 * int, long)} assigns them, or {@link #withOffset(long)} shifts them.
 *
 * <p>Immutable and {@link Serializable} (for Spark): arrays are copied on construction and by
 * the accessors.
 */
public final class TopK implements Serializable {

    private static final long serialVersionUID = 1L;

    private final long[][] ids;
    private final double[][] scores;

    /**
     * Checks and copies one block of results.
     *
     * @param ids (queries, &le; k) gallery ids per query, in the order of this class
     * @param scores matching scores, higher = closer
     * @throws IllegalArgumentException if the shapes differ or a row is not in the order
     */
    public TopK(long[][] ids, double[][] scores) {
        this(copy(ids), copy(scores), true);
    }

    private TopK(long[][] ids, double[][] scores, boolean check) {
        Objects.requireNonNull(ids, "The ids must not be null.");
        Objects.requireNonNull(scores, "The scores must not be null.");
        if (ids.length != scores.length) {
            throw new IllegalArgumentException(
                    "The ids have " + ids.length + " rows but the scores have " + scores.length + ".");
        }
        if (check) {
            for (int q = 0; q < ids.length; q++) {
                if (ids[q].length != scores[q].length) {
                    throw new IllegalArgumentException("Row " + q + " has " + ids[q].length + " ids and "
                            + scores[q].length + " scores: give one score per id.");
                }
                for (int r = 1; r < ids[q].length; r++) {
                    if (compare(scores[q][r - 1], ids[q][r - 1], scores[q][r], ids[q][r]) >= 0) {
                        throw new IllegalArgumentException("Row " + q + " is not sorted at rank " + r
                                + ": entries must be ordered by score (higher first), then by id (smaller"
                                + " first), without duplicates.");
                    }
                }
            }
        }
        this.ids = ids;
        this.scores = scores;
    }

    /** Wraps arrays built in this package without copying; they must already be in order. */
    static TopK ofOwned(long[][] ids, double[][] scores) {
        return new TopK(ids, scores, false);
    }

    /**
     * The order of this class: negative when (scoreA, idA) ranks before (scoreB, idB), that is
     * when scoreA is higher, or the scores are equal and idA is smaller.
     */
    public static int compare(double scoreA, long idA, double scoreB, long idB) {
        int c = Double.compare(scoreB, scoreA);
        return c != 0 ? c : Long.compare(idA, idB);
    }

    /** Number of queries. */
    public int queries() {
        return ids.length;
    }

    /** Number of neighbours of query {@code query} (at most the k asked for). */
    public int size(int query) {
        return ids[query].length;
    }

    /** The id of the {@code rank}-th nearest gallery entry (0 = closest) of {@code query}. */
    public long id(int query, int rank) {
        return ids[query][rank];
    }

    /** The score of the {@code rank}-th nearest gallery entry (0 = closest) of {@code query}. */
    public double score(int query, int rank) {
        return scores[query][rank];
    }

    /** A copy of one query's neighbour ids, closest first. */
    public long[] idsOf(int query) {
        return ids[query].clone();
    }

    /** A copy of one query's neighbour scores, closest first. */
    public double[] scoresOf(int query) {
        return scores[query].clone();
    }

    /** A copy with every id shifted by {@code offset} (a partition's first global id). */
    public TopK withOffset(long offset) {
        long[][] shifted = new long[ids.length][];
        for (int q = 0; q < ids.length; q++) {
            shifted[q] = new long[ids[q].length];
            for (int r = 0; r < ids[q].length; r++) {
                shifted[q][r] = ids[q][r] + offset;
            }
        }
        return new TopK(shifted, copy(scores), false);
    }

    /** The results of queries {@code from} (inclusive) to {@code to} (exclusive). */
    public TopK rows(int from, int to) {
        Objects.checkFromToIndex(from, to, ids.length);
        return new TopK(copy(Arrays.copyOfRange(ids, from, to)), copy(Arrays.copyOfRange(scores, from, to)), false);
    }

    /**
     * As {@link Neighbors}, with float scores; every row must have the same length.
     *
     * @throws IllegalStateException if the rows have different lengths
     */
    public Neighbors toNeighbors() {
        float[][] f = new float[scores.length][];
        for (int q = 0; q < scores.length; q++) {
            if (ids[q].length != ids[0].length) {
                throw new IllegalStateException("Row " + q + " has " + ids[q].length + " neighbours but row 0 has "
                        + ids[0].length + ": Neighbors needs rows of one length.");
            }
            f[q] = new float[scores[q].length];
            for (int r = 0; r < f[q].length; r++) {
                f[q][r] = (float) scores[q][r];
            }
        }
        return new Neighbors(ids, f);
    }

    /**
     * Merges the top-k lists of the same queries against disjoint gallery partitions (ids
     * already global) into the top-k against their union, in the order of this class.
     *
     * @param k neighbours to keep per query, at least 1
     * @param parts one result per partition, all for the same queries in the same order
     * @return per query the k best entries of all parts (fewer if the parts hold fewer)
     * @throws IllegalArgumentException if k &lt; 1, there are no parts, the parts have different
     *     numbers of queries, or a gallery id appears in two parts for the same query
     */
    public static TopK merge(int k, List<TopK> parts) {
        Objects.requireNonNull(parts, "The parts must not be null.");
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, but was " + k + ".");
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("There are no parts to merge: give at least one TopK.");
        }
        int queries = parts.get(0).queries();
        for (int p = 1; p < parts.size(); p++) {
            if (parts.get(p).queries() != queries) {
                throw new IllegalArgumentException("Part " + p + " has " + parts.get(p).queries()
                        + " queries but part 0 has " + queries + ": merge results of the same queries.");
            }
        }
        long[][] outIds = new long[queries][];
        double[][] outScores = new double[queries][];
        int[] at = new int[parts.size()];
        for (int q = 0; q < queries; q++) {
            int available = 0;
            for (TopK part : parts) {
                available += part.ids[q].length;
            }
            int n = Math.min(k, available);
            long[] rowIds = new long[n];
            double[] rowScores = new double[n];
            Arrays.fill(at, 0);
            for (int r = 0; r < n; r++) {
                int best = -1;
                for (int p = 0; p < parts.size(); p++) {
                    TopK part = parts.get(p);
                    if (at[p] < part.ids[q].length && (best < 0 || compare(part.scores[q][at[p]], part.ids[q][at[p]],
                            parts.get(best).scores[q][at[best]], parts.get(best).ids[q][at[best]]) < 0)) {
                        best = p;
                    }
                }
                TopK from = parts.get(best);
                rowIds[r] = from.ids[q][at[best]];
                rowScores[r] = from.scores[q][at[best]];
                if (r > 0 && rowIds[r] == rowIds[r - 1]) {
                    throw new IllegalArgumentException("Gallery id " + rowIds[r] + " appears in two parts for query "
                            + q + ": the partitions must be disjoint (did you forget their offsets?).");
                }
                at[best]++;
            }
            outIds[q] = rowIds;
            outScores[q] = rowScores;
        }
        return new TopK(outIds, outScores, false);
    }

    /** As {@link #merge(int, List)}. */
    public static TopK merge(int k, TopK... parts) {
        return merge(k, Arrays.asList(parts));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopK other && Arrays.deepEquals(ids, other.ids) && Arrays.deepEquals(scores, other.scores);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(ids) + Arrays.deepHashCode(scores);
    }

    @Override
    public String toString() {
        return "TopK{queries=" + ids.length + ", k=" + (ids.length == 0 ? 0 : ids[0].length) + '}';
    }

    private static long[][] copy(long[][] a) {
        Objects.requireNonNull(a, "The ids must not be null.");
        long[][] c = new long[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = Objects.requireNonNull(a[i], "Row " + i + " of the ids is null.").clone();
        }
        return c;
    }

    private static double[][] copy(double[][] a) {
        Objects.requireNonNull(a, "The scores must not be null.");
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = Objects.requireNonNull(a[i], "Row " + i + " of the scores is null.").clone();
        }
        return c;
    }

    /** Positions 0..n-1 sorted in the order of TopK (score descending, then id), stable merge sort. */
    static int[] order(double[] scores, long[] ids, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int[] buffer = new int[n];
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                int a = lo;
                int b = mid;
                int t = lo;
                while (a < mid && b < hi) {
                    buffer[t++] = compare(scores[order[b]], ids[order[b]], scores[order[a]], ids[order[a]]) < 0
                            ? order[b++] : order[a++];
                }
                while (a < mid) {
                    buffer[t++] = order[a++];
                }
                while (b < hi) {
                    buffer[t++] = order[b++];
                }
                System.arraycopy(buffer, lo, order, lo, hi - lo);
            }
        }
        return order;
    }
}
