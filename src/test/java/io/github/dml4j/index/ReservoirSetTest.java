package io.github.dml4j.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReservoirSetTest {

    /** A packed candidate orders as its score, then its row, for scores of both signs. */
    @Test
    void packedCandidatesOrderAsTheirScores() {
        float[] scores = {-Float.MAX_VALUE, -3.5f, -1e-30f, 0f, 1e-30f, 2f, Float.MAX_VALUE};
        for (int i = 0; i + 1 < scores.length; i++) {
            assertTrue(ReservoirSet.pack(scores[i], 7) < ReservoirSet.pack(scores[i + 1], 0),
                    scores[i] + " < " + scores[i + 1]);
            assertEquals(scores[i], ReservoirSet.score(ReservoirSet.pack(scores[i], 123_456)));
        }
        assertTrue(ReservoirSet.pack(1f, 3) < ReservoirSet.pack(1f, 4));
        assertEquals(Integer.MAX_VALUE, (int) ReservoirSet.pack(-2f, Integer.MAX_VALUE));
    }

    /** Rows and columns offered in any order keep the best `capacity` of each query. */
    @Test
    void keepsTheBestOfEachQueryThroughManyCuts() {
        int queries = 5;
        int n = 3000;
        int capacity = 17;
        Random random = new Random(3);
        float[][] all = new float[queries][n];
        FloatBuffer scores = ByteBuffer.allocateDirect(queries * n * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (int q = 0; q < queries; q++) {
            for (int i = 0; i < n; i++) {
                all[q][i] = (float) random.nextGaussian() - q;
                scores.put(q * n + i, all[q][i]);
            }
        }
        ReservoirSet set = new ReservoirSet(queries, capacity);
        for (int q = 0; q < queries; q++) {
            for (int from = 0; from < n; from += 250) { // rows in pieces, base = the piece's first column
                set.offerRow(q, scores, q * n + from, Math.min(250, n - from), from);
            }
        }
        for (int q = 0; q < queries; q++) {
            Integer[] order = new Integer[n];
            Arrays.setAll(order, i -> i);
            float[] row = all[q];
            Arrays.sort(order, (a, b) -> Float.compare(row[b], row[a]));
            int[] expected = new int[capacity];
            for (int i = 0; i < capacity; i++) {
                expected[i] = order[i];
            }
            int[] kept = set.rows(q);
            Arrays.sort(expected);
            Arrays.sort(kept);
            assertArrayEquals(expected, kept, "query " + q);
            assertTrue(set.threshold(q) <= row[order[capacity - 1]], "the threshold never passes the capacity-th best");
        }
    }
}
