package io.github.dml4j.index;

import java.nio.FloatBuffer;

/**
 * The best {@code capacity} (float score, gallery row) candidates of each of a block of queries
 * in one flat array (for the all-against-all search, whose transposed pass offers scores to
 * thousands of queries in turn, of every row): a candidate is one {@code long} (the score's
 * order-preserving bits above the row), a query's buffer of twice the capacity is one stretch
 * of the array, and thresholds are one float array, so an insertion touches one cache line of
 * candidates. As FAISS's {@code ReservoirTopN}: entries above a query's threshold are
 * appended; a full buffer is cut to the best {@code capacity} by a selection, which raises the
 * threshold to the worst kept. A scan over a row of scores thus costs about one comparison per
 * entry. Which of several entries tied at the threshold is kept depends on the scan order; the
 * exact re-scoring and the slack of {@link ExactSearch} make that irrelevant. Queries are
 * independent: threads may offer to disjoint sets of queries at once.
 */
final class ReservoirSet {
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<long[]> SCRATCH = ThreadLocal.withInitial(() -> new long[0]);

    private final int capacity;
    private final int stride;
    private final long[] entries;
    private final int[] sizes;
    private final float[] thresholds;

    ReservoirSet(int queries, int capacity) {
        this.capacity = capacity;
        this.stride = stride(capacity);
        this.entries = new long[Math.multiplyExact(queries, stride)];
        this.sizes = new int[queries];
        this.thresholds = new float[queries];
        java.util.Arrays.fill(thresholds, Float.NEGATIVE_INFINITY);
    }

    /** Bytes held for {@code queries} queries of {@code capacity} candidates. */
    static long bytes(int queries, int capacity) {
        return (long) queries * (stride(capacity) * (long) Long.BYTES + Integer.BYTES + Float.BYTES);
    }

    /** Entries per query: a buffer of twice the capacity. */
    private static int stride(int capacity) {
        return Math.max(2, 2 * capacity);
    }

    /** The score a candidate of {@code query} must beat. */
    float threshold(int query) {
        return thresholds[query];
    }

    /**
     * Offers {@code n} scores of {@code query} starting at {@code from}; entry j is gallery row
     * {@code base + j}. Scores are finite, so one equal to the threshold is never better than what
     * is kept. Eight scores at a time are first tested together without branches (almost all of
     * them fall below the threshold once the buffer has filled), then one by one.
     */
    void offerRow(int query, FloatBuffer scores, int from, int n, int base) {
        float[] row = buffer(n);
        scores.get(from, row, 0, n);
        float worst = thresholds[query];
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            if (row[j] > worst | row[j + 1] > worst | row[j + 2] > worst | row[j + 3] > worst
                    | row[j + 4] > worst | row[j + 5] > worst | row[j + 6] > worst | row[j + 7] > worst) {
                for (int i = j; i < j + 8; i++) {
                    if (row[i] > worst) {
                        offer(query, row[i], base + i);
                        worst = thresholds[query];
                    }
                }
            }
        }
        for (; j < n; j++) {
            if (row[j] > worst) {
                offer(query, row[j], base + j);
                worst = thresholds[query];
            }
        }
    }

    /**
     * Offers entries {@code c0..c1-1} of the score row at {@code from} (the scores of gallery row
     * {@code row} against rows {@code base + c}) to the queries of those columns: the
     * all-against-all search's transposed pass. Column c takes {@code score - rowNorm + norms[c]}
     * when {@code score - rowNorm} beats {@code bars[c]}, its threshold less {@code norms[c]}
     * (zero norms for a similarity); its bar follows its threshold.
     */
    void offerColumns(FloatBuffer scores, int from, int c0, int c1, int row, int base, float rowNorm, float[] norms,
            float[] bars) {
        int n = c1 - c0;
        float[] values = buffer(n);
        scores.get(from + c0, values, 0, n);
        int first = base + c0;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            int c = first + j;
            if (values[j] - rowNorm > bars[c] | values[j + 1] - rowNorm > bars[c + 1]
                    | values[j + 2] - rowNorm > bars[c + 2] | values[j + 3] - rowNorm > bars[c + 3]
                    | values[j + 4] - rowNorm > bars[c + 4] | values[j + 5] - rowNorm > bars[c + 5]
                    | values[j + 6] - rowNorm > bars[c + 6] | values[j + 7] - rowNorm > bars[c + 7]) {
                for (int i = j; i < j + 8; i++) {
                    offerColumn(values[i] - rowNorm, first + i, row, norms, bars);
                }
            }
        }
        for (; j < n; j++) {
            offerColumn(values[j] - rowNorm, first + j, row, norms, bars);
        }
    }

    private void offerColumn(float shifted, int column, int row, float[] norms, float[] bars) {
        if (shifted > bars[column]) {
            offer(column, shifted + norms[column], row);
            bars[column] = thresholds[column] - norms[column];
        }
    }

    private static float[] buffer(int n) {
        float[] row = ROW.get();
        if (row.length < n) {
            row = new float[n];
            ROW.set(row);
        }
        return row;
    }

    /** Appends one score found above the threshold; a full buffer is cut first, which may raise it. */
    private void offer(int query, float v, int row) {
        if (sizes[query] == stride) {
            cut(query);
            if (!(v > thresholds[query])) {
                return;
            }
        }
        entries[query * stride + sizes[query]++] = pack(v, row);
    }

    /**
     * The rows of {@code query}'s best {@code capacity} candidates (fewer if fewer were
     * offered), in no order.
     */
    int[] rows(int query) {
        if (sizes[query] > capacity) {
            cut(query);
        }
        int n = sizes[query];
        int[] rows = new int[n];
        int offset = query * stride;
        for (int i = 0; i < n; i++) {
            rows[i] = (int) entries[offset + i];
        }
        return rows;
    }

    /** The float scores of the candidates {@link #rows(int)} returned, in the same order. */
    float[] scores(int query) {
        int n = sizes[query];
        float[] scores = new float[n];
        int offset = query * stride;
        for (int i = 0; i < n; i++) {
            scores[i] = score(entries[offset + i]);
        }
        return scores;
    }

    /** Keeps the best {@code capacity} of a query's candidates and moves its threshold to the worst kept. */
    private void cut(int query) {
        int offset = query * stride;
        keepLargest(offset, offset + sizes[query], capacity);
        sizes[query] = capacity;
        long worst = entries[offset];
        for (int i = offset + 1; i < offset + capacity; i++) {
            worst = Math.min(worst, entries[i]);
        }
        thresholds[query] = score(worst);
    }

    /**
     * Moves the {@code keep} largest of entries[lo..hi) to entries[lo..lo+keep), in no order.
     * Entries are distinct (a row is offered to a query once), so a pivot splits them into those
     * above it and the rest, which include the pivot. Each split copies without branches (the
     * comparison only moves a counter): a quickselect's data-dependent branches, mispredicted
     * half the time on scores in random order, cost more than the copies.
     */
    private void keepLargest(int lo, int hi, int keep) {
        long[] a = entries;
        long[] rest = SCRATCH.get();
        if (rest.length < hi - lo) {
            rest = new long[hi - lo];
            SCRATCH.set(rest);
        }
        while (hi - lo > keep) {
            if (hi - lo <= 8) {
                insertionSortDescending(a, lo, hi);
                return;
            }
            long pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi - 1]);
            int above = lo;
            int below = 0;
            for (int i = lo; i < hi; i++) {
                long x = a[i];
                a[above] = x;
                rest[below] = x;
                int greater = x > pivot ? 1 : 0;
                above += greater;
                below += 1 - greater;
            }
            int count = above - lo;
            if (count >= keep) {
                hi = above; // the largest are all above the pivot
            } else {
                System.arraycopy(rest, 0, a, above, below); // keep everything above, choose among the rest
                keep -= count;
                lo = above;
                hi = above + below;
            }
        }
    }

    private static void insertionSortDescending(long[] a, int lo, int hi) {
        for (int i = lo + 1; i < hi; i++) {
            long x = a[i];
            int j = i - 1;
            while (j >= lo && a[j] < x) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }

    /**
     * The median of three entries: with distinct entries, below the largest of three or more, so
     * every split of the rest keeps at least one entry above the pivot.
     */
    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** A score and a row as one long that orders as the score, then the row. */
    static long pack(float score, int row) {
        int bits = Float.floatToRawIntBits(score);
        bits ^= (bits >> 31) & 0x7fffffff; // negative floats order backwards as ints
        return ((long) bits << 32) | (row & 0xffffffffL);
    }

    /** The score of a packed candidate. */
    static float score(long packed) {
        int bits = (int) (packed >> 32);
        bits ^= (bits >> 31) & 0x7fffffff;
        return Float.intBitsToFloat(bits);
    }
}
