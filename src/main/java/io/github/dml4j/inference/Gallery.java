package io.github.dml4j.inference;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.eval.IdentificationReport;
import io.github.dml4j.index.EmbeddingIndex;
import io.github.dml4j.index.ExactIndex;
import io.github.dml4j.index.Neighbors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A gallery of enrolled identities for 1:N identification: labelled embeddings in an
 * {@link EmbeddingIndex}, searched for a probe's closest identities.
 *
 * <p>An identity's score is the best score of the probe against any of its gallery images
 * (nearest-neighbour identification). {@link #identify(float[], int)} returns the k best
 * distinct identities; with a threshold (the model card's calibrated one, or set explicitly)
 * identification is open-set: a probe whose best score is below it is declared unknown. Without
 * one it is closed-set and no probe is unknown.
 *
 * <pre>{@code
 * try (Gallery gallery = Gallery.builder().setModel(model).setImages(enrolled, names).build()) {
 *     Identification who = gallery.identify(image, 5);
 *     System.out.println(who.unknown() ? "unknown" : who.identity());
 * }
 * }</pre>
 *
 * <p>Thread-safe for searches; {@link #close()} releases the index.
 */
public final class Gallery implements AutoCloseable {

    private final EmbeddingModel model;
    private final EmbeddingIndex index;
    private final int[] labels;
    private final Map<Integer, String> names;
    private final Double threshold;
    private final int maxImagesPerIdentity;
    private final boolean flipAverage;

    private Gallery(Builder b, EmbeddingIndex index) {
        this.model = b.model;
        this.index = index;
        this.labels = b.labels;
        this.names = b.names;
        this.threshold = b.threshold != null ? b.threshold : b.model != null ? b.model.card().threshold() : null;
        this.flipAverage = b.flipAverage;
        Map<Integer, Integer> counts = new HashMap<>();
        for (int label : labels) {
            counts.merge(label, 1, Integer::sum);
        }
        this.maxImagesPerIdentity = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** A builder for a gallery. */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of gallery images. */
    public int size() {
        return labels.length;
    }

    /** The number of distinct identities. */
    public int identities() {
        return names.size();
    }

    /** The open-set threshold, or null for closed-set identification. */
    public Double threshold() {
        return threshold;
    }

    /** Does the gallery hold images of this identity? */
    public boolean contains(int label) {
        return names.containsKey(label);
    }

    /**
     * Identifies one image with the gallery's model.
     *
     * @throws IllegalStateException if the gallery was built from embeddings without a model
     */
    public Identification identify(Image probe, int k) {
        if (model == null) {
            throw new IllegalStateException("This gallery was built from embeddings without a model: "
                    + "embed the probe yourself and call identify(float[], k).");
        }
        return identify(model.embed(Objects.requireNonNull(probe, "probe")), k);
    }

    /**
     * Identifies one probe embedding.
     *
     * @param k the number of distinct identities to return, 1 &le; k &le; {@link #identities()}
     */
    public Identification identify(float[] probe, int k) {
        return identifyAll(new float[][] {probe}, k).get(0);
    }

    /**
     * Identifies probe embeddings, one row each.
     *
     * @throws IllegalArgumentException if k is out of range or the dimension does not match
     */
    public List<Identification> identifyAll(float[][] probes, int k) {
        int searchK = searchK(k);
        return rank(index.search(probes, searchK), k);
    }

    /**
     * Identifies probe images with the gallery's model (flip-averaged if the gallery is).
     *
     * @throws IllegalStateException if the gallery has no model
     */
    public List<Identification> identifyAll(ImageSource probes, int k) {
        if (model == null) {
            throw new IllegalStateException("This gallery was built from embeddings without a model: embed the probes "
                    + "yourself.");
        }
        int searchK = searchK(k);
        try (NDManager m = model.model().getNDManager().newSubManager()) {
            return rank(index.search(model.embed(m, probes, flipAverage), searchK), k);
        }
    }

    /**
     * Measures identification of labelled probes: rank-1 and rank-k rates over probes whose
     * identity is enrolled, and, with a threshold, the detection and identification rate and the
     * open-set false accept rate over probes whose identity is not.
     */
    public IdentificationReport evaluate(float[][] probes, int[] probeLabels, int k) {
        if (probes.length != probeLabels.length) {
            throw new IllegalArgumentException("Got " + probes.length + " probes but " + probeLabels.length + " labels.");
        }
        return report(identifyAll(probes, k), probeLabels, k);
    }

    /** Measures identification of labelled probe images; see {@link #evaluate(float[][], int[], int)}. */
    public IdentificationReport evaluate(ImageSource probes, int k) {
        return report(identifyAll(probes, k), probes.labels(), k);
    }

    /** How many neighbours to search so that k distinct identities are among them. */
    private int searchK(int k) {
        int distinct = identities();
        if (k < 1 || k > distinct) {
            throw new IllegalArgumentException("k must be between 1 and the gallery's " + distinct
                    + " identities, got " + k + ".");
        }
        return (int) Math.min(size(), (long) k * maxImagesPerIdentity);
    }

    /** Turns each query's neighbours (best first) into its k best distinct identities. */
    private List<Identification> rank(Neighbors neighbors, int k) {
        List<Identification> out = new ArrayList<>(neighbors.queries());
        for (int q = 0; q < neighbors.queries(); q++) {
            // neighbours come best first, so the first hit of an identity is its best score
            Map<Integer, Double> best = new LinkedHashMap<>();
            for (int r = 0; r < neighbors.k() && best.size() < k; r++) {
                best.putIfAbsent(labels[(int) neighbors.id(q, r)], (double) neighbors.score(q, r));
            }
            List<Identification.Candidate> candidates = new ArrayList<>(best.size());
            best.forEach((label, score) -> candidates.add(new Identification.Candidate(label, names.get(label), score)));
            boolean unknown = threshold != null && candidates.get(0).score() < threshold;
            out.add(new Identification(candidates, threshold, unknown));
        }
        return out;
    }

    private IdentificationReport report(List<Identification> results, int[] probeLabels, int k) {
        int n = results.size();
        boolean[] mated = new boolean[n];
        int[][] ranked = new int[n][];
        double[] best = new double[n];
        for (int i = 0; i < n; i++) {
            mated[i] = contains(probeLabels[i]);
            ranked[i] = results.get(i).candidates().stream().mapToInt(Identification.Candidate::label).toArray();
            best[i] = results.get(i).best().score();
        }
        return IdentificationReport.of(probeLabels, mated, ranked, best, k, threshold == null ? Double.NaN : threshold);
    }

    /** Releases the index. */
    @Override
    public void close() {
        try {
            index.close();
        } catch (Exception e) {
            throw new IllegalStateException("Closing the gallery's index failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Gallery{" + size() + " images of " + identities() + " identities, threshold=" + threshold + '}';
    }

    /** Configures a {@link Gallery}: a model and images, or embeddings and a distance. */
    public static final class Builder {
        private EmbeddingModel model;
        private ImageSource images;
        private float[][] embeddings;
        private Distance distance;
        private int[] labels;
        private List<String> nameList;
        private Map<Integer, String> names;
        private Double threshold;
        private boolean flipAverage;
        private EmbeddingIndex index;

        Builder() {}

        /** The model that embeds gallery images and probes; it gives the distance and the threshold. */
        public Builder setModel(EmbeddingModel model) {
            this.model = model;
            return this;
        }

        /**
         * The gallery images; their labels are the identities.
         *
         * @param names the name of each label ({@code names.get(label)}), or null to use the labels
         */
        public Builder setImages(ImageSource images, List<String> names) {
            this.images = images;
            this.nameList = names;
            return this;
        }

        /** Precomputed gallery embeddings, one row per image, instead of a model and images. */
        public Builder setEmbeddings(float[][] embeddings, int[] labels, List<String> names, Distance distance) {
            this.embeddings = embeddings;
            this.labels = labels == null ? null : labels.clone();
            this.nameList = names;
            this.distance = distance;
            return this;
        }

        /** An open-set threshold on the score scale, overriding the model card's. */
        public Builder optThreshold(double threshold) {
            if (!Double.isFinite(threshold)) {
                throw new IllegalArgumentException("The threshold must be finite, got " + threshold + ".");
            }
            this.threshold = threshold;
            return this;
        }

        /** Averages each image's embedding with its mirror image's, gallery and probes alike. */
        public Builder optFlipAverage(boolean flipAverage) {
            this.flipAverage = flipAverage;
            return this;
        }

        /**
         * An empty index to fill, for example an {@code HnswIndex} for millions of images; by
         * default an {@link ExactIndex} on the model's distance. The gallery closes it.
         */
        public Builder optIndex(EmbeddingIndex index) {
            this.index = index;
            return this;
        }

        /**
         * Embeds the gallery and fills the index.
         *
         * @throws IllegalArgumentException if neither a model with images nor embeddings with a
         *     distance were given, the gallery is empty, or a label has no name
         */
        public Gallery build() {
            if (model != null && images != null) {
                if (embeddings != null) {
                    throw new IllegalArgumentException("Give a model with images, or embeddings, not both.");
                }
                if (images.size() == 0) {
                    throw new IllegalArgumentException("The gallery has no images.");
                }
                labels = images.labels();
                distance = model.distance();
            } else if (embeddings != null) {
                if (model != null || images != null) {
                    throw new IllegalArgumentException("Give a model with images, or embeddings, not both.");
                }
                Objects.requireNonNull(distance, "The distance of the gallery embeddings must not be null.");
                if (labels == null || labels.length != embeddings.length) {
                    throw new IllegalArgumentException("Got " + embeddings.length + " gallery embeddings but "
                            + (labels == null ? "no" : String.valueOf(labels.length)) + " labels.");
                }
                if (embeddings.length == 0) {
                    throw new IllegalArgumentException("The gallery has no images.");
                }
                if (flipAverage) {
                    throw new IllegalArgumentException("Flip averaging needs a model; embeddings are used as given.");
                }
            } else {
                throw new IllegalArgumentException("A gallery needs a model and images (setModel, setImages), "
                        + "or embeddings with labels and a distance (setEmbeddings).");
            }
            names = new HashMap<>();
            for (int i = 0; i < labels.length; i++) {
                int label = labels[i];
                if (nameList != null && label >= nameList.size()) {
                    throw new IllegalArgumentException("Gallery image " + i + " has label " + label
                            + " but there are only " + nameList.size() + " identity names.");
                }
                names.putIfAbsent(label, nameList == null ? String.valueOf(label) : nameList.get(label));
            }
            if (index != null && (index.size() != 0 || !index.getDistance().name().equals(distance.name()))) {
                throw new IllegalArgumentException("The gallery's index must be empty and use the distance "
                        + distance.name() + ", so its scores match the threshold; it holds " + index.size()
                        + " entries and uses " + index.getDistance().name() + ".");
            }
            EmbeddingIndex target = index != null ? index : ExactIndex.builder().setDistance(distance).build();
            long[] ids = new long[labels.length];
            Arrays.setAll(ids, i -> i);
            try {
                if (embeddings != null) {
                    target.add(embeddings, ids);
                } else {
                    try (NDManager m = model.model().getNDManager().newSubManager()) {
                        target.add(model.embed(m, images, flipAverage), ids);
                    }
                }
            } catch (RuntimeException e) {
                try {
                    target.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            return new Gallery(this, target);
        }
    }
}
