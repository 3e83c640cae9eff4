package io.github.dml4j.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.provenance.SamplingSettings;

import java.util.Iterator;
import java.util.List;

/**
 * Class batches that also carry attribute labels, for a multi-task head
 * ({@code MetricHead.Builder.optAttributeHead}): every batch of the wrapped source (usually
 * {@link ClassBatches}) gets, after its (B) class labels, a (B, A) int32 matrix of its images'
 * attribute labels, {@link AttributeTable#MISSING} where unknown. Sampling, loading and
 * augmentation are the wrapped source's.
 *
 * <pre>{@code
 * AttributeBatches batches = AttributeBatches.builder()
 *         .setBatches(ClassBatches.builder().setImages(train.images()).setNormalization(norm).build())
 *         .setAttributes(trainLabels)          // aligned with the same images
 *         .build();
 * }</pre>
 */
public final class AttributeBatches implements BatchSource {

    private final BatchSource batches;
    private final AttributeLabels labels;
    private final int[][] columns;

    private AttributeBatches(BatchSource batches, AttributeLabels labels) {
        this.batches = batches;
        this.labels = labels;
        this.columns = new int[labels.attributes().size()][];
        for (int a = 0; a < columns.length; a++) {
            columns[a] = labels.labels(a);
        }
    }

    /** A builder; the batches and the attribute labels are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The wrapped batches. */
    public BatchSource batches() {
        return batches;
    }

    /** The attribute labels, aligned with the images. */
    public AttributeLabels attributeLabels() {
        return labels;
    }

    @Override
    public List<AttributeTable.Attribute> attributes() {
        return labels.attributes();
    }

    @Override
    public BatchLayout layout() {
        return BatchLayout.CLASSES;
    }

    @Override
    public int batchSize() {
        return batches.batchSize();
    }

    @Override
    public int batchesPerEpoch() {
        return batches.batchesPerEpoch();
    }

    @Override
    public Iterator<long[]> batches(int epoch) {
        return batches.batches(epoch);
    }

    @Override
    public TrainingBatch load(NDManager manager, long[] indices) {
        return withAttributes(manager, indices, batches.load(manager, indices));
    }

    @Override
    public TrainingBatch load(NDManager manager, long[] indices, long batchKey) {
        return withAttributes(manager, indices, batches.load(manager, indices, batchKey));
    }

    /** Appends the (B, A) label matrix of the batch's images, gathered as the class labels are. */
    private TrainingBatch withAttributes(NDManager manager, long[] indices, TrainingBatch batch) {
        int a = columns.length;
        int[] matrix = new int[indices.length * a];
        for (int i = 0; i < indices.length; i++) {
            int image = Math.toIntExact(indices[i]);
            for (int c = 0; c < a; c++) {
                matrix[i * a + c] = columns[c][image];
            }
        }
        NDList out = new NDList(batch.labels());
        out.add(manager.create(matrix, new Shape(indices.length, a)));
        return new TrainingBatch(batch.data(), out, batch.images());
    }

    @Override
    public long[] imageIndices(long[] batch) {
        return batches.imageIndices(batch);
    }

    @Override
    public Shape[] inputShapes() {
        return batches.inputShapes();
    }

    @Override
    public PixelNormalization normalization() {
        return batches.normalization();
    }

    @Override
    public ImageSource images() {
        return batches.images();
    }

    @Override
    public SamplingSettings sampling() {
        return batches.sampling();
    }

    @Override
    public String toString() {
        return "AttributeBatches{" + batches + ", " + labels.attributes().stream()
                .map(AttributeTable.Attribute::name).toList() + '}';
    }

    /** Builder for {@link AttributeBatches}. */
    public static final class Builder {
        private BatchSource batches;
        private AttributeLabels labels;

        private Builder() {}

        /** Sets the class batches to add attribute labels to, e.g. {@link ClassBatches} (required). */
        public Builder setBatches(BatchSource batches) {
            this.batches = batches;
            return this;
        }

        /**
         * Sets the attribute labels of the batches' images, label {@code i} for image {@code i} of
         * {@code batches.images()} (required).
         */
        public Builder setAttributes(AttributeLabels labels) {
            this.labels = labels;
            return this;
        }

        /**
         * Validates and builds the batches.
         *
         * @throws IllegalArgumentException naming the missing setting, batches that are not of
         *     single images ({@link BatchLayout#CLASSES}), labels of another number of images, or
         *     labels without attributes
         */
        public AttributeBatches build() {
            if (batches == null) {
                throw new IllegalArgumentException("AttributeBatches needs class batches: call setBatches(...), e.g."
                        + " with ClassBatches.");
            }
            if (labels == null) {
                throw new IllegalArgumentException("AttributeBatches needs the images' attribute labels: call"
                        + " setAttributes(...).");
            }
            if (batches.layout() != BatchLayout.CLASSES) {
                throw new IllegalArgumentException("AttributeBatches labels single images, but the batches hold "
                        + batches.layout().name().toLowerCase(java.util.Locale.ROOT) + " ("
                        + batches.layout().description() + "): give class batches (ClassBatches).");
            }
            if (!batches.attributes().isEmpty()) {
                throw new IllegalArgumentException("The batches carry attribute labels already: give the plain class"
                        + " batches.");
            }
            if (labels.attributes().isEmpty()) {
                throw new IllegalArgumentException("AttributeBatches got labels of no attribute.");
            }
            if (labels.size() != batches.images().size()) {
                throw new IllegalArgumentException("The attribute labels cover " + labels.size() + " images, but the"
                        + " batches draw from " + batches.images().size() + ": give the labels of the same images, in"
                        + " their order (AttributeLabels.select).");
            }
            return new AttributeBatches(batches, labels);
        }
    }
}
