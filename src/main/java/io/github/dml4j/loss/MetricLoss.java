package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.nn.GraphScalars;

/**
 * Base of the tuple losses: a loss without parameters computed from a batch's embeddings, its
 * labels and optionally mined or explicit tuples, with a {@link Distance} and a {@link Reduction}.
 *
 * <p>As in pytorch-metric-learning, {@link #compute} does the checks, falls back to every valid
 * tuple of the batch when no tuples are given, and reduces; a subclass writes only
 * {@link #computeTerms}, returning typed term groups.
 */
public abstract class MetricLoss extends EmbeddingLoss {

    private static final byte VERSION = 1;


    private final Distance distance;
    private final Reduction reduction;

    /**
     * @param name the loss name shown in logs
     * @param distance the distance between embeddings
     * @param reduction how terms are reduced
     */
    protected MetricLoss(String name, Distance distance, Reduction reduction) {
        super(VERSION, name, 1f);
        if (distance == null) {
            throw new IllegalArgumentException("The distance of " + name + " must not be null.");
        }
        if (reduction == null) {
            throw new IllegalArgumentException("The reduction of " + name + " must not be null.");
        }
        this.distance = distance;
        this.reduction = reduction;
    }

    /** The distance between embeddings. */
    public Distance getDistance() {
        return distance;
    }

    /** The reduction of the loss terms. */
    public Reduction getReduction() {
        return reduction;
    }

    /** Tuple losses score pairs or triplets: mined ones, explicit ones, or every valid one of the batch. */
    @Override
    public final boolean acceptsTuples() {
        return true;
    }

    /** Reduces the terms of {@link #computeTerms}; a result of zero stays attached to the graph. */
    @Override
    protected final NDArray computeLoss(ParameterStore parameterStore, NDArray embeddings, NDArray labels,
                                        MinedTuples tuples, boolean training) {
        return reduce(embeddings, computeTerms(embeddings, labels, tuples));
    }

    /**
     * Reduces each group of terms with this loss's reduction and sums the groups; an empty group
     * adds zero. The result stays attached to the graph of {@code embeddings} even when every
     * group is empty.
     */
    protected final NDArray reduce(NDArray embeddings, LossTerms terms) {
        NDArray total = GraphScalars.mul(embeddings.sum(), 0f).abs();
        for (NDArray group : terms.groups()) {
            if (!group.isEmpty()) {
                total = total.add(reduction.reduce(group));
            }
        }
        return total;
    }

    /**
     * Computes the unreduced loss terms.
     *
     * @param embeddings (B, D) embeddings
     * @param labels (B) labels
     * @param tuples mined tuples, or {@code null} for all
     * @return the term groups (each possibly empty), in the graph of {@code embeddings}
     */
    protected abstract LossTerms computeTerms(NDArray embeddings, NDArray labels, MinedTuples tuples);

    /**
     * The shared self-typed base of the tuple losses' builders: the distance and the reduction,
     * each with the loss's own default.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> {

        Distance distance;
        Reduction reduction;

        /**
         * @param defaultDistance the loss's default distance
         * @param defaultReduction the loss's default reduction
         */
        protected BaseBuilder(Distance defaultDistance, Reduction defaultReduction) {
            this.distance = defaultDistance;
            this.reduction = defaultReduction;
        }

        /** Sets the distance between embeddings (the loss's default is in its {@code builder()} doc). */
        public T optDistance(Distance distance) {
            this.distance = distance;
            return self();
        }

        /** Sets how the loss terms are reduced (the loss's default is in its {@code builder()} doc). */
        public T optReduction(Reduction reduction) {
            this.reduction = reduction;
            return self();
        }

        /** This builder, typed. */
        protected abstract T self();
    }
}
