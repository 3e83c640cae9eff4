package io.github.dml4j.index;

import java.nio.FloatBuffer;

/**
 * The best {@code capacity} (float score, gallery row) candidates of one query, kept as a
 * reservoir (as FAISS's {@code ReservoirTopN}): entries above the current threshold are
 * appended to a buffer of twice the capacity; when it is full a selection keeps the best
 * {@code capacity} and raises the threshold to the worst of them. A scan over a row of scores
 * thus costs about one comparison per entry. Which of several entries tied at the threshold
 * is kept depends on the scan order; the exact re-scoring and the slack make that irrelevant.
 */
final class CandidateReservoir {
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    final int capacity;
    float[] values;
    int[] rows;
    int size;
    private float threshold = Float.NEGATIVE_INFINITY;

    CandidateReservoir(int capacity) {
        this.capacity = capacity;
        values = new float[Math.max(2, 2 * capacity)];
        rows = new int[values.length];
    }

    /**
     * Offers {@code n} scores starting at {@code from}; entry j is gallery row {@code base + j}.
     * Scores are finite, so one equal to the threshold is never better than what is kept. Eight
     * scores at a time are first tested together without branches (almost all of them fall
     * below the threshold once the buffer has filled), then one by one.
     */
    void offerRow(FloatBuffer scores, int from, int n, int base) {
        float[] row = ROW.get();
        if (row.length < n) {
            row = new float[n];
            ROW.set(row);
        }
        scores.get(from, row, 0, n);
        float worst = threshold;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            if (row[j] > worst | row[j + 1] > worst | row[j + 2] > worst | row[j + 3] > worst
                    | row[j + 4] > worst | row[j + 5] > worst | row[j + 6] > worst | row[j + 7] > worst) {
                for (int i = j; i < j + 8; i++) {
                    if (row[i] > worst) {
                        offer(row[i], base + i);
                        worst = threshold;
                    }
                }
            }
        }
        for (; j < n; j++) {
            if (row[j] > worst) {
                offer(row[j], base + j);
                worst = threshold;
            }
        }
    }

    /** Appends one score found above the threshold; a full buffer is shrunk first, which may raise it. */
    private void offer(float v, int row) {
        if (size == values.length) {
            shrink();
            if (!(v > threshold)) {
                return;
            }
        }
        values[size] = v;
        rows[size] = row;
        size++;
    }

    /** Keeps only the best {@code capacity} entries (unordered); called at the end of the search too. */
    void finish() {
        if (size > capacity) {
            shrink();
        }
    }

    /** Keeps the best {@code capacity}, moves the threshold to the worst kept. */
    private void shrink() {
        select(capacity - 1);
        size = capacity;
        float worst = values[0];
        for (int i = 1; i < size; i++) {
            if (values[i] < worst) { // not Math.min: the scores are finite, its NaN and -0 rules cost here
                worst = values[i];
            }
        }
        threshold = worst;
    }

    /** Partially sorts values[0..size) descending so that positions 0..nth hold the nth + 1 largest. */
    private void select(int nth) {
        int lo = 0;
        int hi = size - 1;
        while (lo < hi) {
            float pivot = values[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (values[i] > pivot) {
                    i++;
                }
                while (values[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(i++, j--);
                }
            }
            if (nth <= j) {
                hi = j;
            } else if (nth >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private void swap(int a, int b) {
        float v = values[a];
        values[a] = values[b];
        values[b] = v;
        int r = rows[a];
        rows[a] = rows[b];
        rows[b] = r;
    }

    /** Positions 0..n-1 sorted in the order of {@link TopK} (score descending, then id), stable merge sort. */
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
                    buffer[t++] = TopK.compare(scores[order[b]], ids[order[b]], scores[order[a]], ids[order[a]]) < 0
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
