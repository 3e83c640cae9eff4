package io.github.dml4j.viz;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG map of embeddings in two dimensions, one colour per label (class or identity): a quick
 * look at whether the identities form separate groups.
 *
 * <p>The embeddings are projected onto their first two principal components ({@link Pca},
 * computed on the engine). To keep the plot readable and fast, at most {@link
 * Builder#optMaxPoints(int)} points are drawn (default {@value #DEFAULT_MAX_POINTS}), a uniform
 * random sample without replacement drawn with {@link Builder#optSeed(long)}; the PCA is fitted
 * on the points drawn. At most {@link Builder#optMaxLabels(int)} labels (default {@value
 * #DEFAULT_MAX_LABELS}, the most frequent among the points drawn, smaller label first on ties)
 * get a colour and a legend entry of their own; the others share one grey series, "other", drawn
 * beneath them. Twenty colours are used in turn, so with more than twenty labels shown colours
 * repeat.
 *
 * <p>The projection happens when the map is built; the map then holds only the 2-D points, so
 * rendering needs no engine.
 *
 * <pre>{@code
 * EmbeddingMap.builder().setEmbeddings(embeddings).setLabels(identities)
 *         .build().write(Path.of("report/embeddings.png"));
 * }</pre>
 */
public final class EmbeddingMap extends Plot {

    /** Default largest number of points drawn. */
    public static final int DEFAULT_MAX_POINTS = 20_000;

    /** Default largest number of labels with their own colour. */
    public static final int DEFAULT_MAX_LABELS = 20;

    private static final Color OTHER = new Color(190, 190, 190, 140);

    private final Pca pca;
    private final int[] shown;
    private final float[][] points;
    private final int[] labels;
    private final int[] ownLabels;
    private final Map<Integer, String> labelNames;
    private final int markerSize;
    private final int total;

    private EmbeddingMap(Builder builder, Pca pca, int[] shown, float[][] points, int[] labels, int[] ownLabels) {
        super(builder);
        this.pca = pca;
        this.shown = shown;
        this.points = points;
        this.labels = labels;
        this.ownLabels = ownLabels;
        this.labelNames = Map.copyOf(builder.labelNames);
        this.markerSize = builder.markerSize;
        this.total = builder.size();
    }

    /**
     * Returns a builder; the embeddings and the labels are required. Defaults: {@value
     * #DEFAULT_MAX_POINTS} points, {@value #DEFAULT_MAX_LABELS} labels, seed 0, markers of 4
     * pixels.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The two-component PCA the points were projected with. */
    public Pca pca() {
        return pca;
    }

    /** Indices (ascending) of the embeddings drawn, in the order of {@link #points()}. */
    public int[] shownIndices() {
        return shown.clone();
    }

    /** The 2-D coordinates of the embeddings drawn. */
    public float[][] points() {
        float[][] copy = new float[points.length][];
        for (int i = 0; i < points.length; i++) {
            copy[i] = points[i].clone();
        }
        return copy;
    }

    /** The labels with a colour and legend entry of their own, ascending; the rest are "other". */
    public int[] ownLabels() {
        return ownLabels.clone();
    }

    @Override
    XYChart chart() {
        double[] ratio = pca.explainedVarianceRatio();
        long distinct = Arrays.stream(labels).distinct().count();
        String defaultTitle = String.format(Locale.ROOT, "Embeddings: %s, %d labels, PCA", shown.length == total
                ? total + " points" : shown.length + " of " + total + " points", distinct);
        XYChart chart = newChart(defaultTitle,
                String.format(Locale.ROOT, "PC1 (%.1f%% of variance)", 100 * ratio[0]),
                String.format(Locale.ROOT, "PC2 (%.1f%% of variance)", 100 * ratio[1]));
        chart.getStyler().setMarkerSize(markerSize);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);

        Map<Integer, Integer> series = new HashMap<>();
        for (int s = 0; s < ownLabels.length; s++) {
            series.put(ownLabels[s], s);
        }
        int[] counts = new int[ownLabels.length + 1]; // the last: other
        for (int label : labels) {
            counts[series.getOrDefault(label, ownLabels.length)]++;
        }
        double[][] xs = new double[counts.length][];
        double[][] ys = new double[counts.length][];
        for (int s = 0; s < counts.length; s++) {
            xs[s] = new double[counts[s]];
            ys[s] = new double[counts[s]];
        }
        int[] fill = new int[counts.length];
        for (int i = 0; i < labels.length; i++) {
            int s = series.getOrDefault(labels[i], ownLabels.length);
            xs[s][fill[s]] = points[i][0];
            ys[s][fill[s]] = points[i][1];
            fill[s]++;
        }
        int other = ownLabels.length;
        if (counts[other] > 0) {
            long otherLabels = Arrays.stream(labels).filter(l -> !series.containsKey(l)).distinct().count();
            XYSeries s = chart.addSeries("other (" + otherLabels + " labels)", xs[other], ys[other]);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(OTHER);
        }
        for (int k = 0; k < ownLabels.length; k++) {
            int label = ownLabels[k];
            XYSeries s = chart.addSeries(labelNames.getOrDefault(label, String.valueOf(label)), xs[k], ys[k]);
            s.setMarker(SeriesMarkers.CIRCLE);
            Color c = PALETTE[k % PALETTE.length];
            s.setMarkerColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 200));
        }
        return chart;
    }

    @Override
    public String toString() {
        return "EmbeddingMap{points=" + shown.length + " of " + total + ", labels=" + ownLabels.length
                + ", " + width() + "x" + height() + '}';
    }

    /** Builder for {@link EmbeddingMap}, in DJL's style. */
    public static final class Builder extends BaseBuilder<Builder> {
        private float[][] rows;
        private NDArray array;
        private int[] labels;
        private Map<Integer, String> labelNames = Map.of();
        private int maxPoints = DEFAULT_MAX_POINTS;
        private int maxLabels = DEFAULT_MAX_LABELS;
        private long seed;
        private int markerSize = 4;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /** Sets the embeddings, one row each (required; this or the array form). */
        public Builder setEmbeddings(float[][] embeddings) {
            this.rows = embeddings;
            this.array = null;
            return this;
        }

        /**
         * Sets the embeddings as an (N, D) array (required; this or the Java form); read when
         * the map is built, not modified or closed.
         */
        public Builder setEmbeddings(NDArray embeddings) {
            this.array = embeddings;
            this.rows = null;
            return this;
        }

        /** Sets the label (class or identity) of each embedding (required). */
        public Builder setLabels(int[] labels) {
            this.labels = labels;
            return this;
        }

        /** Sets legend names of labels; a label without a name is shown as its number. */
        public Builder optLabelNames(Map<Integer, String> labelNames) {
            this.labelNames = Objects.requireNonNull(labelNames, "The label names must not be null.");
            return this;
        }

        /** Sets the largest number of points drawn (default {@value EmbeddingMap#DEFAULT_MAX_POINTS}). */
        public Builder optMaxPoints(int maxPoints) {
            this.maxPoints = maxPoints;
            return this;
        }

        /**
         * Sets the largest number of labels with their own colour and legend entry (default
         * {@value EmbeddingMap#DEFAULT_MAX_LABELS}); the others are drawn in grey as "other".
         */
        public Builder optMaxLabels(int maxLabels) {
            this.maxLabels = maxLabels;
            return this;
        }

        /** Sets the seed of the sample drawn when there are more than maxPoints embeddings (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the marker diameter in pixels (default 4). */
        public Builder optMarkerSize(int markerSize) {
            this.markerSize = markerSize;
            return this;
        }

        private int size() {
            return rows != null ? rows.length : Math.toIntExact(array.getShape().get(0));
        }

        /**
         * Validates the settings, draws the sample and projects it.
         *
         * @throws IllegalArgumentException naming the bad field
         */
        public EmbeddingMap build() {
            checkShared();
            if (rows == null && array == null) {
                throw new IllegalArgumentException("The embeddings are required: call setEmbeddings.");
            }
            if (labels == null) {
                throw new IllegalArgumentException("The labels are required: call setLabels.");
            }
            if (array != null && (array.getShape().dimension() != 2 || array.getShape().get(1) == 0)) {
                throw new IllegalArgumentException(
                        "The embeddings must be a 2-D (N, D) array, but the shape is " + array.getShape() + ".");
            }
            int n = size();
            if (n < 2) {
                throw new IllegalArgumentException("A map needs at least 2 embeddings, but there are " + n + ".");
            }
            if (labels.length != n) {
                throw new IllegalArgumentException("There are " + n + " embeddings but " + labels.length
                        + " labels: give one label per embedding.");
            }
            if (maxPoints < 2) {
                throw new IllegalArgumentException("The maxPoints must be at least 2, but was " + maxPoints + ".");
            }
            if (maxLabels < 1) {
                throw new IllegalArgumentException("The maxLabels must be at least 1, but was " + maxLabels + ".");
            }
            if (markerSize < 1) {
                throw new IllegalArgumentException("The markerSize must be at least 1, but was " + markerSize + ".");
            }
            if (rows != null) {
                Pca.checkRows(rows, "embeddings");
            }
            int[] shown = sample(n, maxPoints, seed);
            float[][] projected;
            Pca pca;
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x;
                if (rows != null) {
                    float[][] picked = new float[shown.length][];
                    for (int i = 0; i < shown.length; i++) {
                        picked[i] = rows[shown[i]];
                    }
                    x = manager.create(Pca.flatten(picked, "embeddings"),
                            new Shape(shown.length, picked[0].length));
                } else {
                    if (shown.length == n) {
                        x = array;
                    } else {
                        x = array.get(manager.create(Arrays.stream(shown).asLongStream().toArray()));
                        x.attach(manager); // the gathered rows would otherwise join the caller's manager
                    }
                }
                long d = x.getShape().get(1);
                if (d < 2) {
                    throw new IllegalArgumentException(
                            "A 2-D map needs embeddings of at least 2 dimensions, but they have " + d + ".");
                }
                pca = Pca.fit(x, 2);
                NDArray coordinates = pca.project(x);
                coordinates.attach(manager);
                float[] flat = coordinates.toFloatArray();
                projected = new float[shown.length][];
                for (int i = 0; i < shown.length; i++) {
                    projected[i] = new float[] {flat[2 * i], flat[2 * i + 1]};
                }
            }
            int[] shownLabels = new int[shown.length];
            for (int i = 0; i < shown.length; i++) {
                shownLabels[i] = labels[shown[i]];
            }
            return new EmbeddingMap(this, pca, shown, projected, shownLabels, topLabels(shownLabels, maxLabels));
        }

        /** All indices, or a uniform sample of maxPoints of them (partial Fisher-Yates), sorted. */
        static int[] sample(int n, int maxPoints, long seed) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            if (n <= maxPoints) {
                return all;
            }
            Random random = new Random(seed);
            for (int i = 0; i < maxPoints; i++) {
                int j = i + random.nextInt(n - i);
                int t = all[i];
                all[i] = all[j];
                all[j] = t;
            }
            int[] picked = Arrays.copyOf(all, maxPoints);
            Arrays.sort(picked);
            return picked;
        }

        /** The most frequent labels, smaller label first on ties, returned ascending. */
        static int[] topLabels(int[] labels, int maxLabels) {
            Map<Integer, Integer> counts = new HashMap<>();
            for (int label : labels) {
                counts.merge(label, 1, Integer::sum);
            }
            List<Map.Entry<Integer, Integer>> entries = new ArrayList<>(counts.entrySet());
            entries.sort(Comparator.<Map.Entry<Integer, Integer>>comparingInt(Map.Entry::getValue).reversed()
                    .thenComparingInt(Map.Entry::getKey));
            int[] top = entries.stream().limit(maxLabels).mapToInt(Map.Entry::getKey).toArray();
            Arrays.sort(top);
            return top;
        }
    }
}
