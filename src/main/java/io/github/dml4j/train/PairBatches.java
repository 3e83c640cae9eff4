package io.github.dml4j.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.sampler.BalancedPairSampler;

import java.util.Iterator;

/**
 * Batches of explicit image pairs for a Siamese network: the records are pairs of a
 * {@link PairDataset}, drawn per epoch by a {@link BalancedPairSampler}.
 *
 * <p>The inputs are two normalized (B, C, H, W) tensors, the first and the second image of each
 * pair; the label is a (B) int64 vector, 1 where both images show the same class and 0
 * otherwise. Layout {@link BatchLayout#PAIRS}. A batch counts 2B images. Build the dataset with
 * the embedding network's pixel normalization.
 */
public final class PairBatches implements BatchSource {

    private final PairDataset dataset;
    private final BalancedPairSampler sampler;

    /**
     * @param dataset the pairs' images and normalization
     * @param sampler a sampler built on {@code dataset.images().labels()}
     * @throws IllegalArgumentException if the sampler was built for another number of images
     */
    public PairBatches(PairDataset dataset, BalancedPairSampler sampler) {
        if (sampler.imageCount() != dataset.images().size()) {
            throw new IllegalArgumentException("The BalancedPairSampler was built for " + sampler.imageCount()
                    + " images but the PairDataset holds " + dataset.images().size() + ".");
        }
        this.dataset = dataset;
        this.sampler = sampler;
    }

    /** The pairs' dataset. */
    public PairDataset dataset() {
        return dataset;
    }

    /** The sampler. */
    public BalancedPairSampler sampler() {
        return sampler;
    }

    @Override
    public BatchLayout layout() {
        return BatchLayout.PAIRS;
    }

    @Override
    public int batchSize() {
        return sampler.getBatchSize();
    }

    @Override
    public int batchesPerEpoch() {
        return sampler.batchesPerEpoch();
    }

    @Override
    public Iterator<long[]> batches(int epoch) {
        return sampler.batches(epoch);
    }

    /** The first images of the pairs, then the second, as {@link #load} reads them. */
    @Override
    public long[] imageIndices(long[] batch) {
        long[] images = new long[2 * batch.length];
        for (int i = 0; i < batch.length; i++) {
            images[i] = dataset.first(batch[i]);
            images[batch.length + i] = dataset.second(batch[i]);
        }
        return images;
    }

    @Override
    public TrainingBatch load(NDManager manager, long[] indices) {
        PairDataset.TwoImages pairs = dataset.loadBatch(manager, indices);
        return new TrainingBatch(new NDList(pairs.first(), pairs.second()), new NDList(pairs.same()),
                2L * indices.length);
    }

    @Override
    public Shape[] inputShapes() {
        Shape one = new Shape(sampler.getBatchSize()).addAll(dataset.images().imageShape());
        return new Shape[] {one, one};
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
        return new SamplingSettings("BalancedPairSampler", sampler.getBatchSize(), sampler.batchesPerEpoch(), null, null,
                sampler.getPositiveShare(), sampler.getSeed());
    }

    @Override
    public String toString() {
        return "PairBatches{" + dataset.images() + ", " + sampler + '}';
    }
}
