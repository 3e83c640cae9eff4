package io.github.dml4j.head;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.github.dml4j.Golden;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PairDataset;
import io.github.dml4j.data.TripletDataset;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.loss.ContrastiveLoss;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.miner.BatchHardMiner;
import io.github.dml4j.miner.MinedTuples;
import io.github.dml4j.miner.Pairs;
import io.github.dml4j.miner.Triplets;
import io.github.dml4j.nn.ParameterGroup;
import io.github.dml4j.sampler.BalancedPairSampler;
import io.github.dml4j.train.PairBatches;
import io.github.dml4j.train.TrainingBatch;
import io.github.dml4j.train.TripletBatches;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.github.dml4j.TrainingFixtures.newNet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generic head's forward pass for each batch layout, its checks and its messages. */
class MetricHeadTest {

    private static final List<Device> CPU = List.of(Device.cpu());

    @Test
    void classBatchesAreEmbeddedInOnePassAndTheMinersTuplesAreScored() {
        LabeledImages images = SyntheticImages.generate(3, 4, 7);
        EmbeddingNet net = newNet();
        TripletMarginLoss loss = TripletMarginLoss.builder().build();
        BatchHardMiner miner = BatchHardMiner.builder().build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).optMiner(miner).build();
        MetricHead unmined = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(12));
            ParameterStore ps = new ParameterStore(manager, false);
            long[] all = java.util.stream.LongStream.range(0, 12).toArray();
            NDArray x = images.toNDArray(manager, all, net.getPixelNormalization());
            NDArray labels = images.labelsNDArray(manager, all);
            MetricHead.HeadOutput out = head.forward(ps, new NDList(x), new NDList(labels), BatchLayout.CLASSES, CPU, false);
            NDArray alone = net.forward(ps, new NDList(x), false).head();
            assertEquals(new Shape(12, 32), out.embeddings().getShape());
            assertArrayEquals(alone.toFloatArray(), out.embeddings().toFloatArray(), 1e-6f);
            assertArrayEquals(labels.toLongArray(), out.labels().toLongArray());
            // the tuples are the miner's, and the loss scores exactly them
            Triplets mined = miner.mine(out.embeddings(), labels);
            Triplets tuples = assertInstanceOf(Triplets.class, out.tuples());
            assertEquals(Golden.tuples(mined.toMatrix()), Golden.tuples(tuples.toMatrix()));
            assertEquals(12, tuples.size(), "batch-hard mines one triplet per anchor");
            float expected = loss.compute(out.embeddings(), labels, mined).getFloat();
            assertEquals(expected, out.loss().getFloat(), 1e-6f);
            // without a miner a tuple loss scores every valid triplet of the batch
            MetricHead.HeadOutput plain = unmined.forward(ps, new NDList(x), new NDList(labels), BatchLayout.CLASSES, CPU,
                    false);
            assertNull(plain.tuples());
            assertEquals(loss.compute(plain.embeddings(), labels).getFloat(), plain.loss().getFloat(), 1e-6f);
            assertEquals(loss + " with " + miner, head.describe());
            assertEquals(loss.toString(), unmined.describe());
        }
    }

    @Test
    void explicitPairsAreTheContrastiveLossOfThePairsOverOneNetwork() {
        LabeledImages images = SyntheticImages.generate(3, 4, 7);
        EmbeddingNet net = newNet();
        ContrastiveLoss contrastive = ContrastiveLoss.builder().optNegMargin(1.5f).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(contrastive).build();
        assertEquals(net.getParameters().size(), head.getParameters().size(), "the head owns no parameters");
        BalancedPairSampler sampler = BalancedPairSampler.builder().setLabels(images.labels()).setBatchSize(6).build();
        PairDataset pairs = PairDataset.builder().setImages(images).optNormalization(net.getPixelNormalization())
                .setSampling(sampler).build();
        PairBatches source = new PairBatches(pairs, sampler);
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, source.inputShapes());
            TrainingBatch batch = source.load(manager, source.batches(0).next());
            ParameterStore ps = new ParameterStore(manager, false);
            MetricHead.HeadOutput out = head.forward(ps, batch.data(), batch.labels(), BatchLayout.PAIRS, CPU, false);
            // one pass of the one network over both branches, first branch first
            assertEquals(new Shape(12, 32), out.embeddings().getShape());
            NDArray first = net.forward(ps, new NDList(batch.data().get(0)), false).head();
            NDArray second = net.forward(ps, new NDList(batch.data().get(1)), false).head();
            assertArrayEquals(first.toFloatArray(), out.embeddings().get(":6").toFloatArray(), 1e-5f);
            assertArrayEquals(second.toFloatArray(), out.embeddings().get("6:").toFloatArray(), 1e-5f);
            // the pairs are (i, i + B), split by their same/different label
            Pairs tuples = assertInstanceOf(Pairs.class, out.tuples());
            long[] same = batch.labels().head().toLongArray();
            long positives = java.util.Arrays.stream(same).sum();
            assertEquals(positives, tuples.positiveCount());
            assertEquals(6 - positives, tuples.negativeCount());
            assertArrayEquals(tuples.anchorPositive().add(6).toLongArray(), tuples.positive().toLongArray());
            assertArrayEquals(tuples.anchorNegative().add(6).toLongArray(), tuples.negative().toLongArray());
            float expected = contrastive.computeForPairs(first, second, batch.labels().head()).getFloat();
            assertEquals(expected, out.loss().getFloat(), 1e-5f);
            assertArrayEquals(new Shape[] {new Shape(6, 32)}, head.getOutputShapes(new Shape[] {net.batchInputShape(6)}));

            // class batches: one input, all pairs of the batch without a miner
            NDArray x = batch.data().get(0);
            NDArray labels = manager.create(new long[] {0, 1, 0, 1, 2, 2});
            MetricHead.HeadOutput one = head.forward(ps, new NDList(x), new NDList(labels), BatchLayout.CLASSES, CPU, false);
            assertEquals(new Shape(6, 32), one.embeddings().getShape());
            assertEquals(contrastive.compute(one.embeddings(), labels, null).getFloat(), one.loss().getFloat(), 1e-6f);
        }
    }

    @Test
    void explicitTripletsScoreRowIOfTheThreeBranchesAsTripletI() {
        LabeledImages images = SyntheticImages.generate(3, 4, 7);
        EmbeddingNet net = newNet();
        TripletMarginLoss loss = TripletMarginLoss.builder().optMargin(0.5f).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).build();
        TripletDataset triplets = TripletDataset.builder().setImages(images).optNormalization(net.getPixelNormalization())
                .optSize(6).setSampling(6, false).build();
        TripletBatches source = new TripletBatches(triplets, 6, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, source.inputShapes());
            TrainingBatch batch = source.load(manager, source.batches(0).next());
            assertEquals(new Shape(6, 3), batch.labels().head().getShape());
            ParameterStore ps = new ParameterStore(manager, false);
            MetricHead.HeadOutput out = head.forward(ps, batch.data(), batch.labels(), BatchLayout.TRIPLETS, CPU, false);
            assertEquals(new Shape(18, 32), out.embeddings().getShape());
            float[][] e = new float[3][];
            for (int k = 0; k < 3; k++) {
                NDArray alone = net.forward(ps, new NDList(batch.data().get(k)), false).head();
                assertArrayEquals(alone.toFloatArray(), out.embeddings().get((6 * k) + ":" + (6 * k + 6)).toFloatArray(), 1e-5f);
                e[k] = alone.normalize(2, 1).toFloatArray();
            }
            // the labels the loss saw: the anchors', then the positives', then the negatives' classes
            assertArrayEquals(batch.labels().head().transpose(1, 0).reshape(-1).toLongArray(), out.labels().toLongArray());
            Triplets t = assertInstanceOf(Triplets.class, out.tuples());
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, t.anchor().toLongArray());
            assertArrayEquals(new long[] {6, 7, 8, 9, 10, 11}, t.positive().toLongArray());
            assertArrayEquals(new long[] {12, 13, 14, 15, 16, 17}, t.negative().toLongArray());
            // relu(|a - p| - |a - n| + margin), averaged over the non-zero terms
            double sum = 0;
            int nonZero = 0;
            for (int i = 0; i < 6; i++) {
                double ap = 0;
                double an = 0;
                for (int d = 0; d < 32; d++) {
                    ap += Math.pow(e[0][i * 32 + d] - e[1][i * 32 + d], 2);
                    an += Math.pow(e[0][i * 32 + d] - e[2][i * 32 + d], 2);
                }
                double v = Math.max(0, Math.sqrt(ap) - Math.sqrt(an) + 0.5);
                if (v > 0) {
                    sum += v;
                    nonZero++;
                }
            }
            assertTrue(nonZero > 0);
            assertEquals(sum / nonZero, out.loss().getFloat(), 1e-4);
            // the class label of explicit triplets is optional: the triplets alone decide the loss
            MetricHead.HeadOutput unlabelled = head.forward(ps, batch.data(), null, BatchLayout.TRIPLETS, CPU, false);
            assertEquals(out.loss().getFloat(), unlabelled.loss().getFloat(), 1e-6f);
        }
    }

    @Test
    void inputsThatDoNotFitTheLayoutAreNamed() {
        EmbeddingNet net = newNet();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(ContrastiveLoss.builder().build()).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(2));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.zeros(new Shape(2, 1, 28, 28));
            NDArray y = manager.zeros(new Shape(3, 1, 28, 28));
            NDList same = new NDList(manager.create(new long[] {1, 0}));
            NDList labels = new NDList(manager.create(new long[] {0, 1}));
            assertEquals("A batch of layout PAIRS holds two (B, C, H, W) inputs (first and second images) with a (B)"
                            + " same/different label, but got 3 input(s) of shapes [(2, 1, 28, 28), (2, 1, 28, 28),"
                            + " (2, 1, 28, 28)].",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, x, x), same,
                            BatchLayout.PAIRS, CPU, false)).getMessage());
            assertEquals("A batch of layout TRIPLETS holds three (B, C, H, W) inputs (anchors, positives, negatives) with"
                            + " an optional (B, 3) class label, but got 2 input(s) of shapes [(2, 1, 28, 28),"
                            + " (2, 1, 28, 28)].",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, x), null,
                            BatchLayout.TRIPLETS, CPU, false)).getMessage());
            assertEquals("A batch of layout CLASSES holds one (B, C, H, W) image batch with (B) class labels, but got 2"
                            + " input(s) of shapes [(2, 1, 28, 28), (2, 1, 28, 28)].",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, x), labels,
                            BatchLayout.CLASSES, CPU, false)).getMessage());
            assertEquals("The inputs of a PAIRS batch must all have one shape, got [(2, 1, 28, 28), (3, 1, 28, 28)].",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, y), same,
                            BatchLayout.PAIRS, CPU, false)).getMessage());
            // missing or miscounted labels
            assertEquals("A CLASSES batch needs labels: it holds one (B, C, H, W) image batch with (B) class labels.",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x), null,
                            BatchLayout.CLASSES, CPU, false)).getMessage());
            assertEquals("A PAIRS batch needs labels: it holds two (B, C, H, W) inputs (first and second images) with a"
                            + " (B) same/different label.",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, x), new NDList(),
                            BatchLayout.PAIRS, CPU, false)).getMessage());
            assertEquals("A PAIRS batch of 2 pairs needs 2 same/different labels, got 3.",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, x),
                            new NDList(manager.create(new long[] {1, 0, 1})), BatchLayout.PAIRS, CPU, false)).getMessage());
            assertEquals("A CLASSES batch of 2 images needs 2 labels, got 3.",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x),
                            new NDList(manager.create(new long[] {0, 1, 2})), BatchLayout.CLASSES, CPU, false)).getMessage());
            assertEquals("A TRIPLETS batch of 2 triplets takes a (2, 3) label of the anchors', positives' and negatives'"
                            + " classes, or none; got (2).",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(ps, new NDList(x, x, x), labels,
                            BatchLayout.TRIPLETS, CPU, false)).getMessage());
        }
    }

    @Test
    void aSumWithAClassLossIsRefusedOnExplicitPairsAndTwoPartsOfOneKindGetTwoGroups() {
        EmbeddingNet net = newNet();
        MetricHead mixed = MetricHead.builder().setEmbeddingNet(net).setLoss(io.github.dml4j.loss.MultipleLosses.builder()
                .addLoss(io.github.dml4j.loss.SoftmaxLoss.builder().setNumClasses(4).build())
                .addLoss(ContrastiveLoss.builder().build()).build()).build();
        assertTrue(mixed.getLoss().acceptsTuples());
        assertTrue(mixed.getLoss().needsClassLabels());
        mixed.checkLayout(BatchLayout.CLASSES);
        assertEquals("MultipleLosses learns from class labels, but the batches hold pairs (two (B, C, H, W) inputs (first"
                        + " and second images) with a (B) same/different label): train it on class batches (ClassBatches),"
                        + " or choose a pair or triplet loss.",
                assertThrows(IllegalArgumentException.class, () -> mixed.checkLayout(BatchLayout.PAIRS)).getMessage());
        MetricHead twoCentres = MetricHead.builder().setEmbeddingNet(newNet()).setLoss(io.github.dml4j.loss.MultipleLosses.builder()
                .addLoss(io.github.dml4j.loss.CenterLoss.builder().setNumClasses(4)
                        .optCenterUpdate(io.github.dml4j.loss.CenterLoss.CenterUpdate.OPTIMIZER).build())
                .addLoss(io.github.dml4j.loss.CenterLoss.builder().setNumClasses(4)
                        .optCenterUpdate(io.github.dml4j.loss.CenterLoss.CenterUpdate.OPTIMIZER).build(), 0.5f)
                .build()).build();
        assertEquals(List.of("embedding", "CenterLoss", "CenterLoss#2"),
                twoCentres.parameterGroups().stream().map(ParameterGroup::name).toList());
    }

    @Test
    void aClassLossIsRefusedOnExplicitPairsAndTriplets() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = MetricHead.builder().setEmbeddingNet(net)
                .setLoss(ArcFaceLoss.builder().setNumClasses(3).build()).build();
        head.checkLayout(BatchLayout.CLASSES);
        assertEquals("ArcFaceLoss learns from class labels, but the batches hold pairs (two (B, C, H, W) inputs (first and"
                        + " second images) with a (B) same/different label): train it on class batches (ClassBatches), or"
                        + " choose a pair or triplet loss.",
                assertThrows(IllegalArgumentException.class, () -> head.checkLayout(BatchLayout.PAIRS)).getMessage());
        assertEquals("ArcFaceLoss learns from class labels, but the batches hold triplets (three (B, C, H, W) inputs"
                        + " (anchors, positives, negatives) with an optional (B, 3) class label): train it on class batches"
                        + " (ClassBatches), or choose a pair or triplet loss.",
                assertThrows(IllegalArgumentException.class, () -> head.trainingView(BatchLayout.TRIPLETS, CPU)).getMessage());
        // and in a direct forward pass, the loss itself refuses the pairs
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(2));
            NDArray x = manager.zeros(new Shape(2, 1, 28, 28));
            assertEquals("ArcFaceLoss scores class labels, not pairs or triplets: train it on class batches without a miner.",
                    assertThrows(IllegalArgumentException.class, () -> head.forward(new ParameterStore(manager, false),
                            new NDList(x, x), new NDList(manager.create(new long[] {1, 0})), BatchLayout.PAIRS, CPU,
                            false)).getMessage());
        }
    }

    @Test
    void badSettingsAreNamed() {
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(ConvNet.small(8)).setInputShape(1, 28, 28).build();
        assertEquals("MetricHead got a miner, but ArcFaceLoss learns from class labels and takes no mined tuples: remove"
                        + " optMiner(...).",
                assertThrows(IllegalArgumentException.class, () -> MetricHead.builder().setEmbeddingNet(net)
                        .setLoss(ArcFaceLoss.builder().setNumClasses(3).build()).optMiner(BatchHardMiner.builder().build()).build())
                        .getMessage());
        assertEquals("MetricHead needs a loss: call setLoss(...), e.g. TripletMarginLoss.builder().build().",
                assertThrows(IllegalArgumentException.class, () -> MetricHead.builder().setEmbeddingNet(net).build())
                        .getMessage());
        assertEquals("MetricHead needs an EmbeddingNet: call setEmbeddingNet(...).",
                assertThrows(IllegalArgumentException.class,
                        () -> MetricHead.builder().setLoss(ContrastiveLoss.builder().build()).build()).getMessage());
    }

    @Test
    void parameterGroupsAreTheNetworkThenTheLoss() {
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(3).build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build();
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(2));
            List<ParameterGroup> groups = head.parameterGroups();
            assertEquals(List.of("embedding", "ArcFaceLoss"), groups.stream().map(ParameterGroup::name).toList());
            assertEquals(1f, groups.get(0).learningRateMultiplier());
            assertEquals(10f, groups.get(1).learningRateMultiplier());
            List<Parameter> netParameters = net.getParameters().values().stream().filter(Parameter::requiresGradient).toList();
            assertEquals(netParameters, groups.get(0).parameters());
            assertEquals(List.of(arcFace.getClassWeights()), groups.get(1).parameters());
            assertEquals(net.getParameters().size() + 1, head.getParameters().size(), "the network's and the class weights");
            assertSame(arcFace, head.getLoss());
            assertSame(net, head.getEmbeddingNet());
            assertEquals(new Shape(32, 3), arcFace.getClassWeights().getArray().getShape());
        }
        // a loss without parameters adds no group
        MetricHead triplet = TrainingFixtures.tripletHead(TrainingFixtures.newNet());
        assertEquals(List.of("embedding"), triplet.parameterGroups().stream().map(ParameterGroup::name).toList());
    }

    @Test
    void minedTuplesOfClassBatchesArePairsForAPairMiner() {
        // the head hands a pair miner's pairs to the loss as they are
        EmbeddingNet net = newNet();
        ContrastiveLoss loss = ContrastiveLoss.builder().build();
        io.github.dml4j.miner.PairMarginMiner miner = io.github.dml4j.miner.PairMarginMiner.builder().build();
        MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(loss).optMiner(miner).build();
        LabeledImages images = SyntheticImages.generate(3, 4, 7);
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(12));
            ParameterStore ps = new ParameterStore(manager, false);
            long[] all = java.util.stream.LongStream.range(0, 12).toArray();
            NDArray x = images.toNDArray(manager, all, net.getPixelNormalization());
            NDArray labels = images.labelsNDArray(manager, all);
            MetricHead.HeadOutput out = head.forward(ps, new NDList(x), new NDList(labels), BatchLayout.CLASSES, CPU, false);
            MinedTuples tuples = out.tuples();
            Pairs mined = miner.mine(out.embeddings(), labels);
            assertInstanceOf(Pairs.class, tuples);
            assertEquals(mined.positiveCount(), ((Pairs) tuples).positiveCount());
            assertEquals(mined.negativeCount(), ((Pairs) tuples).negativeCount());
            assertEquals(loss.compute(out.embeddings(), labels, mined).getFloat(), out.loss().getFloat(), 1e-6f);
        }
    }
}
