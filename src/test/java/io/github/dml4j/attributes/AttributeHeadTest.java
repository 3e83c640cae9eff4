package io.github.dml4j.attributes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The multi-task attribute head: its loss against a plain loop, its export as a classifier, its checks. */
class AttributeHeadTest {

    private static final int D = 6;
    private static final List<AttributeTable.Attribute> ATTRIBUTES = List.of(
            AttributeTable.Attribute.binary("glasses"),
            AttributeTable.Attribute.categorical("age", List.of("young", "adult", "senior")),
            AttributeTable.Attribute.categorical("hair", List.of("dark", "light")),
            AttributeTable.Attribute.binary("hat"));

    /** Labels of 10 images: some missing, {@code hat} missing for every image. */
    private static int[][] labels() {
        int m = AttributeTable.MISSING;
        return new int[][] {
            {1, 0, 0, m, 1, 0, 0, 0, m, 1},
            {0, 1, 2, 1, m, 0, 2, 1, 1, m},
            {m, 1, 0, 1, 1, 0, m, 1, 0, 1},
            {m, m, m, m, m, m, m, m, m, m}};
    }

    private static float[][] embeddings(int n, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[n][D];
        for (float[] row : x) {
            for (int j = 0; j < D; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return x;
    }

    private static AttributeHead head(AttributeLabels train) {
        return AttributeHead.builder().setAttributes(ATTRIBUTES).optTaskWeights(0.5).optTaskWeight("age", 2.0)
                .optClassWeights(train).build();
    }

    @Test
    void lossIsTheWeightedMaskedMeanOfPlainCrossEntropies() {
        int[][] y = labels();
        AttributeLabels train = AttributeLabels.of(ATTRIBUTES, y);
        AttributeHead head = head(train);
        float[][] x = embeddings(10, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            head.initialize(manager, DataType.FLOAT32, new Shape(10, D));
            int[] matrix = new int[10 * ATTRIBUTES.size()];
            for (int i = 0; i < 10; i++) {
                for (int a = 0; a < ATTRIBUTES.size(); a++) {
                    matrix[i * ATTRIBUTES.size() + a] = y[a][i];
                }
            }
            NDArray embeddings = manager.create(x);
            embeddings.setRequiresGradient(true);
            ParameterStore ps = new ParameterStore(manager, false);
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray value = head.loss(ps, embeddings, manager.create(matrix, new Shape(10, ATTRIBUTES.size())), true);
                loss = value.getFloat();
                collector.backward(value);
            }
            for (float g : embeddings.getGradient().toFloatArray()) {
                assertTrue(Float.isFinite(g), "a finite gradient with an attribute missing in every row");
            }

            // the plain loop: logits from the layer's weights, then the formula of the class description
            Parameter weight = head.getLayer().getParameters().get("weight");
            float[] w = weight.getArray().toFloatArray();
            float[] b = head.getLayer().getParameters().get("bias").getArray().toFloatArray();
            double[] taskWeights = {0.5, 2.0, 0.5, 0.5};
            double expected = 0;
            int offset = 0;
            for (int a = 0; a < ATTRIBUTES.size(); a++) {
                int k = ATTRIBUTES.get(a).numClasses();
                int outputs = k == 2 ? 1 : k;
                float[] classWeight = head.classWeights(a);
                double sum = 0;
                int present = 0;
                for (int i = 0; i < 10; i++) {
                    if (y[a][i] == AttributeTable.MISSING) {
                        continue;
                    }
                    present++;
                    double[] z = new double[outputs];
                    for (int j = 0; j < outputs; j++) {
                        z[j] = b[offset + j];
                        for (int d = 0; d < D; d++) {
                            z[j] += w[(offset + j) * D + d] * x[i][d];
                        }
                    }
                    double ce;
                    if (outputs == 1) {
                        double p = 1 / (1 + Math.exp(-z[0]));
                        ce = y[a][i] == 1 ? -Math.log(p) : -Math.log(1 - p);
                    } else {
                        double max = Double.NEGATIVE_INFINITY;
                        for (double v : z) {
                            max = Math.max(max, v);
                        }
                        double norm = 0;
                        for (double v : z) {
                            norm += Math.exp(v - max);
                        }
                        ce = -(z[y[a][i]] - max - Math.log(norm));
                    }
                    sum += classWeight[y[a][i]] * ce;
                }
                expected += present == 0 ? 0 : taskWeights[a] * sum / present;
                offset += outputs;
            }
            assertEquals(expected, loss, 1e-5);
        }
        // balanced weights n / (k n_c) of the known labels: glasses has 5 of class 0 and 3 of class 1
        assertEquals(0.8f, head.classWeights(0)[0], 1e-6f);
        assertEquals(8f / 6, head.classWeights(0)[1], 1e-6f);
        assertEquals(8f / (3 * 2), head.classWeights(1)[0], 1e-6f); // age: 2 young of 8
        assertEquals(1f, head.classWeights(3)[1], 1e-6f); // no label at all: weight 1
    }

    @Test
    void theClassifierAnswersWhatTheHeadComputes() {
        AttributeHead head = head(AttributeLabels.of(ATTRIBUTES, labels()));
        float[][] x = embeddings(7, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, new Shape(7, D));
            // make the bias non-zero, so that its layout is checked too
            NDArray bias = head.getLayer().getParameters().get("bias").getArray();
            bias.set(manager.arange(0f, bias.size()).mul(0.1f).toFloatArray());
            float[] logits = head.logits(new ParameterStore(manager, false), manager.create(x), false).toFloatArray();
            AttributeClassifier classifier = head.toClassifier();
            assertEquals(AttributeClassifier.Source.MULTITASK, classifier.source());
            assertEquals(0.5, classifier.threshold("glasses"));
            List<java.util.Map<String, java.util.Map<String, Float>>> p = classifier.probabilities(x);
            int outputs = 1 + 3 + 1 + 1;
            for (int i = 0; i < 7; i++) {
                double glasses = 1 / (1 + Math.exp(-logits[i * outputs]));
                assertEquals(glasses, p.get(i).get("glasses").get("1"), 1e-6);
                double[] age = new double[3];
                double norm = 0;
                for (int k = 0; k < 3; k++) {
                    age[k] = Math.exp(logits[i * outputs + 1 + k]);
                    norm += age[k];
                }
                assertEquals(age[0] / norm, p.get(i).get("age").get("young"), 1e-6);
                assertEquals(age[2] / norm, p.get(i).get("age").get("senior"), 1e-6);
                double light = 1 / (1 + Math.exp(-logits[i * outputs + 4]));
                assertEquals(light, p.get(i).get("hair").get("light"), 1e-6);
                assertEquals(1 / (1 + Math.exp(-logits[i * outputs + 5])), p.get(i).get("hat").get("1"), 1e-6);
            }
        }
    }

    @Test
    void badSettingsAndLabelsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttributeHead.builder().build());
        assertEquals("AttributeHead needs the attributes: call setAttributes(...).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AttributeHead.builder().setAttributes(ATTRIBUTES).optTaskWeight("smile", 1).build());
        assertEquals("AttributeHead got a task weight for 'smile', which is not one of its attributes [glasses, age,"
                + " hair, hat].", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AttributeHead.builder().setAttributes(ATTRIBUTES).optTaskWeight("age", -1).build());
        assertEquals("The task weight of 'age' must be a finite number >= 0, got -1.0.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AttributeHead.builder().setAttributes(ATTRIBUTES).optTaskWeights(Double.NaN).build());
        assertEquals("The default task weight must be a finite number >= 0, got NaN.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributeHead.builder().setAttributes(ATTRIBUTES)
                .optLearningRateMultiplier(0f).build());
        assertEquals("The learning-rate multiplier of AttributeHead must be a finite number > 0, got 0.0.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributeHead.builder()
                .setAttributes(List.of(ATTRIBUTES.get(0), ATTRIBUTES.get(0))).build());
        assertEquals("AttributeHead got attribute 'glasses' twice.", e.getMessage());
        AttributeLabels other = AttributeLabels.of(List.of(ATTRIBUTES.get(0)), new int[][] {{1, 0}});
        e = assertThrows(IllegalArgumentException.class,
                () -> AttributeHead.builder().setAttributes(ATTRIBUTES).optClassWeights(other).build());
        assertEquals("The class-weight labels have attributes [glasses], the head [glasses, age, hair, hat]: give the"
                + " training labels of the same attributes.", e.getMessage());

        AttributeHead head = AttributeHead.builder().setAttributes(ATTRIBUTES).build();
        assertEquals("attributes [glasses, age, hair, hat]", head.describe());
        IllegalStateException notReady = assertThrows(IllegalStateException.class, head::toClassifier);
        assertTrue(notReady.getMessage().startsWith("The attribute head is not initialized"), notReady.getMessage());
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, new Shape(2, D));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.create(embeddings(2, 3));
            e = assertThrows(IllegalArgumentException.class,
                    () -> head.loss(ps, x, manager.create(new int[] {1, 0, 1}, new Shape(1, 3)), false));
            assertEquals("The attribute head of 4 attributes needs a (2, 4) attribute label matrix for 2 embeddings,"
                    + " got (1, 3).", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> head.loss(ps, x,
                    manager.create(new int[] {1, 0, 1, -1, 0, 3, 1, 1}, new Shape(2, 4)), false));
            assertEquals("Row 1 of the attribute labels has value 3 for attribute 'age', which has 3 classes (0..2, or"
                    + " -1 when missing).", e.getMessage());
        }
        assertEquals("attributes [glasses, age x2, hair, hat]", AttributeHead.builder().setAttributes(ATTRIBUTES)
                .optTaskWeight("age", 2).build().describe());
    }
}
