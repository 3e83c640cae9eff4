package io.github.dml4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.TripletMarginMiner;
import io.github.dml4j.train.ClassBatches;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

/**
 * Shared pieces of the training tests: a small network for {@link SyntheticImages}, the classic
 * triplet head, class batches, Precision@1 and the embeddings of its images, and a count of
 * parameter-manager arrays per step.
 */
public final class TrainingFixtures {

    private TrainingFixtures() {}

    /** A small ConvNet with a 32-d embedding for 1x28x28 images, embeddings not normalized. */
    public static EmbeddingNet newNet() {
        return newNet(false);
    }

    /** A small ConvNet with a 32-d embedding for 1x28x28 images. */
    public static EmbeddingNet newNet(boolean normalize) {
        return EmbeddingNet.builder().setBackbone(new ConvNet(new int[] {16, 32}, 32)).setInputShape(1, 28, 28)
                .optNormalize(normalize)
                .optPixelNormalization(new PixelNormalization(new float[] {0.2f}, new float[] {0.3f})).build();
    }

    /**
     * The classic triplet network's head: a triplet margin loss at margin 0.2 with a semi-hard
     * triplet miner at the same margin (what the former {@code TripletHead} defaulted to).
     */
    public static MetricHead tripletHead(EmbeddingNet net) {
        return MetricHead.builder().setEmbeddingNet(net)
                .setLoss(TripletMarginLoss.builder().optMargin(0.2f).build())
                .optMiner(TripletMarginMiner.builder().optMargin(0.2f).optType(TripletMarginMiner.Type.SEMIHARD).build())
                .build();
    }

    /** P x K class batches of {@code images} for {@code net}: m images per class, seeded. */
    public static ClassBatches classBatches(LabeledImages images, EmbeddingNet net, int batchSize, int m, long seed) {
        return ClassBatches.builder().setImages(images).setNormalization(net.getPixelNormalization())
                .optBatchSize(batchSize).optM(m).optSeed(seed).build();
    }

    /** Precision@1 of the network's embeddings, every image a query against the others. */
    public static double precisionAt1(EmbeddingNet net, LabeledImages images) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return RetrievalMetrics.builder().build().compute(embeddings(manager, net, images), images.labels()).precisionAt1();
        }
    }

    /** The embeddings of all images as floats. */
    public static float[] embed(EmbeddingNet net, LabeledImages images) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return embeddings(manager, net, images).toFloatArray();
        }
    }

    private static NDArray embeddings(NDManager manager, EmbeddingNet net, LabeledImages images) {
        NDArray x = images.toNDArray(manager, LongStream.range(0, images.size()).toArray(), net.getPixelNormalization());
        return net.forward(new ParameterStore(manager, false), new NDList(x), false).head();
    }

    /** Records, after each training batch, how many arrays a manager (the parameters') holds. */
    public static final class ManagerCount extends TrainingListenerAdapter {
        private final NDManager manager;
        /** The count after each batch, in order. */
        public final List<Integer> counts = new ArrayList<>();

        /** @param manager the manager whose arrays are counted */
        public ManagerCount(NDManager manager) {
            this.manager = manager;
        }

        @Override
        public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            counts.add(manager.getManagedArrays().size());
        }
    }
}
