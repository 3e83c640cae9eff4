package io.github.dml4j.distance;

import ai.djl.ndarray.NDArray;

/**
 * A pairwise distance or similarity between two batches of embeddings, computed on the engine.
 *
 * <p>As in pytorch-metric-learning, a distance knows its direction: {@link #isInverted()} is
 * {@code true} for similarities, where a larger value means closer. Loss and miner code never
 * branches on the kind of distance; it asks the distance for margins and for the closest or
 * farthest value instead, so every loss works with every distance.
 *
 * <p><b>Capabilities.</b> Code that needs more than the pairwise matrix (the indexes, the
 * retrieval metrics, threshold clustering) never branches on the class of a distance either: it
 * asks the distance what it is.
 *
 * <ul>
 *   <li>{@link #isInverted()}: a similarity (larger is closer) or a distance;
 *   <li>{@link #isNormalizeEmbeddings()}: whether the embeddings are L2-normalized first;
 *   <li>{@link #isSquared()}: whether the value is a squared Euclidean distance;
 *   <li>{@link #indexMetric()}: how an index computes it from stored rows, or {@link
 *       IndexMetric#NOT_INDEXABLE};
 *   <li>{@link #name()}: its stable name in model cards and index files.
 * </ul>
 *
 * <p>A distance of your own needs only {@link #pairwise}, {@link #paired}, {@link #isInverted()}
 * and {@link #name()} to work with every loss, miner and the retrieval metrics. If it equals an
 * inner product or a (squared) Euclidean distance of possibly normalized rows, it also declares
 * {@link #indexMetric()} (and {@link #isNormalizeEmbeddings()}) and then works in the indexes,
 * the gallery and threshold clustering too; otherwise these refuse it with an {@link
 * IllegalArgumentException} that names it. For example a cosine similarity of one's own:
 *
 * <pre>{@code
 * public IndexMetric indexMetric() { return IndexMetric.INNER_PRODUCT; }
 * public boolean isNormalizeEmbeddings() { return true; }
 * }</pre>
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface Distance {

    /**
     * Computes the matrix of distances between every query row and every reference row.
     *
     * @param query embeddings of shape (Q, D)
     * @param reference embeddings of shape (R, D)
     * @return a (Q, R) matrix in the manager of {@code query}
     */
    NDArray pairwise(NDArray query, NDArray reference);

    /**
     * Computes the distance between matching rows of two batches of the same shape.
     *
     * @param a embeddings of shape (N, D)
     * @param b embeddings of shape (N, D)
     * @return a vector of length N
     */
    NDArray paired(NDArray a, NDArray b);

    /** Returns {@code true} when a larger value means closer (a similarity), as PML's {@code is_inverted}. */
    boolean isInverted();

    /**
     * A short stable name for logs, model cards and index files, for example {@code
     * "l2_normalized"}. An index file records it; {@link #named(String)} knows the built-in
     * names, and an index of a distance of one's own is loaded with that distance given.
     */
    String name();

    /**
     * Whether the embeddings are L2-normalized before the value is taken, as in cosine similarity
     * or {@link LpDistance#normalized()}. An index then stores and searches normalized rows.
     * Default {@code false}.
     */
    default boolean isNormalizeEmbeddings() {
        return false;
    }

    /**
     * Whether the value is a squared Euclidean distance. The default follows {@link
     * #indexMetric()}: {@code true} only for {@link IndexMetric#SQUARED_EUCLIDEAN}.
     */
    default boolean isSquared() {
        return indexMetric() == IndexMetric.SQUARED_EUCLIDEAN;
    }

    /**
     * How an index computes this distance from stored (and, if {@link #isNormalizeEmbeddings()},
     * normalized) rows: the inner product or the (squared) Euclidean distance, which must order
     * neighbours as {@link #pairwise} does and give the same values. The default, {@link
     * IndexMetric#NOT_INDEXABLE}, keeps the distance out of the indexes, which then refuse it by
     * name. {@link IndexMetric#of(Distance)} checks a declaration against {@link #isInverted()}
     * and {@link #isSquared()}.
     */
    default IndexMetric indexMetric() {
        return IndexMetric.NOT_INDEXABLE;
    }

    /**
     * Returns how much {@code x} is farther than {@code y}: {@code x - y} for a distance and
     * {@code y - x} for a similarity. A triplet violates margin m when
     * {@code margin(d(a,p), d(a,n)) + m > 0}.
     */
    default NDArray margin(NDArray x, NDArray y) {
        return isInverted() ? y.sub(x) : x.sub(y);
    }

    /** Converts distance values to scores where higher means closer (identity for a similarity). */
    default NDArray toScore(NDArray values) {
        return isInverted() ? values : values.neg();
    }

    /** The value that is never the closest: {@code -inf} for a similarity, {@code +inf} for a distance. */
    default float farthestPossible() {
        return isInverted() ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
    }

    /**
     * The distance a {@link #name()} stands for, as written in model cards and index files:
     * {@code cosine}, {@code dot}, {@code l2}, {@code l2_normalized}, {@code squared_l2},
     * {@code squared_l2_normalized}.
     *
     * @throws IllegalArgumentException naming the unknown name and the known ones
     */
    static Distance named(String name) {
        return switch (String.valueOf(name)) {
            case "cosine" -> new CosineSimilarity();
            case "dot" -> new DotProductSimilarity();
            case "l2" -> LpDistance.raw();
            case "l2_normalized" -> LpDistance.normalized();
            case "squared_l2" -> LpDistance.builder().optNormalizeEmbeddings(false).optSquared(true).build();
            case "squared_l2_normalized" -> LpDistance.builder().optSquared(true).build();
            default -> throw new IllegalArgumentException("Unknown distance '" + name + "': expected one of cosine, dot, "
                    + "l2, l2_normalized, squared_l2, squared_l2_normalized.");
        };
    }

    /** Element-wise: is {@code x} closer than {@code y}? */
    default NDArray closer(NDArray x, NDArray y) {
        return isInverted() ? x.gt(y) : x.lt(y);
    }
}
