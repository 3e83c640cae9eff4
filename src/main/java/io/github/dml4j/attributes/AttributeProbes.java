package io.github.dml4j.attributes;

import ai.djl.ndarray.NDArray;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes of every attribute of a table on frozen embeddings: {@link #crossValidate} measures how
 * well each attribute can be read off the embeddings, with folds split by identity (no identity's
 * images on both sides, so a probe cannot recognise the person instead of the attribute), and
 * {@link #fit} trains one probe per attribute on all labelled images for use on new ones.
 *
 * <p>Images with a missing label are left out of that attribute's fit and scores; an attribute
 * whose labelled images show a single class is skipped and named in the report.
 *
 * <pre>{@code
 * AttributeProbes probes = AttributeProbes.builder().optFolds(5).optSeed(0).build();
 * AttributeReport report = probes.crossValidate(embeddings, identityLabels, attributeLabels);
 * System.out.println(report.toTable());
 * AttributeClassifier classifier = probes.fit(embeddings, attributeLabels);
 * }</pre>
 */
public final class AttributeProbes {

    private static final Logger logger = LoggerFactory.getLogger(AttributeProbes.class);

    private final AttributeProbe probe;
    private final int folds;
    private final long seed;

    private AttributeProbes(Builder b) {
        probe = b.probe;
        folds = b.folds;
        seed = b.seed;
    }

    /** A builder; defaults: {@link AttributeProbe}'s defaults, 5 folds, seed 0. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Each attribute's out-of-fold metrics: identities are dealt at random (from the seed) into
     * the folds; every fold's images are predicted by a probe fitted on the other folds' images.
     *
     * @param embeddings one row per image
     * @param identities each image's identity (any int)
     * @param labels each image's attribute labels
     * @return the report
     * @throws IllegalArgumentException if the sizes disagree or there are fewer identities than folds
     */
    public AttributeReport crossValidate(float[][] embeddings, int[] identities, AttributeLabels labels) {
        Objects.requireNonNull(embeddings, "embeddings");
        Objects.requireNonNull(identities, "identities");
        Objects.requireNonNull(labels, "labels");
        int n = embeddings.length;
        if (identities.length != n || labels.size() != n) {
            throw new IllegalArgumentException("Got " + n + " embeddings, " + identities.length + " identities and "
                    + labels.size() + " labelled images; they must be as many.");
        }
        int[] foldOf = identityFolds(identities, folds, seed);
        List<AttributeScores> scores = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (int a = 0; a < labels.attributes().size(); a++) {
            AttributeTable.Attribute attribute = labels.attributes().get(a);
            int[] y = labels.labels(a);
            int[] rows = IntStream.range(0, n).filter(i -> y[i] != AttributeTable.MISSING).toArray();
            String single = singleClass(attribute, y, rows);
            if (single != null) {
                skipped.put(attribute.name(), single);
                logger.warn("Attribute '{}' skipped: {}", attribute.name(), single);
                continue;
            }
            float[][] p = new float[n][];
            for (int f = 0; f < folds; f++) {
                int fold = f;
                int[] train = IntStream.of(rows).filter(i -> foldOf[i] != fold).toArray();
                int[] test = IntStream.of(rows).filter(i -> foldOf[i] == fold).toArray();
                if (test.length == 0) {
                    continue;
                }
                float[][] predicted;
                if (IntStream.of(train).map(i -> y[i]).distinct().count() < 2) {
                    // the other folds show one class: predict it with certainty
                    int only = train.length == 0 ? 0 : y[train[0]];
                    predicted = new float[test.length][attribute.numClasses()];
                    for (float[] row : predicted) {
                        row[only] = 1;
                    }
                } else {
                    Probe fitted = probe.fit(select(embeddings, train), select(y, train), attribute.numClasses());
                    predicted = fitted.predictProba(select(embeddings, test));
                }
                for (int k = 0; k < test.length; k++) {
                    p[test[k]] = predicted[k];
                }
            }
            float[][] held = new float[rows.length][];
            int[] truth = new int[rows.length];
            int[] decided = new int[rows.length];
            for (int k = 0; k < rows.length; k++) {
                held[k] = p[rows[k]];
                truth[k] = y[rows[k]];
                decided[k] = AttributeClassifier.decide(attribute, 0.5, held[k]);
            }
            scores.add(score(attribute, truth, held, decided));
        }
        return new AttributeReport(scores, folds, skipped);
    }

    /**
     * {@link #crossValidate(float[][], int[], AttributeLabels)} of (N, D) embeddings on the engine,
     * as {@code EmbeddingModel.embed(manager, images)} returns them.
     *
     * @param embeddings (N, D) embeddings
     * @param identities each image's identity
     * @param labels each image's attribute labels
     * @return the report
     */
    public AttributeReport crossValidate(NDArray embeddings, int[] identities, AttributeLabels labels) {
        return crossValidate(rows(embeddings), identities, labels);
    }

    /**
     * {@link #fit(float[][], AttributeLabels)} of (N, D) embeddings on the engine.
     *
     * @param embeddings (N, D) embeddings
     * @param labels each image's attribute labels
     * @return the classifier
     */
    public AttributeClassifier fit(NDArray embeddings, AttributeLabels labels) {
        return fit(rows(embeddings), labels);
    }

    private static float[][] rows(NDArray embeddings) {
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException("Embeddings must be (N, D), got " + embeddings.getShape() + ".");
        }
        int n = (int) embeddings.getShape().get(0);
        int d = (int) embeddings.getShape().get(1);
        float[] flat = embeddings.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[][] rows = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, rows[i], 0, d);
        }
        return rows;
    }

    /**
     * Fits one probe per attribute on all images labelled with it.
     *
     * @param embeddings one row per image
     * @param labels each image's attribute labels
     * @return the classifier (thresholds 0.5), without the attributes showing a single class
     * @throws IllegalArgumentException if the sizes disagree or no attribute shows two classes
     */
    public AttributeClassifier fit(float[][] embeddings, AttributeLabels labels) {
        if (labels.size() != embeddings.length) {
            throw new IllegalArgumentException("Got " + embeddings.length + " embeddings for " + labels.size()
                    + " labelled images.");
        }
        List<AttributeTable.Attribute> kept = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        for (int a = 0; a < labels.attributes().size(); a++) {
            AttributeTable.Attribute attribute = labels.attributes().get(a);
            int[] y = labels.labels(a);
            int[] rows = IntStream.range(0, y.length).filter(i -> y[i] != AttributeTable.MISSING).toArray();
            String single = singleClass(attribute, y, rows);
            if (single != null) {
                logger.warn("Attribute '{}' skipped: {}", attribute.name(), single);
                continue;
            }
            kept.add(attribute);
            probes.add(probe.fit(select(embeddings, rows), select(y, rows), attribute.numClasses()));
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("No attribute shows two classes among the labelled images.");
        }
        double[] thresholds = new double[kept.size()];
        Arrays.fill(thresholds, 0.5);
        return new AttributeClassifier(kept, probes, thresholds);
    }

    /** The scores of one attribute from its truth, probabilities and decisions. */
    static AttributeScores score(AttributeTable.Attribute attribute, int[] truth, float[][] p, int[] decided) {
        int k = attribute.numClasses();
        double auc = Double.NaN;
        double f1 = Double.NaN;
        if (attribute.kind() == AttributeTable.Kind.BINARY) {
            boolean[] positive = new boolean[truth.length];
            double[] score = new double[truth.length];
            for (int i = 0; i < truth.length; i++) {
                positive[i] = truth[i] == 1;
                score[i] = p[i][1];
            }
            auc = AttributeMetrics.rocAuc(positive, score);
        } else {
            f1 = AttributeMetrics.macroF1(truth, decided, k);
        }
        return new AttributeScores(attribute.name(), attribute.kind(), truth.length,
                AttributeMetrics.accuracy(truth, decided), AttributeMetrics.balancedAccuracy(truth, decided, k), auc, f1);
    }

    /**
     * Deals identities into folds at random: each identity's images share a fold.
     *
     * @param identities each image's identity
     * @param folds number of folds
     * @param seed the seed
     * @return each image's fold, 0..folds-1
     * @throws IllegalArgumentException if there are fewer identities than folds
     */
    public static int[] identityFolds(int[] identities, int folds, long seed) {
        int[] distinct = new TreeSet<>(Arrays.stream(identities).boxed().toList()).stream().mapToInt(Integer::intValue)
                .toArray();
        if (distinct.length < folds) {
            throw new IllegalArgumentException("Folds split by identity need at least as many identities as folds ("
                    + folds + "), got " + distinct.length + ".");
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = distinct.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = distinct[i];
            distinct[i] = distinct[j];
            distinct[j] = t;
        }
        Map<Integer, Integer> foldOf = new java.util.HashMap<>();
        for (int i = 0; i < distinct.length; i++) {
            foldOf.put(distinct[i], i % folds);
        }
        return Arrays.stream(identities).map(foldOf::get).toArray();
    }

    private static String singleClass(AttributeTable.Attribute attribute, int[] y, int[] rows) {
        long classes = IntStream.of(rows).map(i -> y[i]).distinct().count();
        if (classes >= 2) {
            return null;
        }
        return rows.length == 0 ? "no image is labelled"
                : "all " + rows.length + " labelled images show '" + attribute.categories().get(y[rows[0]]) + "'";
    }

    private static float[][] select(float[][] x, int[] rows) {
        float[][] out = new float[rows.length][];
        for (int k = 0; k < rows.length; k++) {
            out[k] = x[rows[k]];
        }
        return out;
    }

    private static int[] select(int[] y, int[] rows) {
        int[] out = new int[rows.length];
        for (int k = 0; k < rows.length; k++) {
            out[k] = y[rows[k]];
        }
        return out;
    }

    /** The probe trainer. */
    public AttributeProbe getProbe() {
        return probe;
    }

    /** Number of folds. */
    public int getFolds() {
        return folds;
    }

    @Override
    public String toString() {
        return "AttributeProbes{" + probe + ", " + folds + " identity folds, seed " + seed + "}";
    }

    /** Configures {@link AttributeProbes}; every setting is optional. */
    public static final class Builder {

        private AttributeProbe probe = AttributeProbe.builder().build();
        private int folds = 5;
        private long seed;

        private Builder() {}

        /**
         * The probe trainer (default: {@code AttributeProbe.builder().build()}, a linear probe).
         *
         * @param probe the trainer
         * @return this builder
         */
        public Builder optProbe(AttributeProbe probe) {
            this.probe = probe;
            return this;
        }

        /**
         * Folds of the cross-validation, split by identity (default 5).
         *
         * @param folds 2 or more
         * @return this builder
         */
        public Builder optFolds(int folds) {
            this.folds = folds;
            return this;
        }

        /**
         * Seed of the identities' deal into folds (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @return the probes
         * @throws IllegalArgumentException naming the bad setting
         */
        public AttributeProbes build() {
            Objects.requireNonNull(probe, "The probe (optProbe) must not be null.");
            if (folds < 2) {
                throw new IllegalArgumentException("The folds (optFolds) must be 2 or more, got " + folds + ".");
            }
            return new AttributeProbes(this);
        }
    }
}
