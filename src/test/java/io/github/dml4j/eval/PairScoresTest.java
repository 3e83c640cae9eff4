package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.distance.CosineSimilarity;
import io.github.dml4j.distance.LpDistance;
import org.junit.jupiter.api.Test;

class PairScoresTest {

    private static final float[][] ROWS = {{3, 0}, {0, 4}, {3, 4}, {-1, 0}};

    @Test
    void scoresTheNamedRowsHigherMeaningCloser() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray e = manager.create(ROWS);
            int[] first = {0, 0, 2, 3, 1};
            int[] second = {1, 2, 2, 0, 0};
            // Euclidean distances 5, 4, 0, 4, 5, as minus the distance
            assertArrayEquals(new float[] {-5, -4, 0, -4, -5},
                    PairScores.score(e, first, second, LpDistance.raw()), 1e-5f);
            // cosine similarities 0, 0.6, 1, -1, 0
            assertArrayEquals(new float[] {0, 0.6f, 1, -1, 0},
                    PairScores.score(e, first, second, new CosineSimilarity()), 1e-6f);
            assertEquals(4, e.getShape().get(0), "the embeddings are left as they were");
            assertArrayEquals(new float[0], PairScores.score(e, new int[0], new int[0], new CosineSimilarity()));
        }
    }

    @Test
    void badPairsAreNamed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray e = manager.create(ROWS);
            CosineSimilarity cosine = new CosineSimilarity();
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> PairScores.score(e, new int[] {0, 1, 2}, new int[] {1, 2}, cosine));
            assertEquals("Got 3 first images but 2 second images: every pair needs both.", ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class,
                    () -> PairScores.score(e, new int[] {0, 1, 2}, new int[] {1, 4, 0}, cosine));
            assertEquals("Pair 1 names image 4 as its second image, but there are 4 embeddings.", ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class,
                    () -> PairScores.score(e, new int[] {0, -1}, new int[] {1, 2}, cosine));
            assertEquals("Pair 1 names image -1 as its first image, but there are 4 embeddings.", ex.getMessage());
            ex = assertThrows(IllegalArgumentException.class,
                    () -> PairScores.score(manager.create(new float[] {1, 2, 3}), new int[] {0}, new int[] {1}, cosine));
            assertEquals("The embeddings must be a (N, D) matrix, got shape (3).", ex.getMessage());
        }
    }
}
