package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.miner.MinedTuples;

/**
 * Base of the embedding losses: a DJL {@link Loss} computed from a batch's embeddings, its
 * labels and optionally mined tuples, with a {@link Distance} and a {@link Reduction}.
 *
 * <p>As in pytorch-metric-learning, {@link #compute} does the checks, falls back to every valid
 * tuple of the batch when no tuples are given, and reduces; a subclass writes only
 * {@link #computeTerms}. Used as a DJL loss, {@link #evaluate} reads the embeddings from the
 * first prediction and the labels from the first label array, with no mining.
 */
public abstract class MetricLoss extends Loss {

    private final Distance distance;
    private final Reduction reduction;

    /**
     * @param name the loss name shown in logs
     * @param distance the distance between embeddings
     * @param reduction how terms are reduced
     */
    protected MetricLoss(String name, Distance distance, Reduction reduction) {
        super(name);
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

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return compute(predictions.head(), labels.head(), null);
    }

    /**
     * Computes the reduced loss.
     *
     * @param embeddings (B, D) embeddings
     * @param labels (B) or (B, 1) integer labels
     * @param tuples mined tuples, or {@code null} for every valid tuple of the batch
     * @return a scalar; zero, still attached to the graph, when there is no tuple
     */
    public final NDArray compute(NDArray embeddings, NDArray labels, MinedTuples tuples) {
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException(getName() + " expects embeddings of shape (batch, dim), got "
                    + embeddings.getShape() + ".");
        }
        NDArray flatLabels = labels.reshape(-1);
        if (flatLabels.size() != embeddings.getShape().get(0)) {
            throw new IllegalArgumentException(getName() + " got " + embeddings.getShape().get(0)
                    + " embeddings but " + flatLabels.size() + " labels.");
        }
        return reduce(embeddings, computeTerms(embeddings, flatLabels, tuples));
    }

    /**
     * Reduces each group of terms with this loss's reduction and sums the groups; an empty group
     * adds zero. The result stays attached to the graph of {@code embeddings} even when every
     * group is empty.
     */
    protected final NDArray reduce(NDArray embeddings, LossTerms terms) {
        NDArray total = embeddings.sum().mul(0f).abs();
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
