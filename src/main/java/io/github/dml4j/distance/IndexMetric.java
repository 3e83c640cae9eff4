package io.github.dml4j.distance;

import java.util.Objects;

/**
 * How a nearest-neighbour index can compute a {@link Distance} from stored vectors, as the
 * distance declares it in {@link Distance#indexMetric()}.
 *
 * <p>An index (the exact and the HNSW index, and what is built on them) stores each embedding
 * once, L2-normalized first when {@link Distance#isNormalizeEmbeddings()} says so, and computes
 * one of a few metrics between a query and the stored rows: the inner product or the (squared)
 * Euclidean distance. A distance that equals one of those on its prepared rows declares it and
 * works in every index; a distance that does not (for example a Manhattan distance) declares
 * {@link #NOT_INDEXABLE}, the default, and is refused by the indexes with an {@link
 * IllegalArgumentException} that names it. It still works everywhere {@link
 * Distance#pairwise} is enough: losses, miners and the retrieval metrics.
 *
 * <p>Cosine similarity, for example, is {@link #INNER_PRODUCT} with {@code
 * isNormalizeEmbeddings() == true}; the dot product is {@link #INNER_PRODUCT} on raw rows.
 */
public enum IndexMetric {

    /** The inner product q&middot;r of the prepared rows: a similarity, larger is closer. */
    INNER_PRODUCT(true),

    /** The Euclidean distance |q - r| of the prepared rows: smaller is closer. */
    EUCLIDEAN(false),

    /** The squared Euclidean distance |q - r|&sup2; of the prepared rows: smaller is closer. */
    SQUARED_EUCLIDEAN(false),

    /**
     * No index can compute the distance: only its {@link Distance#pairwise} and {@link
     * Distance#paired} are used, and the indexes refuse it.
     */
    NOT_INDEXABLE(false);

    private final boolean similarity;

    IndexMetric(boolean similarity) {
        this.similarity = similarity;
    }

    /** Whether this metric can be computed by an index ({@code false} only for {@link #NOT_INDEXABLE}). */
    public boolean isIndexable() {
        return this != NOT_INDEXABLE;
    }

    /** Whether a larger value means closer, as {@link Distance#isInverted()} must then say. */
    public boolean isSimilarity() {
        return similarity;
    }

    /** Whether the value is a squared Euclidean distance, as {@link Distance#isSquared()} must then say. */
    public boolean isSquared() {
        return this == SQUARED_EUCLIDEAN;
    }

    /**
     * The metric a distance declares, checked against its other capabilities: an {@link
     * #INNER_PRODUCT} distance must be inverted (a similarity) and not squared, a {@link
     * #EUCLIDEAN} one neither inverted nor squared, a {@link #SQUARED_EUCLIDEAN} one squared and
     * not inverted. A {@link #NOT_INDEXABLE} distance is returned as it is.
     *
     * @param distance the distance
     * @return its declared metric
     * @throws NullPointerException if the distance is null
     * @throws IllegalArgumentException naming the distance when it declares no metric or a
     *     metric that contradicts {@link Distance#isInverted()} or {@link Distance#isSquared()}
     */
    public static IndexMetric of(Distance distance) {
        Objects.requireNonNull(distance, "The distance must not be null.");
        IndexMetric metric = distance.indexMetric();
        if (metric == null) {
            throw new IllegalArgumentException("The distance " + describe(distance)
                    + " declares no index metric: its indexMetric() returned null instead of an IndexMetric"
                    + " (NOT_INDEXABLE when no index can compute it).");
        }
        if (metric.isIndexable()) {
            if (distance.isInverted() != metric.similarity) {
                throw new IllegalArgumentException("The distance " + describe(distance) + " declares the index metric "
                        + metric + ", which is " + (metric.similarity ? "a similarity" : "a distance")
                        + ", but its isInverted() is " + distance.isInverted() + ": the two must agree.");
            }
            if (distance.isSquared() != metric.isSquared()) {
                throw new IllegalArgumentException("The distance " + describe(distance) + " declares the index metric "
                        + metric + " but its isSquared() is " + distance.isSquared()
                        + ": a squared Euclidean distance declares SQUARED_EUCLIDEAN, any other is not squared.");
            }
        }
        return metric;
    }

    /**
     * The metric an index computes a distance with, for a component that needs an index.
     *
     * @param distance the distance
     * @param user what needs the index, as the start of a sentence, for example {@code "An
     *     ExactIndex"}
     * @return the distance's checked metric, never {@link #NOT_INDEXABLE}
     * @throws NullPointerException if the distance is null
     * @throws IllegalArgumentException naming the distance and the reason when no index can
     *     compute it, or when its capabilities contradict each other (see {@link #of(Distance)})
     */
    public static IndexMetric requireIndexable(Distance distance, String user) {
        IndexMetric metric = of(distance);
        if (!metric.isIndexable()) {
            throw new IllegalArgumentException(user + " cannot use the distance " + describe(distance)
                    + ": its indexMetric() is NOT_INDEXABLE, and an index computes only inner products and"
                    + " (squared) Euclidean distances of stored rows. A distance that equals one of those"
                    + " declares it by overriding Distance.indexMetric().");
        }
        return metric;
    }

    /** The distance's name and class, for messages. */
    static String describe(Distance distance) {
        return "'" + distance.name() + "' (" + distance.getClass().getName() + ")";
    }
}
