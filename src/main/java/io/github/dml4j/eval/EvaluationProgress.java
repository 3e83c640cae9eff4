package io.github.dml4j.eval;

/**
 * Told how far a long evaluation has got, for example to draw a progress bar; {@link
 * RetrievalMetrics} calls it after every chunk of queries, from the thread that computes.
 */
@FunctionalInterface
public interface EvaluationProgress {

    /**
     * Reports progress.
     *
     * @param done the queries done so far
     * @param total all the queries
     */
    void update(long done, long total);
}
