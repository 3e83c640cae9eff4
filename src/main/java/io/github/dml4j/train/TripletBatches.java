package io.github.dml4j.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.TripletDataset;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Batches of explicit (anchor, positive, negative) triplets for a triplet network, from a
 * {@link TripletDataset}: every epoch visits the dataset's triplets in a new order, a seeded
 * permutation, cut into {@code size / batchSize} whole batches.
 *
 * <p>The inputs are three normalized (B, C, H, W) tensors (anchors, positives, negatives); the
 * label is a (B, 3) int64 matrix of the three images' classes. A batch counts 3B images. Build
 * the dataset with the embedding network's pixel normalization.
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
    public int batchSize() {
        return batchSize;
    }

    @Override
    public int batchesPerEpoch() {
        return (int) (dataset.size() / batchSize);
    }

    @Override
    public Iterator<long[]> batches(int epoch) {
        int n = (int) dataset.size();
        Random random = new Random(seed * 1_000_003L + epoch);
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int total = batchesPerEpoch();
        return new Iterator<>() {
            private int produced;

            @Override
            public boolean hasNext() {
                return produced < total;
            }

            @Override
            public long[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("Epoch " + epoch + " has only " + total + " batches.");
                }
                long[] batch = new long[batchSize];
                System.arraycopy(order, produced * batchSize, batch, 0, batchSize);
                produced++;
                return batch;
            }
        };
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
}
