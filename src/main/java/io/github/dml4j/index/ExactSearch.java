package io.github.dml4j.index;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.IndexMetric;
import io.github.dml4j.distance.LpDistance;
import io.github.dml4j.distance.Normalization;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Exact top-k search of blocks of queries against a gallery in bounded memory, with results
 * that do not depend on how queries or gallery are split: the building block of the retrieval
 * metrics on one machine and of a distributed evaluation that merges the top-k lists of gallery
 * partitions ({@link TopK#merge(int, List)}).
 *
 * <p><b>How.</b> A {@link Gallery} keeps its rows on the engine in blocks of {@link
 * Builder#optGalleryBlockSize(int) galleryBlockSize}, prepared for the distance (normalized
 * when {@link Distance#isNormalizeEmbeddings()}; for Euclidean distances with a column of
 * -|g|&sup2;). Queries run in blocks of {@link Builder#optQueryBlockSize(int) queryBlockSize}:
 * per gallery block one matrix product gives (block, block) float scores (2 q&middot;g -
 * |g|&sup2; for Euclidean distances, which orders as the distance does), which the JVM reads in
 * place: a reservoir per query (as FAISS's {@code ReservoirTopN}, here {@code ReservoirSet})
 * keeps the best k + {@link Builder#optCandidateSlack(int) slack} candidates (plus one when a
 * query's own entry is to be excluded), at about one comparison per score, both cores
 * scanning. Memory is therefore the gallery (on the engine, and once on the heap for the exact
 * scores) plus one (queryBlock, galleryBlock) float matrix, never a (queries, gallery) matrix.
 *
 * <p><b>Exact, deterministic scores.</b> Float matrix products round differently depending on
 * the shapes they run on, so two splits of the same gallery could order near-ties differently.
 * The candidates are therefore scored again in the JVM in double precision, in a fixed order
 * (the inner product, or -|q - g| / -|q - g|&sup2;, of the rows as given, normalized in double
 * when the distance normalizes), and sorted in the order of {@link TopK}: score, then gallery
 * id. A pair gets the same score in every split, so the top-k of a partition merge into exactly
 * the top-k of the whole gallery. The result is exact unless more than {@code slack} gallery
 * entries are within float rounding of a query's k-th score (exact duplicates of one vector, for
 * example): then which of those tied entries are kept may depend on the split. A distance that
 * is not {@link IndexMetric indexable} is ranked by its float {@code pairwise} scores (which the
 * JVM cannot recompute), still ordered by score then id.
 *
 * <p>Instances are immutable and thread-safe; a {@link Gallery} holds engine memory until
 * closed and may be searched by several threads at once.
 *
 * <pre>{@code
 * ExactSearch search = ExactSearch.builder().optDistance(LpDistance.raw()).build();
 * try (ExactSearch.Gallery gallery = search.gallery(galleryRows, dimension, 0L)) {
 *     TopK top = gallery.search(queryRows, 10, null); // ids 0..n-1, scores = -distance
 * }
 * }</pre>
 */
public final class ExactSearch {

    /** Default queries per block. */
    public static final int DEFAULT_QUERY_BLOCK_SIZE = 256;

    /** Default gallery rows per block. */
    public static final int DEFAULT_GALLERY_BLOCK_SIZE = 65_536;

    /** Default number of extra engine candidates per query that the JVM re-scores exactly. */
    public static final int DEFAULT_CANDIDATE_SLACK = 16;

    /** Columns per task of the all-against-all search's transposed pass. */
    private static final int COLUMN_TILE = 256;

    /** Rows per block of the all-against-all search (at least): fewer visits to each column's candidates. */
    private static final int ALL_QUERY_BLOCK_SIZE = 2048;

    /** An entry of {@code excludedIds} that excludes nothing. */
    public static final long NO_EXCLUSION = -1L;

    private final Distance distance;
    private final IndexMetric metric;
    private final int queryBlockSize;
    private final int galleryBlockSize;
    private final int slack;
    private final Device device;

    private ExactSearch(Builder builder) {
        this.distance = builder.distance;
        this.metric = IndexMetric.of(distance);
        this.queryBlockSize = builder.queryBlockSize;
        this.galleryBlockSize = builder.galleryBlockSize;
        this.slack = builder.slack;
        this.device = builder.device;
    }

    /**
     * Returns a builder; defaults: Euclidean distance on the raw rows ({@link LpDistance#raw()},
     * as FAISS {@code IndexFlatL2}), 256 queries and 65,536 gallery rows per block, 16 extra
     * candidates, the engine's default device.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The distance that ranks neighbours. */
    public Distance getDistance() {
        return distance;
    }

    /** Queries per block. */
    public int getQueryBlockSize() {
        return queryBlockSize;
    }

    /** Gallery rows per block. */
    public int getGalleryBlockSize() {
        return galleryBlockSize;
    }

    /** Extra engine candidates per query re-scored in the JVM. */
    public int getCandidateSlack() {
        return slack;
    }

    /**
     * Puts gallery rows on the engine for searching.
     *
     * @param rows row-major (n, dimension) values; copied
     * @param dimension the number of values per row
     * @param firstId the id of row 0; row i gets id {@code firstId + i} (a partition's offset)
     * @return the gallery, to be closed
     * @throws IllegalArgumentException if the rows are empty, not a whole number of rows, not
     *     finite, or {@code firstId} is negative
     */
    public Gallery gallery(float[] rows, int dimension, long firstId) {
        Objects.requireNonNull(rows, "The gallery rows must not be null.");
        if (dimension < 1) {
            throw new IllegalArgumentException("The dimension must be at least 1, but was " + dimension + ".");
        }
        if (rows.length == 0) {
            throw new IllegalArgumentException("The gallery is empty: give at least one row.");
        }
        if (rows.length % dimension != 0) {
            throw new IllegalArgumentException("The gallery has " + rows.length + " values, which is not a whole"
                    + " number of rows of dimension " + dimension + ".");
        }
        if (firstId < 0) {
            throw new IllegalArgumentException("The firstId must not be negative, but was " + firstId + ".");
        }
        return owned(rows.clone(), dimension, firstId);
    }

    /** As {@link #gallery(float[], int, long)} for (n, D) rows. */
    public Gallery gallery(float[][] rows, long firstId) {
        float[] flat = IndexFiles.flatten(rows, 0, "gallery rows");
        return owned(flat, rows[0].length, firstId);
    }

    /** As {@link #gallery(float[], int, long)} for an (n, D) array, which is read, not closed. */
    public Gallery gallery(NDArray rows, long firstId) {
        float[] flat = IndexFiles.flatten(rows, 0, "gallery rows");
        return owned(flat, (int) rows.getShape().get(1), firstId);
    }

    /** A gallery over a fresh array that nobody else holds (no second copy). */
    private Gallery owned(float[] rows, int dimension, long firstId) {
        if (firstId < 0) {
            throw new IllegalArgumentException("The firstId must not be negative, but was " + firstId + ".");
        }
        checkFinite(rows, dimension, "gallery");
        return new Gallery(rows, dimension, firstId);
    }

    private static void checkFinite(float[] values, int dimension, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("Row " + (i / dimension) + " of the " + what + " holds a non-finite"
                        + " value (" + values[i] + " at column " + (i % dimension) + ").");
            }
        }
    }

    @Override
    public String toString() {
        return "ExactSearch{distance=" + distance.name() + ", queryBlockSize=" + queryBlockSize + ", galleryBlockSize="
                + galleryBlockSize + ", candidateSlack=" + slack + '}';
    }

    /**
     * Gallery rows on the engine, searched by blocks of queries. Row i has id {@code firstId +
     * i}. Thread-safe; {@link #close()} releases the engine memory.
     */
    public final class Gallery implements AutoCloseable {

        private final float[] rows;
        private final double[] inverseNorms; // null unless the distance normalizes
        private final int dimension;
        private final int size;
        private final long firstId;
        private final NDManager manager;
        private final List<NDArray> blocks = new ArrayList<>(); // (n, D') prepared rows per block
        private volatile boolean closed;

        private Gallery(float[] rows, int dimension, long firstId) {
            this.rows = rows;
            this.dimension = dimension;
            this.size = rows.length / dimension;
            this.firstId = firstId;
            this.inverseNorms = distance.isNormalizeEmbeddings() ? inverseNorms(rows, dimension) : null;
            this.manager = NDManager.newBaseManager(device);
            boolean euclidean = metric.isIndexable() && !metric.isSimilarity();
            for (int s = 0; s < size; s += galleryBlockSize) {
                int n = Math.min(galleryBlockSize, size - s);
                try (NDManager m = manager.newSubManager()) {
                    NDArray block = m.create(Arrays.copyOfRange(rows, s * dimension, (s + n) * dimension),
                            new Shape(n, dimension));
                    if (metric.isIndexable() && distance.isNormalizeEmbeddings()) {
                        block = Normalization.l2(block);
                    }
                    if (euclidean) { // rows [2g, -|g|^2]: q' = [q, 1] gives 2 q.g - |g|^2
                        NDArray negNorms = block.square().sum(new int[] {1}, true).neg();
                        block = block.mul(2f).concat(negNorms, 1);
                    }
                    block.attach(manager);
                    blocks.add(block);
                }
            }
        }

        /** Number of gallery rows. */
        public int size() {
            return size;
        }

        /** Values per row. */
        public int dimension() {
            return dimension;
        }

        /** The id of row 0. */
        public long firstId() {
            return firstId;
        }

        /** As {@link #search(float[], int, long[])} for (Q, D) query rows. */
        public TopK search(float[][] queries, int k, long[] excludedIds) {
            return search(IndexFiles.flatten(queries, dimension, "queries"), k, excludedIds);
        }

        /**
         * Finds the k nearest gallery rows of each query, in the order of {@link TopK}.
         *
         * @param queries row-major (Q, dimension) query values
         * @param k neighbours per query, at least 1; a row holds fewer when the gallery holds
         *     fewer candidates
         * @param excludedIds null, or one gallery id per query never to return for it (the
         *     query's own entry when the queries are part of the gallery), {@link #NO_EXCLUSION}
         *     for none; an id outside this gallery excludes nothing
         * @return ids (global: {@code firstId + row}) and scores, higher = closer
         * @throws IllegalArgumentException on no queries, a dimension mismatch, a non-finite
         *     value, k &lt; 1 or a wrong number of excluded ids
         */
        public TopK search(float[] queries, int k, long[] excludedIds) {
            Objects.requireNonNull(queries, "The queries must not be null.");
            if (closed) {
                throw new IllegalStateException("The gallery is closed.");
            }
            if (queries.length == 0) {
                throw new IllegalArgumentException("The query set is empty: give at least one query row.");
            }
            if (queries.length % dimension != 0) {
                throw new IllegalArgumentException("The queries have " + queries.length + " values, which is not a"
                        + " whole number of rows of the gallery's dimension " + dimension + ".");
            }
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, but was " + k + ".");
            }
            int q = queries.length / dimension;
            if (excludedIds != null && excludedIds.length != q) {
                throw new IllegalArgumentException("There are " + excludedIds.length + " excluded ids for " + q
                        + " queries: give one per query (" + NO_EXCLUSION + " for none).");
            }
            checkFinite(queries, dimension, "queries");
            long[][] ids = new long[q][];
            double[][] scores = new double[q][];
            for (int s = 0; s < q; s += queryBlockSize) {
                int e = Math.min(q, s + queryBlockSize);
                searchBlock(queries, s, e, k, excludedIds == null ? null : Arrays.copyOfRange(excludedIds, s, e), ids,
                        scores, s);
            }
            return TopK.ofOwned(ids, scores);
        }

        /**
         * Finds the k nearest gallery rows of the gallery's own rows {@code from..to-1} as queries
         * (leave-one-out evaluation without a second copy of the rows).
         *
         * @param from the first row, inclusive
         * @param to the last row, exclusive
         * @param k neighbours per query, at least 1
         * @param excludeSelf whether a row never finds itself (excluded by id, not by distance, so
         *     a duplicate of the row is still found)
         * @return one row of results per query row, ids global
         * @throws IllegalArgumentException if the range is empty or outside the gallery, or k &lt; 1
         */
        public TopK searchRows(int from, int to, int k, boolean excludeSelf) {
            if (closed) {
                throw new IllegalStateException("The gallery is closed.");
            }
            if (from < 0 || to > size || from >= to) {
                throw new IllegalArgumentException("The query rows " + from + ".." + to + " are empty or outside the"
                        + " gallery's rows 0.." + size + ".");
            }
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, but was " + k + ".");
            }
            long[][] ids = new long[to - from][];
            double[][] scores = new double[to - from][];
            for (int s = from; s < to; s += queryBlockSize) {
                int e = Math.min(to, s + queryBlockSize);
                long[] self = null;
                if (excludeSelf) {
                    self = new long[e - s];
                    for (int i = 0; i < self.length; i++) {
                        self[i] = firstId + s + i;
                    }
                }
                searchBlock(rows, s, e, k, self, ids, scores, s - from);
            }
            return TopK.ofOwned(ids, scores);
        }

        /**
         * Finds the k nearest gallery rows of every gallery row: the all-against-all search
         * (FAISS's {@code index.search(x, k)} on the index's own vectors), with each pair scored
         * once. The distance is symmetric, so a block of rows is multiplied only with itself and
         * the rows after it, and each score is offered both to its row's candidates and to its
         * column's: half the matrix products of {@link #searchRows(int, int, int, boolean)
         * searchRows(0, size(), k, excludeSelf)}, with the same result. The candidates of every
         * row are held until the end, about {@code 16 (k + slack + 1)} bytes per row; when that
         * would take more than a quarter of the maximum heap, or the distance is not {@link
         * IndexMetric indexable}, this searches by blocks of rows as {@code searchRows} does.
         *
         * @param k neighbours per row, at least 1
         * @param excludeSelf whether a row never finds itself (by id, not by distance)
         * @return one row of results per gallery row, ids global
         * @throws IllegalArgumentException if k &lt; 1
         */
        public TopK searchAll(int k, boolean excludeSelf) {
            if (closed) {
                throw new IllegalStateException("The gallery is closed.");
            }
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, but was " + k + ".");
            }
            int candidates = Math.min(size, k + slack + (excludeSelf ? 1 : 0));
            if (!metric.isIndexable() || ReservoirSet.bytes(size, candidates) > Runtime.getRuntime().maxMemory() / 4) {
                return searchRows(0, size, k, excludeSelf);
            }
            ReservoirSet reservoirs = new ReservoirSet(size, candidates);
            // Row r's own candidates are ranked by 2 r.g - |g|^2 (its matrix row); a score offered to
            // column c from row r is moved to c's scale: + |c|^2 - |r|^2. A column takes it when
            // score - |r|^2 beats its threshold - |c|^2, kept per column in `bars`.
            boolean euclidean = !metric.isSimilarity();
            float[] norms = new float[size];
            if (euclidean) {
                for (int i = 0; i < size; i++) {
                    double sum = 0;
                    double inverse = inverseNorms == null ? 1.0 : inverseNorms[i];
                    for (int j = 0; j < dimension; j++) {
                        double v = rows[i * dimension + j] * inverse;
                        sum += v * v;
                    }
                    norms[i] = (float) sum;
                }
            }
            float[] bars = new float[size];
            Arrays.fill(bars, Float.NEGATIVE_INFINITY);
            int allBlock = Math.max(queryBlockSize, ALL_QUERY_BLOCK_SIZE);
            long scoresPerProduct = (long) queryBlockSize * galleryBlockSize;
            // Blocks from the last: a row's own pass (its block against the rows after it, its
            // candidates hot in the cache) then comes before the scores offered to it as a column, so
            // most of its insertions, the early ones, happen while they are cheap.
            int lastStart = (size - 1) / allBlock * allBlock;
            for (int start = lastStart; start >= 0; start -= allBlock) {
                int s = start;
                int e = Math.min(size, s + allBlock);
                int b = e - s;
                try (NDManager m = manager.newSubManager()) {
                    NDArray query = m.create(Arrays.copyOfRange(rows, s * dimension, e * dimension), new Shape(b, dimension));
                    if (distance.isNormalizeEmbeddings()) {
                        query = Normalization.l2(query);
                    }
                    if (euclidean) {
                        query = query.concat(m.ones(new Shape(b, 1)), 1);
                    }
                    int base = 0;
                    for (NDArray block : blocks) {
                        int n = (int) block.getShape().get(0);
                        int chunk = (int) Math.max(COLUMN_TILE, scoresPerProduct / b);
                        for (int from = Math.max(s, base); from < base + n; from += chunk) {
                            int to = Math.min(base + n, from + chunk);
                            offerBoth(query, block, base, from, to, s, e, reservoirs, norms, bars);
                        }
                        base += n;
                    }
                }
            }
            long[][] ids = new long[size][];
            double[][] scores = new double[size][];
            IntStream all = IntStream.range(0, size);
            if ((long) size * candidates * dimension > 1_000_000L) {
                all = all.parallel();
            }
            all.forEach(i -> {
                int[] candidateRows = reservoirs.rows(i);
                rescore(rows, i, i, candidateRows, null, candidateRows.length, true, k,
                        excludeSelf ? firstId + i : NO_EXCLUSION, ids, scores);
            });
            return TopK.ofOwned(ids, scores);
        }

        /**
         * Scores gallery rows {@code s..e-1} (the query block) against columns {@code from..to-1}
         * (in {@code block}, which starts at row {@code base}) and offers each score to its row's
         * candidates and, for columns after the block, to its column's.
         */
        private void offerBoth(NDArray query, NDArray block, int base, int from, int to, int s, int e,
                ReservoirSet reservoirs, float[] norms, float[] bars) {
            int b = e - s;
            int width = to - from;
            NDArray part = block.get((from - base) + ":" + (to - base));
            NDArray transposed = part.transpose();
            NDArray blockScores = query.matMul(transposed);
            transposed.close();
            part.close();
            FloatBuffer values = blockScores.toByteBuffer(true).asFloatBuffer();
            // one task per row of the block, then one per tile of later columns: they touch
            // different candidates (rows s..e-1, columns from e on), so all run at once
            int firstColumn = Math.max(e, from);
            int columns = Math.max(0, to - firstColumn);
            int skip = firstColumn - from;
            int tiles = (columns + COLUMN_TILE - 1) / COLUMN_TILE;
            IntStream tasks = IntStream.range(0, b + tiles);
            if ((long) b * width > 100_000L) {
                tasks = tasks.parallel();
            }
            tasks.forEach(t -> {
                if (t < b) {
                    reservoirs.offerRow(s + t, values, t * width, width, from);
                    return;
                }
                int c0 = skip + (t - b) * COLUMN_TILE;
                int c1 = Math.min(skip + columns, c0 + COLUMN_TILE);
                for (int i = 0; i < b; i++) {
                    reservoirs.offerColumns(values, i * width, c0, c1, s + i, from, norms[s + i], norms, bars);
                }
            });
            blockScores.close();
        }

        /** Queries {@code s..e-1} of {@code queries}; results to {@code out + i}; excluded per query or null. */
        private void searchBlock(float[] queries, int s, int e, int k, long[] excluded, long[][] ids,
                double[][] scores, int out) {
            int b = e - s;
            int candidates = Math.min(size, k + slack + (excluded == null ? 0 : 1));
            ReservoirSet reservoirs = new ReservoirSet(b, candidates);
            boolean fast = metric.isIndexable();
            try (NDManager m = manager.newSubManager()) {
                NDArray query = m.create(Arrays.copyOfRange(queries, s * dimension, e * dimension),
                        new Shape(b, dimension));
                if (fast && distance.isNormalizeEmbeddings()) {
                    query = Normalization.l2(query);
                }
                if (fast && !metric.isSimilarity()) {
                    query = query.concat(m.ones(new Shape(b, 1)), 1);
                }
                int base = 0;
                for (NDArray block : blocks) {
                    int n = (int) block.getShape().get(0);
                    NDArray blockScores;
                    if (fast) {
                        NDArray transposed = block.transpose(); // a view, but a handle in the gallery's manager
                        blockScores = query.matMul(transposed);
                        transposed.close();
                    } else {
                        blockScores = distance.toScore(distance.pairwise(query, block));
                    }
                    if (blockScores.getDataType() != DataType.FLOAT32) {
                        blockScores = blockScores.toType(DataType.FLOAT32, false);
                    }
                    // the engine's memory, read in place: a reservoir per query keeps the best candidates
                    FloatBuffer values = blockScores.toByteBuffer(true).asFloatBuffer();
                    int offset = base;
                    IntStream rowsOfBlock = IntStream.range(0, b);
                    if ((long) b * n > 1_000_000L) {
                        rowsOfBlock = rowsOfBlock.parallel();
                    }
                    rowsOfBlock.forEach(i -> reservoirs.offerRow(i, values, i * n, n, offset));
                    blockScores.close();
                    base += n;
                }
            }
            IntStream rowsOfBlock = IntStream.range(0, b);
            if ((long) b * candidates * dimension > 1_000_000L) {
                rowsOfBlock = rowsOfBlock.parallel();
            }
            rowsOfBlock.forEach(i -> {
                long exclude = excluded == null ? NO_EXCLUSION : excluded[i];
                int[] candidateRows = reservoirs.rows(i);
                float[] floatScores = fast ? null : reservoirs.scores(i);
                rescore(queries, s + i, out + i, candidateRows, floatScores, candidateRows.length, fast, k, exclude,
                        ids, scores);
            });
        }

        /**
         * Scores one query's candidate rows {@code 0..width-1} exactly (or takes their float
         * scores when the distance is not indexable) and keeps the best k in the order of TopK.
         */
        private void rescore(float[] queries, int query, int out, int[] candidateRows, float[] floatScores, int width,
                boolean exact, int k, long exclude, long[][] ids, double[][] scores) {
            long[] candidateIds = new long[width];
            int[] kept = new int[width];
            double[] candidateScores = new double[width];
            int n = 0;
            int qOffset = query * dimension;
            for (int c = 0; c < width; c++) {
                int row = candidateRows[c];
                long id = firstId + row;
                if (id == exclude) {
                    continue;
                }
                candidateIds[n] = id;
                kept[n] = row;
                candidateScores[n] = exact ? 0 : floatScores[c];
                n++;
            }
            if (exact) {
                double queryInverse = inverseNorms == null ? 1.0 : inverseNorm(queries, qOffset, dimension);
                int c = 0;
                for (; c + 4 <= n; c += 4) {
                    exactScores4(queries, qOffset, queryInverse, kept, c, candidateScores);
                }
                for (; c < n; c++) {
                    candidateScores[c] = exactScore(queries, qOffset, queryInverse, kept[c]);
                }
            }
            int[] order = TopK.order(candidateScores, candidateIds, n);
            int keep = Math.min(k, n);
            long[] rowIds = new long[keep];
            double[] rowScores = new double[keep];
            for (int r = 0; r < keep; r++) {
                rowIds[r] = candidateIds[order[r]];
                rowScores[r] = candidateScores[order[r]];
            }
            ids[out] = rowIds;
            scores[out] = rowScores;
        }

        /** The score of a query and a gallery row in double precision, the same in every split. */
        private double exactScore(float[] queries, int qOffset, double queryInverse, int row) {
            int gOffset = row * dimension;
            double galleryInverse = inverseNorms == null ? 1.0 : inverseNorms[row];
            double sum = 0;
            if (metric.isSimilarity()) {
                for (int j = 0; j < dimension; j++) {
                    sum += (queries[qOffset + j] * queryInverse) * (rows[gOffset + j] * galleryInverse);
                }
                return sum;
            }
            for (int j = 0; j < dimension; j++) {
                double diff = queries[qOffset + j] * queryInverse - rows[gOffset + j] * galleryInverse;
                sum += diff * diff;
            }
            return metric.isSquared() ? -sum : -Math.sqrt(sum);
        }

        /**
         * {@link #exactScore} of the rows {@code kept[c..c+3]} into {@code out[c..c+3]}: four sums
         * side by side, so that the memory reads of four rows overlap; each sum runs over the
         * columns in the same order as there, so the scores are the same to the last bit.
         */
        private void exactScores4(float[] queries, int qOffset, double queryInverse, int[] kept, int c, double[] out) {
            int g0 = kept[c] * dimension;
            int g1 = kept[c + 1] * dimension;
            int g2 = kept[c + 2] * dimension;
            int g3 = kept[c + 3] * dimension;
            double i0 = inverseNorms == null ? 1.0 : inverseNorms[kept[c]];
            double i1 = inverseNorms == null ? 1.0 : inverseNorms[kept[c + 1]];
            double i2 = inverseNorms == null ? 1.0 : inverseNorms[kept[c + 2]];
            double i3 = inverseNorms == null ? 1.0 : inverseNorms[kept[c + 3]];
            double s0 = 0;
            double s1 = 0;
            double s2 = 0;
            double s3 = 0;
            if (metric.isSimilarity()) {
                for (int j = 0; j < dimension; j++) {
                    double q = queries[qOffset + j] * queryInverse;
                    s0 += q * (rows[g0 + j] * i0);
                    s1 += q * (rows[g1 + j] * i1);
                    s2 += q * (rows[g2 + j] * i2);
                    s3 += q * (rows[g3 + j] * i3);
                }
                out[c] = s0;
                out[c + 1] = s1;
                out[c + 2] = s2;
                out[c + 3] = s3;
                return;
            }
            for (int j = 0; j < dimension; j++) {
                double q = queries[qOffset + j] * queryInverse;
                double d0 = q - rows[g0 + j] * i0;
                double d1 = q - rows[g1 + j] * i1;
                double d2 = q - rows[g2 + j] * i2;
                double d3 = q - rows[g3 + j] * i3;
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
            }
            boolean squared = metric.isSquared();
            out[c] = squared ? -s0 : -Math.sqrt(s0);
            out[c + 1] = squared ? -s1 : -Math.sqrt(s1);
            out[c + 2] = squared ? -s2 : -Math.sqrt(s2);
            out[c + 3] = squared ? -s3 : -Math.sqrt(s3);
        }

        /** Releases the engine memory; the gallery must not be searched afterwards. */
        @Override
        public void close() {
            closed = true;
            manager.close();
        }

        @Override
        public String toString() {
            return "ExactSearch.Gallery{size=" + size + ", dimension=" + dimension + ", firstId=" + firstId + '}';
        }
    }

    private static double[] inverseNorms(float[] rows, int dimension) {
        double[] inverse = new double[rows.length / dimension];
        for (int i = 0; i < inverse.length; i++) {
            inverse[i] = inverseNorm(rows, i * dimension, dimension);
        }
        return inverse;
    }

    /** 1 / max(|row|, eps), as {@link Normalization#l2} does it, in double. */
    private static double inverseNorm(float[] values, int offset, int dimension) {
        double sum = 0;
        for (int j = 0; j < dimension; j++) {
            double v = values[offset + j];
            sum += v * v;
        }
        return 1.0 / Math.max(Math.sqrt(sum), Normalization.EPS);
    }

    /** Builder for {@link ExactSearch}, in DJL's style. */
    public static final class Builder {
        private Distance distance = LpDistance.raw();
        private int queryBlockSize = DEFAULT_QUERY_BLOCK_SIZE;
        private int galleryBlockSize = DEFAULT_GALLERY_BLOCK_SIZE;
        private int slack = DEFAULT_CANDIDATE_SLACK;
        private Device device;

        private Builder() {}

        /**
         * Sets the distance (default {@link LpDistance#raw()}). An {@link IndexMetric indexable}
         * distance is scored by one matrix product and exactly in the JVM; any other through its
         * {@code pairwise} on the engine.
         */
        public Builder optDistance(Distance distance) {
            this.distance = distance;
            return this;
        }

        /** Sets the queries per block (default {@value ExactSearch#DEFAULT_QUERY_BLOCK_SIZE}). */
        public Builder optQueryBlockSize(int queryBlockSize) {
            this.queryBlockSize = queryBlockSize;
            return this;
        }

        /**
         * Sets the gallery rows per block (default {@value ExactSearch#DEFAULT_GALLERY_BLOCK_SIZE}).
         * The working memory is about two (queryBlockSize, galleryBlockSize) float matrices.
         */
        public Builder optGalleryBlockSize(int galleryBlockSize) {
            this.galleryBlockSize = galleryBlockSize;
            return this;
        }

        /**
         * Sets how many candidates beyond k the engine keeps per query for the exact re-scoring
         * in the JVM (default {@value ExactSearch#DEFAULT_CANDIDATE_SLACK}); 0 trusts the float
         * order at the k-th place.
         */
        public Builder optCandidateSlack(int slack) {
            this.slack = slack;
            return this;
        }

        /** Sets the engine device (default: the engine's default device). */
        public Builder optDevice(Device device) {
            this.device = device;
            return this;
        }

        /**
         * Validates the settings and builds the search.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public ExactSearch build() {
            if (distance == null) {
                throw new IllegalArgumentException(
                        "The distance must not be null; use LpDistance.raw() for plain Euclidean.");
            }
            IndexMetric.of(distance);
            if (queryBlockSize < 1) {
                throw new IllegalArgumentException(
                        "The queryBlockSize must be at least 1, but was " + queryBlockSize + ".");
            }
            if (galleryBlockSize < 1) {
                throw new IllegalArgumentException(
                        "The galleryBlockSize must be at least 1, but was " + galleryBlockSize + ".");
            }
            if (slack < 0) {
                throw new IllegalArgumentException("The candidateSlack must not be negative, but was " + slack + ".");
            }
            return new ExactSearch(this);
        }
    }
}
