package io.github.dml4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.attributes.AttributeClassifier;
import io.github.dml4j.attributes.AttributeHead;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.AttributeLabels;
import io.github.dml4j.data.AttributeTable;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.BatchLayout;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.ModelCard;
import io.github.dml4j.loss.TripletMarginLoss;
import io.github.dml4j.nn.ParameterGroup;
import io.github.dml4j.provenance.TrainingHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-task head trained end to end: class batches with attribute labels, the metric loss plus
 * the attribute loss, the attribute layer exported with the network and listed in the model card;
 * and the messages of every mismatch.
 */
class MultiTaskTrainingTest {

    private static final List<AttributeTable.Attribute> ATTRIBUTES = List.of(
            AttributeTable.Attribute.binary("even_class"),
            AttributeTable.Attribute.categorical("third", List.of("a", "b", "c")));

    @TempDir
    Path temp;

    /** Attributes of 4 classes x 6 images: one bound to the class, one to the image; some missing. */
    private static AttributeLabels labels(LabeledImages images) {
        int[][] y = new int[2][images.size()];
        for (int i = 0; i < images.size(); i++) {
            y[0][i] = i % 5 == 0 ? AttributeTable.MISSING : images.label(i) % 2 == 0 ? 1 : 0;
            y[1][i] = i % 3;
        }
        return AttributeLabels.of(ATTRIBUTES, y);
    }

    private static MetricHead head(EmbeddingNet net, AttributeLabels train) {
        return MetricHead.builder().setEmbeddingNet(net).setLoss(TripletMarginLoss.builder().build())
                .optAttributeHead(AttributeHead.builder().setAttributes(ATTRIBUTES).optClassWeights(train).build())
                .build();
    }

    @Test
    void trainsTheAttributeLayerWithTheNetworkAndExportsIt() throws Exception {
        LabeledImages images = SyntheticImages.generate(4, 6, 5);
        AttributeLabels labels = labels(images);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = head(net, labels);
        assertTrue(head.describe().endsWith(" + attributes [even_class, third]"), head.describe());
        AttributeBatches batches = AttributeBatches.builder()
                .setBatches(TrainingFixtures.classBatches(images, net, 8, 2, 0)).setAttributes(labels).build();
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optEpochs(2).optSeed(0).build();
        trainer.initialize();
        assertEquals(List.of("embedding", "attributes"), head.parameterGroups().stream().map(ParameterGroup::name)
                .toList());
        float[] before = head.getAttributeHead().getLayer().getParameters().get("weight").getArray().toFloatArray();
        TrainingHistory history = trainer.fit(batches);
        assertEquals(2, history.epochs().size());
        assertTrue(Double.isFinite(history.epochs().get(1).meanLoss()));
        float[] after = head.getAttributeHead().getLayer().getParameters().get("weight").getArray().toFloatArray();
        assertTrue(!java.util.Arrays.equals(before, after), "the attribute layer trained");

        // one batch through the head: its loss is the metric loss plus the attribute loss
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] indices = LongStream.range(0, 8).toArray();
            TrainingBatch batch = batches.load(manager, indices);
            assertEquals(new Shape(8, 2), batch.labels().get(1).getShape());
            int[] expected = new int[16];
            for (int i = 0; i < 8; i++) {
                expected[2 * i] = labels.labels(0)[i];
                expected[2 * i + 1] = labels.labels(1)[i];
            }
            assertEquals(AttributeTable.MISSING, expected[0]);
            assertArrayEquals(expected, batch.labels().get(1).toIntArray());
            ParameterStore ps = new ParameterStore(manager, false);
            MetricHead.HeadOutput out = head.forward(ps, batch.data(), batch.labels(), BatchLayout.CLASSES,
                    List.of(Device.cpu()), false);
            assertNotNull(out.attributeLoss());
            float metric = head.getLoss().compute(out.embeddings(), out.labels()).getFloat();
            assertEquals(metric + out.attributeLoss().getFloat(), out.loss().getFloat(), 1e-5f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.forward(ps,
                    batch.data(), new NDList(batch.labels().get(0)), BatchLayout.CLASSES, List.of(Device.cpu()), false));
            assertEquals("The head learns 2 attributes, so a CLASSES batch of 8 images needs a (8, 2) attribute label"
                    + " matrix after its class labels, got none: wrap the batches in AttributeBatches.", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> head.forward(ps, batch.data(),
                    new NDList(batch.labels().get(0), manager.zeros(new Shape(8, 3), DataType.INT32)),
                    BatchLayout.CLASSES, List.of(Device.cpu()), false));
            assertTrue(e.getMessage().endsWith("got (8, 3): wrap the batches in AttributeBatches."), e.getMessage());
        }

        // exported: the network and the attribute layer, listed in the card
        Path dir = temp.resolve("model");
        AttributeClassifier classifier = head.getAttributeHead().toClassifier();
        try (EmbeddingModel model = EmbeddingModel.of(net).withAttributes(classifier)) {
            model.save(dir);
        }
        ModelCard card = ModelCard.read(dir.resolve(ModelCard.FILE_NAME));
        assertEquals(List.of(new ModelCard.Attribute("even_class", "binary", List.of("0", "1"), 0.5, "multitask"),
                new ModelCard.Attribute("third", "categorical", List.of("a", "b", "c"), null, "multitask")),
                card.attributes());
        assertTrue(Files.readString(dir.resolve(AttributeClassifier.FILE_NAME)).contains("\"source\":\"multitask\""));
        try (EmbeddingModel loaded = EmbeddingModel.load(dir); NDManager manager = NDManager.newBaseManager()) {
            assertEquals(AttributeClassifier.Source.MULTITASK, loaded.attributeClassifier().orElseThrow().source());
            float[] embedding = loaded.embed(manager, images).get(0).toFloatArray();
            Map<String, Map<String, Float>> p = loaded.attributeClassifier().orElseThrow().probabilities(embedding);
            assertEquals(classifier.probabilities(embedding), p);
        }

        // a card that lists other attributes than attributes.json beside it is refused
        AttributeClassifier probe = new AttributeClassifier(classifier.attributes(), classifier.probes(),
                new double[] {0.5, 0.5});
        probe.save(dir.resolve(AttributeClassifier.FILE_NAME));
        Exception refused = assertThrows(Exception.class, () -> EmbeddingModel.load(dir));
        assertTrue(refused.getMessage().contains("but the model card lists"), refused.getMessage());
        Files.delete(dir.resolve(AttributeClassifier.FILE_NAME));
        refused = assertThrows(Exception.class, () -> EmbeddingModel.load(dir));
        assertTrue(refused.getMessage().startsWith("The model card lists attributes [even_class, third], but "),
                refused.getMessage());
    }

    @Test
    void mismatchesAreNamed() {
        LabeledImages images = SyntheticImages.generate(4, 6, 5);
        AttributeLabels labels = labels(images);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        ClassBatches plain = TrainingFixtures.classBatches(images, net, 8, 2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttributeBatches.builder().setAttributes(labels).build());
        assertEquals("AttributeBatches needs class batches: call setBatches(...), e.g. with ClassBatches.",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributeBatches.builder().setBatches(plain).build());
        assertEquals("AttributeBatches needs the images' attribute labels: call setAttributes(...).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttributeBatches.builder().setBatches(plain)
                .setAttributes(labels.select(new int[] {0, 1, 2})).build());
        assertEquals("The attribute labels cover 3 images, but the batches draw from 24: give the labels of the same"
                + " images, in their order (AttributeLabels.select).", e.getMessage());
        AttributeBatches batches = AttributeBatches.builder().setBatches(plain).setAttributes(labels).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> AttributeBatches.builder().setBatches(batches).setAttributes(labels).build());
        assertEquals("The batches carry attribute labels already: give the plain class batches.", e.getMessage());

        // the trainer refuses batches without, or with other, attribute labels before any step
        MetricHead head = head(net, labels);
        e = assertThrows(IllegalArgumentException.class,
                () -> MetricTrainer.builder().setHead(head).optEpochs(1).build().fit(plain));
        assertEquals("The head learns attributes [even_class, third[a, b, c]], but the batches carry no attribute"
                + " labels: wrap them in AttributeBatches.", e.getMessage());
        AttributeLabels other = AttributeLabels.of(List.of(ATTRIBUTES.get(0)), new int[][] {labels.labels(0)});
        AttributeBatches otherBatches = AttributeBatches.builder().setBatches(plain).setAttributes(other).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> MetricTrainer.builder().setHead(head).optEpochs(1).build().fit(otherBatches));
        assertEquals("The head learns attributes [even_class, third[a, b, c]], but the batches carry labels of"
                + " [even_class]: build both from the same attribute labels.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> head.checkLayout(BatchLayout.PAIRS));
        assertTrue(e.getMessage().startsWith("The head learns attributes, which need single labelled images, but the"
                + " batches hold pairs"), e.getMessage());
    }
}
