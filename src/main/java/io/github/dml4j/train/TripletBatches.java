package io.github.dml4j.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.data.TripletDataset;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.sampler.EpochBatches;

import java.util.Iterator;

/**
 * Batches of explicit (anchor, positive, negative) triplets for a triplet network, from a
 * {@link TripletDataset}: every epoch visits the dataset's triplets in a new order, a seeded
 * permutation, cut into {@code size / batchSize} whole batches.
 *
 * <p>The inputs are three normalized (B, C, H, W) tensors (anchors, positives, negatives); the
 * label is a (B, 3) int64 matrix of the three images' classes. Layout
 * {@link BatchLayout#TRIPLETS}. A batch counts 3B images. Build the dataset with the embedding
 * network's pixel normalization.
 */
public final class TripletBatches implements BatchSource {

    private final TripletDataset dataset;
    private final int batchSize;
    private final long seed;

    /**
     * @param dataset the triplets
     * @param batchSize triplets per batch, at least 1 and at most the dataset's size
     * @param seed the seed of the per-epoch order
     */
    public TripletBatches(TripletDataset dataset, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("TripletBatches' batch size must be at least 1, got " + batchSize + ".");
        }
        if (batchSize > dataset.size()) {
            throw new IllegalArgumentException("TripletBatches' batch size " + batchSize + " is larger than the "
                    + dataset.size() + " triplets of the dataset.");
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** The triplets' dataset. */
    public TripletDataset dataset() {
        return dataset;
    }

    @Override
    public BatchLayout layout() {
        return BatchLayout.TRIPLETS;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public int batchesPerEpoch() {
        return (int) (dataset.size() / batchSize);
    }

    @Override
    public Iterator<long[]> batches(int epoch) {
        int[] order = EpochBatches.permutation((int) dataset.size(), EpochBatches.random(seed, epoch));
        return EpochBatches.iterator(epoch, batchesPerEpoch(), b -> {
            long[] batch = new long[batchSize];
            for (int k = 0; k < batchSize; k++) {
                batch[k] = order[b * batchSize + k];
            }
            return batch;
        });
    }

    /** The anchors, then the positives, then the negatives of the triplets, as {@link #load} reads them. */
    @Override
    public long[] imageIndices(long[] batch) {
        int b = batch.length;
        long[] images = new long[3 * b];
        for (int i = 0; i < b; i++) {
            images[i] = dataset.anchor(batch[i]);
            images[b + i] = dataset.positive(batch[i]);
            images[2 * b + i] = dataset.negative(batch[i]);
        }
        return images;
    }

    @Override
    public TrainingBatch load(NDManager manager, long[] indices) {
        TripletDataset.ThreeImages t = dataset.loadBatch(manager, indices);
        return new TrainingBatch(new NDList(t.anchor(), t.positive(), t.negative()), new NDList(t.labels()),
                3L * indices.length);
    }

    @Override
    public Shape[] inputShapes() {
        Shape one = new Shape(batchSize).addAll(dataset.images().imageShape());
        return new Shape[] {one, one, one};
    }

    @Override
    public PixelNormalization normalization() {
        return dataset.normalization();
    }

    @Override
    public ImageSource images() {
        return dataset.images();
    }

    @Override
    public SamplingSettings sampling() {
        return new SamplingSettings("TripletDataset", batchSize, batchesPerEpoch(), null, null, null, seed);
    }

    @Override
    public String toString() {
        return "TripletBatches{" + dataset.size() + " triplets of " + dataset.images() + ", batchSize=" + batchSize
                + ", seed=" + seed + '}';
    }
}
