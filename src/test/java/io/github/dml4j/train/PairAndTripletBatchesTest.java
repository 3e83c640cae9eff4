package io.github.dml4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.TripletDataset;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.provenance.SamplingSettings;
import io.github.dml4j.sampler.BalancedPairSampler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PairAndTripletBatchesTest {

    private static final LabeledImages IMAGES = SyntheticImages.generate(4, 6, 3);

    private static BalancedPairSampler sampler(int[] labels) {
        return BalancedPairSampler.builder().setLabels(labels).setBatchSize(8).optPositiveShare(0.25).optSeed(2).build();
    }

    @Test
    void pairBatchesAreTwoImageTensorsAndTheSameLabel() {
        BalancedPairSampler sampler = sampler(IMAGES.labels());
        PairDataset pairs = PairDataset.builder().setImages(IMAGES).setSampling(sampler).build();
        PairBatches source = new PairBatches(pairs, sampler);
        assertEquals(8, source.batchSize());
        assertEquals(3, source.batchesPerEpoch());
        assertEquals(BatchLayout.PAIRS, source.layout());
        assertEquals(IMAGES, source.images());
        assertEquals(pairs.normalization(), source.normalization());
        assertEquals(new SamplingSettings("BalancedPairSampler", 8, 3, null, null, 0.25, 2), source.sampling());
        assertArrayEquals(new Shape[] {new Shape(8, 1, 28, 28), new Shape(8, 1, 28, 28)}, source.inputShapes());
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] indices = source.batches(0).next();
            TrainingBatch batch = source.load(manager, indices);
            assertEquals(16, batch.images());
            assertEquals(2, batch.data().size());
            assertEquals(new Shape(8, 1, 28, 28), batch.data().get(1).getShape());
            assertEquals(DataType.INT64, batch.labels().head().getDataType());
            assertEquals(new Shape(8), batch.labels().head().getShape());
            assertEquals(2L, batch.labels().head().sum().getLong(), "round(0.25 * 8) positive pairs");
            for (int i = 0; i < 8; i++) {
                assertEquals(pairs.isSame(indices[i]) ? 1L : 0L, batch.labels().head().getLong(i));
            }
        }
    }

    @Test
    void aSamplerOfOtherImagesIsRejected() {
        BalancedPairSampler other = sampler(new int[] {0, 0, 1, 1, 2, 2, 3, 3});
        PairDataset pairs = PairDataset.builder().setImages(IMAGES).setSampling(sampler(IMAGES.labels())).build();
        assertEquals("The BalancedPairSampler was built for 8 images but the PairDataset holds 24.",
                assertThrows(IllegalArgumentException.class, () -> new PairBatches(pairs, other)).getMessage());
    }

    @Test
    void theTrainerChecksBothInputsAgainstTheNetwork() {
        LabeledImages small = LabeledImages.of(new byte[8 * 3 * 8 * 8], new int[] {0, 0, 1, 1, 2, 2, 3, 3}, 3, 8, 8);
        BalancedPairSampler sampler = sampler(small.labels());
        PairDataset pairs = PairDataset.builder().setImages(small).setSampling(sampler).build();
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(ConvNet.small(8)).setInputShape(1, 28, 28).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(ContrastiveLoss.builder().build()).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optListeners().build();
        assertEquals("The network expects images of shape (1, 28, 28) but the batches hold inputs of shape (8, 3, 8, 8).",
                assertThrows(IllegalArgumentException.class, () -> trainer.fit(new PairBatches(pairs, sampler))).getMessage());
    }

    @Test
    void tripletBatchesVisitEveryTripletOncePerEpochInASeededOrder() {
        TripletDataset triplets = TripletDataset.builder().setImages(IMAGES).optSize(20).setSampling(5, true).build();
        TripletBatches source = new TripletBatches(triplets, 6, 9);
        assertEquals(3, source.batchesPerEpoch(), "whole batches only");
        assertEquals(BatchLayout.TRIPLETS, source.layout());
        assertEquals(new SamplingSettings("TripletDataset", 6, 3, null, null, null, 9), source.sampling());
        assertArrayEquals(new Shape[] {new Shape(6, 1, 28, 28), new Shape(6, 1, 28, 28), new Shape(6, 1, 28, 28)},
                source.inputShapes());
        List<Long> epoch0 = flatten(source.batches(0));
        assertEquals(18, epoch0.size());
        assertEquals(18, epoch0.stream().distinct().count());
        assertEquals(epoch0, flatten(new TripletBatches(triplets, 6, 9).batches(0)));
        assertNotEquals(epoch0, flatten(source.batches(1)));
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainingBatch batch = source.load(manager, new long[] {4, 7});
            assertEquals(6, batch.images());
            assertEquals(3, batch.data().size());
            assertEquals(new Shape(2, 3), batch.labels().head().getShape());
            assertArrayEquals(new long[] {IMAGES.label(triplets.anchor(7)), IMAGES.label(triplets.positive(7)),
                    IMAGES.label(triplets.negative(7))}, batch.labels().head().get(1).toLongArray());
        }
        assertEquals("TripletBatches' batch size 21 is larger than the 20 triplets of the dataset.",
                assertThrows(IllegalArgumentException.class, () -> new TripletBatches(triplets, 21, 0)).getMessage());
        assertEquals("TripletBatches' batch size must be at least 1, got 0.",
                assertThrows(IllegalArgumentException.class, () -> new TripletBatches(triplets, 0, 0)).getMessage());
    }

    private static List<Long> flatten(Iterator<long[]> it) {
        List<Long> all = new ArrayList<>();
        it.forEachRemaining(b -> Arrays.stream(b).forEach(all::add));
        return all;
    }
}
