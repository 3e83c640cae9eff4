package io.github.dml4j.backbone;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.loss.ArcFaceLoss;
import io.github.dml4j.train.MetricTrainer;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A backbone's block initializes itself or arrives with its weights; the embedding size is the block's. */
class BackboneTest {

    /** A backbone that hands over the blocks {@code blocks} makes for an input shape. */
    record Handed(String type, Function<Shape, Block> blocks) implements Backbone {
        @Override
        public Block newBlock(Shape inputShape) {
            return blocks.apply(inputShape);
        }
    }

    /** A ConvNet {4, 8} with an 8-d embedding, initialized and then set to known values. */
    private static Block trainedConvNet(NDManager manager, Shape inputShape) {
        Block block = new ConvNet(new int[] {4, 8}, 8).newBlock(inputShape);
        block.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(inputShape));
        int k = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            float[] values = new float[(int) p.getValue().getArray().size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = p.getValue().getType() == Parameter.Type.RUNNING_VAR ? 0.5f + i * 0.01f
                        : (float) Math.sin(k + i * 0.37) * 0.1f;
            }
            p.getValue().getArray().set(FloatBuffer.wrap(values));
            k++;
        }
        return block;
    }

    private static Map<String, float[]> values(Block block) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    private static void assertSameValues(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), actual.get(e.getKey()), 0f, e.getKey());
        }
    }

    @Test
    void weightsThatArriveWithTheBlockSurviveEveryInitialization() {
        try (NDManager weights = NDManager.newBaseManager(); NDManager manager = NDManager.newBaseManager()) {
            Block trained = trainedConvNet(weights, new Shape(1, 28, 28));
            Map<String, float[]> known = values(trained);
            EmbeddingNet net = EmbeddingNet.builder().setBackbone(new Handed("test-trained", s -> trained))
                    .setInputShape(1, 28, 28).build();
            assertTrue(net.getParameters().values().stream().allMatch(Parameter::isInitialized));
            net.initialize(manager);
            assertSameValues(known, values(trained));

            ArcFaceLoss arcFace = ArcFaceLoss.builder().setNumClasses(4).build();
            MetricHead head = MetricHead.builder().setEmbeddingNet(net).setLoss(arcFace).build();
            assertFalse(head.isInitialized());
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(1));
            assertSameValues(known, values(trained));
            assertTrue(arcFace.getClassWeights().isInitialized());

            // the trainer initializes from its seed what is not initialized: the loss, not the network
            Block again = trainedConvNet(weights, new Shape(1, 28, 28));
            EmbeddingNet other = EmbeddingNet.builder().setBackbone(new Handed("test-trained", s -> again))
                    .setInputShape(1, 28, 28).build();
            ArcFaceLoss otherLoss = ArcFaceLoss.builder().setNumClasses(4).build();
            MetricTrainer trainer = MetricTrainer.builder()
                    .setHead(MetricHead.builder().setEmbeddingNet(other).setLoss(otherLoss).build())
                    .optSeed(7).optListeners().build();
            trainer.initialize();
            assertSameValues(known, values(again));
            assertTrue(otherLoss.getClassWeights().isInitialized());
        }
    }

    @Test
    void initializationFillsInOnlyThePartsThatArriveWithoutWeights() {
        try (NDManager weights = NDManager.newBaseManager(); NDManager manager = NDManager.newBaseManager()) {
            // the first convolution arrives trained, the rest of the ConvNet does not
            Block donor = trainedConvNet(weights, new Shape(1, 28, 28));
            Block partial = new ConvNet(new int[] {4, 8}, 8).newBlock(new Shape(1, 28, 28));
            Block firstConv = partial.getChildren().valueAt(0);
            Block donorConv = donor.getChildren().valueAt(0);
            for (Pair<String, Parameter> p : firstConv.getDirectParameters()) {
                p.getValue().setArray(donorConv.getDirectParameters().get(p.getKey()).getArray());
            }
            Map<String, float[]> known = values(donorConv);
            EmbeddingNet net = EmbeddingNet.builder().setBackbone(new Handed("test-partial", s -> partial))
                    .setInputShape(1, 28, 28).build();
            assertFalse(net.isInitialized());
            net.initialize(manager);
            assertTrue(net.isInitialized());
            assertSameValues(known, values(firstConv));
            // the second convolution drew its weights from ConvNet's own initializer
            float[] second = partial.getChildren().valueAt(4).getParameters().get("weight").getArray().toFloatArray();
            double bound = 1 / Math.sqrt(4 * 9);
            for (float v : second) {
                assertTrue(Math.abs(v) <= bound, "Xavier-uniform on the fan-in: " + v);
            }
        }
    }

    @Test
    void theEmbeddingSizeIsWhatTheBlockOutputs() {
        // the backbone's type says nothing of the size: the block's output shape does
        EmbeddingNet net = EmbeddingNet.builder()
                .setBackbone(new Handed("test-24", s -> new ConvNet(new int[] {4}, 24).newBlock(s)))
                .setInputShape(3, 20, 16).build();
        assertEquals(24, net.getEmbeddingSize());
        assertArrayEquals(new Shape[] {new Shape(5, 24)}, net.getOutputShapes(new Shape[] {new Shape(5, 3, 20, 16)}));
        assertEquals(64, EmbeddingNet.builder().setBackbone(ConvNet.small(64)).setInputShape(1, 28, 28).build()
                .getEmbeddingSize());
        // a flatten and a linear layer: the size is the layer's units whatever the input
        EmbeddingNet flat = EmbeddingNet.builder().setBackbone(new Handed("test-flat", s -> new SequentialBlock()
                .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(5).build()))).setInputShape(1, 4, 4).build();
        assertEquals(5, flat.getEmbeddingSize());
    }

    /** A linear map of the flattened image that does not report its output shape. */
    static final class Silent extends AbstractBlock {
        private final Block linear;

        Silent(int units) {
            linear = addChildBlock("linear", new SequentialBlock().add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(units).build()));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            return linear.forward(ps, inputs, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            throw new UnsupportedOperationException("not known before loading");
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            linear.initialize(manager, dataType, inputShapes);
        }
    }

    @Test
    void aBlockThatCannotReportItsShapeIsMeasuredOnceInitialized() {
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(new Handed("test-silent", s -> new Silent(6)))
                .setInputShape(1, 4, 4).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, net::getEmbeddingSize);
        assertEquals("The block of backbone Handed[type=test-silent, blocks=" + ((Handed) net.getBackbone()).blocks()
                + "] does not report its output shape, so the embedding size is known once the network is initialized.",
                e.getMessage());
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager);
            assertEquals(6, net.getEmbeddingSize());
            assertArrayEquals(new Shape[] {new Shape(3, 6)}, net.getOutputShapes(new Shape[] {new Shape(3, 1, 4, 4)}));
        }
    }

    @Test
    void aBlockThatDoesNotOutputEmbeddingsIsRefused() {
        // a ConvNet without its pooling and projection: (1, 4, 28, 28) feature maps
        Handed maps = new Handed("test-maps", s -> new ConvNet(new int[] {4}, 8).newBlock(s).getChildren().valueAt(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingNet.builder().setBackbone(maps).setInputShape(1, 28, 28).build());
        assertEquals("The block of backbone " + maps + " maps input (1, 1, 28, 28) to (1, 4, 28, 28); an embedding"
                + " network needs (1, embedding size).", e.getMessage());
        Handed none = new Handed("test-none", s -> null);
        e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingNet.builder().setBackbone(none).setInputShape(1, 28, 28).build());
        assertEquals("Backbone " + none + " returned no block.", e.getMessage());
    }

    @Test
    void convNetTakesOnlyImageShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvNet.small(8).newBlock(new Shape(28, 28)));
        assertEquals("A ConvNet takes images of shape (C, H, W) with positive sizes, got (28, 28).", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConvNet.small(8).newBlock(new Shape(1, 0, 28)));
        assertEquals("A ConvNet takes images of shape (C, H, W) with positive sizes, got (1, 0, 28).", e.getMessage());
    }
}
