package io.github.dml4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.dml4j.Golden;
import io.github.dml4j.miner.BatchTuples;
import io.github.dml4j.nn.ParameterGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared checks of every loss, the DJL views of a loss, the softmax loss and weighted sums. */
class EmbeddingLossTest {

    private NDManager manager;
    private NDArray embeddings;
    private NDArray labels;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        embeddings = Golden.matrix(manager, Golden.get("batch", "embeddings"));
        labels = LossGoldenCheck.labels(manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void aTupleLossIsStillADjlLossOfLabelsAndEmbeddings() {
        TripletMarginLoss triplet = TripletMarginLoss.builder().build();
        float direct = triplet.compute(embeddings, labels).getFloat();
        assertEquals(direct, triplet.asDjlLoss().evaluate(new NDList(labels), new NDList(embeddings)).getFloat(), 0f);
        assertEquals("TripletMarginLoss", triplet.asDjlLoss().getName());
        // and a block of (embeddings, labels)
        assertEquals(direct, triplet.forward(new ParameterStore(manager, false), new NDList(embeddings, labels), false)
                .singletonOrThrow().getFloat(), 0f);
        assertTrue(triplet.acceptsTuples());
        assertEquals(List.of(), triplet.parameterGroups());
        assertEquals(1f, triplet.getLearningRateMultiplier());
        // the tuples given are the tuples scored
        assertEquals(direct, triplet.compute(embeddings, labels, BatchTuples.allTriplets(labels)).getFloat(), 1e-6f);
    }

    @Test
    void theSharedChecksNameTheLossAndTheProblem() {
        ContrastiveLoss contrastive = ContrastiveLoss.builder().build();
        assertEquals("ContrastiveLoss expects embeddings of shape (batch, dim), got (32).",
                assertThrows(IllegalArgumentException.class,
                        () -> contrastive.compute(embeddings.get(":, 0"), labels)).getMessage());
        assertEquals("ContrastiveLoss got 32 embeddings but 30 labels.",
                assertThrows(IllegalArgumentException.class,
                        () -> contrastive.compute(embeddings, labels.get(":30"))).getMessage());
        assertEquals("ContrastiveLoss takes two inputs, the embeddings and the labels, got 1.",
                assertThrows(IllegalArgumentException.class, () -> contrastive.forward(new ParameterStore(manager, false),
                        new NDList(embeddings), false)).getMessage());
        assertEquals(new Shape(), contrastive.getOutputShapes(new Shape[] {new Shape(32, 8), new Shape(32)})[0]);
        // labels may come as a (B, 1) column
        assertEquals(contrastive.compute(embeddings, labels).getFloat(),
                contrastive.compute(embeddings, labels.reshape(-1, 1)).getFloat(), 0f);
    }

    @Test
    void softmaxLossIsTheCrossEntropyOfItsLinearClassifier() {
        SoftmaxLoss softmax = SoftmaxLoss.builder().setNumClasses(8).build();
        assertFalse(softmax.acceptsTuples());
        softmax.initialize(manager, 8);
        assertEquals(new Shape(8, 8), softmax.getClassifier().getParameters().get("weight").getArray().getShape());
        assertEquals(new Shape(8), softmax.getClassifier().getParameters().get("bias").getArray().getShape());
        float[] w = softmax.getClassifier().getParameters().get("weight").getArray().toFloatArray();
        float[] b = softmax.getClassifier().getParameters().get("bias").getArray().toFloatArray();
        float[][] x = Golden.floats(Golden.get("batch", "embeddings"));
        int[] y = Golden.ints(Golden.get("batch", "labels"));
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double[] logits = new double[8];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 8; c++) {
                logits[c] = b[c];
                for (int d = 0; d < 8; d++) {
                    logits[c] += w[c * 8 + d] * x[i][d];
                }
                max = Math.max(max, logits[c]);
            }
            double z = 0;
            for (int c = 0; c < 8; c++) {
                z += Math.exp(logits[c] - max);
            }
            sum += -(logits[y[i]] - max - Math.log(z));
        }
        assertEquals(sum / x.length, softmax.compute(embeddings, labels).getFloat(), 1e-5);
        // initialized as PyTorch's linear layers: weights within +-1/sqrt(D), zero bias
        for (float v : w) {
            assertTrue(Math.abs(v) <= 1 / Math.sqrt(8) + 1e-6, "weight " + v);
        }
        assertEquals(0f, (float) java.util.stream.IntStream.range(0, b.length).mapToDouble(i -> Math.abs(b[i])).sum());
        List<ParameterGroup> groups = softmax.parameterGroups();
        assertEquals(1, groups.size());
        assertEquals("SoftmaxLoss", groups.get(0).name());
        assertEquals(2, groups.get(0).parameters().size(), "the classifier's weight and bias");
        assertEquals("Label 8 is outside the 8 classes of SoftmaxLoss: labels must lie in [0, 8). Build the loss with"
                        + " setNumClasses(...) covering every training label, or remap the labels.",
                assertThrows(IllegalArgumentException.class, () -> softmax.compute(embeddings, labels.add(1))).getMessage());
        assertEquals("SoftmaxLoss owns parameters, which DJL's trainer would not update: train it in a MetricHead with"
                + " MetricTrainer.", assertThrows(IllegalStateException.class, softmax::asDjlLoss).getMessage());
    }

    @Test
    void multipleLossesAreTheWeightedSumOfTheirParts() {
        SoftmaxLoss softmax = SoftmaxLoss.builder().setNumClasses(8).build();
        CenterLoss centres = CenterLoss.builder().setNumClasses(8).optCenterUpdate(CenterLoss.CenterUpdate.OPTIMIZER)
                .optLearningRateMultiplier(5f).build();
        TripletMarginLoss triplet = TripletMarginLoss.builder().build();
        MultipleLosses sum = MultipleLosses.builder().addLoss(softmax).addLoss(centres, 0.01f).addLoss(triplet, 0.5f).build();
        sum.initialize(manager, 8);
        centres.getCenters().getArray().set(new float[64]);
        centres.getCenters().getArray().addi(0.5f);
        float expected = softmax.compute(embeddings, labels).getFloat() + 0.01f * centres.compute(embeddings, labels).getFloat()
                + 0.5f * triplet.compute(embeddings, labels).getFloat();
        assertEquals(expected, sum.compute(embeddings, labels).getFloat(), 1e-6f * expected);
        // mined tuples go to the part that takes tuples; the class losses see the labels only
        assertTrue(sum.acceptsTuples());
        io.github.dml4j.miner.Triplets some = io.github.dml4j.miner.BatchHardMiner.builder().build().mine(embeddings, labels);
        float mined = softmax.compute(embeddings, labels).getFloat() + 0.01f * centres.compute(embeddings, labels).getFloat()
                + 0.5f * triplet.compute(embeddings, labels, some).getFloat();
        assertEquals(mined, sum.compute(embeddings, labels, some).getFloat(), 1e-6f * mined);
        // each part keeps its group and multiplier
        List<ParameterGroup> groups = sum.parameterGroups();
        assertEquals(List.of("SoftmaxLoss", "CenterLoss"), groups.stream().map(ParameterGroup::name).toList());
        assertEquals(1f, groups.get(0).learningRateMultiplier());
        assertEquals(5f, groups.get(1).learningRateMultiplier());
        assertEquals(List.of(softmax, centres, triplet), sum.getLosses());
        assertEquals(0.01f, sum.getWeight(1));
        assertEquals("MultipleLosses{SoftmaxLoss{classes=8, reduction=MEAN} + 0.01 * " + centres + " + 0.5 * " + triplet + '}',
                sum.toString());
        // a sum of class losses takes no tuples
        MultipleLosses classOnly = MultipleLosses.builder().addLoss(SoftmaxLoss.builder().setNumClasses(8).build()).build();
        assertFalse(classOnly.acceptsTuples());
    }
}
