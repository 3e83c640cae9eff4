/**
 * Evaluation of embeddings: retrieval metrics, clustering metrics and the report that prints
 * and serializes them.
 *
 * <p><b>Retrieval</b> ({@link io.github.dml4j.eval.RetrievalMetrics}): every embedding is a
 * query against all the others, itself excluded by index. For a query with R other embeddings
 * of its class (capped at k) and match<sub>i</sub> = 1 when its i-th nearest neighbour shares
 * its label:
 *
 * <ul>
 *   <li>Precision@1 = match<sub>1</sub>;
 *   <li>R-Precision = (&sum;<sub>i&le;R</sub> match<sub>i</sub>) / R;
 *   <li>MAP@R = (1/R) &sum;<sub>i&le;R</sub> match<sub>i</sub> &middot; P@i, where P@i is the
 *       precision of the first i neighbours (Musgrave, Belongie and Lim 2020, "A Metric
 *       Learning Reality Check", ECCV);
 *   <li>MRR = 1 / rank of the first match within k (0 if none).
 * </ul>
 *
 * Each is averaged over queries with R &gt; 0. Defaults match pytorch-metric-learning's {@code
 * AccuracyCalculator} with FAISS {@code IndexFlatL2}: Euclidean distance on the raw embeddings
 * and k = largest class size minus one. Beside them: Recall@K for a list of K (default 1, 2, 4,
 * 8), mean average precision over the full ranking and the CMC curve (the re-identification
 * convention), and queries against a separate gallery, which may contain them. The neighbours come
 * from {@link io.github.dml4j.index.ExactSearch} in blocks of queries and gallery rows, so a
 * million embeddings need only the gallery and a few (block, block) matrices at a time; the
 * per-query sums live in a mergeable {@link io.github.dml4j.eval.RetrievalAccumulator}.
 *
 * <p><b>Clustering</b> ({@link io.github.dml4j.eval.KMeans}, {@link
 * io.github.dml4j.eval.ClusteringMetrics}): k-means with k-means++ seeding (Arthur and
 * Vassilvitskii 2007) and a {@code long} seed; normalized mutual information (Strehl and Ghosh
 * 2002) and adjusted mutual information (Vinh, Epps and Bailey 2010), both with scikit-learn's
 * default arithmetic normalization. {@link io.github.dml4j.eval.ThresholdClustering} clusters
 * an unknown number of identities: it joins each embedding to its k nearest neighbours (default
 * 10, found on the engine by an exact index) and groups them at a calibrated similarity
 * threshold, by connected components of the edges that reach it (single linkage, the default)
 * or by average linkage over the graph's edges, which resists chaining; members of clusters
 * under an optional minimum size are left unassigned ({@code -1}).
 *
 * <p><b>Protocol</b> ({@link io.github.dml4j.eval.EmbeddingEvaluator}): Precision@1,
 * R-Precision, MAP@R and NMI with k-means at the true number of classes, in one {@link
 * io.github.dml4j.eval.RetrievalReport} whose {@code toMap()} uses PML's key names
 * ({@code precision_at_1}, {@code r_precision}, {@code mean_average_precision_at_r}, {@code
 * NMI}).
 */
package io.github.dml4j.eval;
