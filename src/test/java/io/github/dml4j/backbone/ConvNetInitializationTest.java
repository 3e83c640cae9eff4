package io.github.dml4j.backbone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * ConvNet-S initializes exactly as it always has for a seed, so that the benchmark's figures do
 * not move: weights Xavier-uniform on the fan-in (PyTorch's default for convolutions and linear
 * layers), biases uniform in +-1/sqrt(fan_in), batch norm at one and zero.
 */
class ConvNetInitializationTest {

    /**
     * Per parameter: the sum of squares, the first and the last value after
     * {@code setRandomSeed(0)} and {@code initialize}, recorded for 1-channel 28x28 input.
     */
    private static final Object[][] GREY = {
            {"01backbone_01Conv2d_weight", 10.514821921094011, -0.002495607f, 0.098185144f},
            {"01backbone_01Conv2d_bias", 0.6589275832454781, -0.0762254f, 0.026125949f},
            {"01backbone_02BatchNorm_gamma", 32.0, 1f, 1f},
            {"01backbone_02BatchNorm_beta", 0.0, 0f, 0f},
            {"01backbone_02BatchNorm_runningMean", 0.0, 0f, 0f},
            {"01backbone_02BatchNorm_runningVar", 32.0, 1f, 1f},
            {"01backbone_05Conv2d_weight", 21.33073483565011, 0.004922141f, -0.023276644f},
            {"01backbone_05Conv2d_bias", 0.07104084778200066, 0.0059283827f, 0.032668002f},
            {"01backbone_06BatchNorm_gamma", 64.0, 1f, 1f},
            {"01backbone_06BatchNorm_beta", 0.0, 0f, 0f},
            {"01backbone_06BatchNorm_runningMean", 0.0, 0f, 0f},
            {"01backbone_06BatchNorm_runningVar", 64.0, 1f, 1f},
            {"01backbone_09Conv2d_weight", 42.485247839643584, -0.016404834f, 0.014516438f},
            {"01backbone_09Conv2d_bias", 0.07208123343610101, 0.0070574037f, 6.303191E-5f},
            {"01backbone_10BatchNorm_gamma", 128.0, 1f, 1f},
            {"01backbone_10BatchNorm_beta", 0.0, 0f, 0f},
            {"01backbone_10BatchNorm_runningMean", 0.0, 0f, 0f},
            {"01backbone_10BatchNorm_runningVar", 128.0, 1f, 1f},
            {"01backbone_13Linear_weight", 21.420497012547695, 0.042734575f, -0.052997995f},
            {"01backbone_13Linear_bias", 0.17171143868663236, -0.05437609f, -0.015605998f},
    };

    /** The same for 3-channel 28x28 input. */
    private static final Object[][] RGB = {
            {"01backbone_01Conv2d_weight", 10.801736182431652, -0.0014408393f, -0.012822309f},
            {"01backbone_01Conv2d_bias", 0.41897363390848874, 0.18943822f, 0.08872291f},
            {"01backbone_02BatchNorm_gamma", 32.0, 1f, 1f},
            {"01backbone_02BatchNorm_beta", 0.0, 0f, 0f},
            {"01backbone_02BatchNorm_runningMean", 0.0, 0f, 0f},
            {"01backbone_02BatchNorm_runningVar", 32.0, 1f, 1f},
            {"01backbone_05Conv2d_weight", 21.29030033827626, -0.05223679f, -0.027373219f},
            {"01backbone_05Conv2d_bias", 0.07195071823153162, -0.008170827f, 0.03491563f},
            {"01backbone_06BatchNorm_gamma", 64.0, 1f, 1f},
            {"01backbone_06BatchNorm_beta", 0.0, 0f, 0f},
            {"01backbone_06BatchNorm_runningMean", 0.0, 0f, 0f},
            {"01backbone_06BatchNorm_runningVar", 64.0, 1f, 1f},
            {"01backbone_09Conv2d_weight", 42.47757650146674, 0.02393654f, 0.0037523012f},
            {"01backbone_09Conv2d_bias", 0.07879933595614556, -0.016633391f, -0.017359182f},
            {"01backbone_10BatchNorm_gamma", 128.0, 1f, 1f},
            {"01backbone_10BatchNorm_beta", 0.0, 0f, 0f},
            {"01backbone_10BatchNorm_runningMean", 0.0, 0f, 0f},
            {"01backbone_10BatchNorm_runningVar", 128.0, 1f, 1f},
            {"01backbone_13Linear_weight", 21.355968445795185, 0.08802623f, -0.00928159f},
            {"01backbone_13Linear_bias", 0.17790426163185236, 0.07337762f, 0.08668512f},
    };

    private static EmbeddingNet convNetS(int channels) {
        return EmbeddingNet.builder().setBackbone(ConvNet.small(64)).setInputShape(channels, 28, 28).build();
    }

    /** Parameter name -> all its values, after seeding the engine with 0 and initializing. */
    private static Map<String, float[]> initialized(Block block, Shape input) {
        Map<String, float[]> values = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(0);
            block.initialize(manager, DataType.FLOAT32, input);
            for (Pair<String, Parameter> p : block.getParameters()) {
                values.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
        }
        return values;
    }

    /**
     * Checks the recorded checksums. Another engine build may round the last bit of a random
     * value differently, so values are compared to a relative 1e-6: a change of initializer,
     * of its scale or of the order in which parameters draw from the generator moves them by far
     * more. {@link #sameValuesAsTheRecipeOfTheBenchmarkBitForBit} compares bits.
     */
    private static void assertRecorded(Object[][] recorded, Map<String, float[]> values) {
        assertEquals(recorded.length, values.size(), "parameters: " + values.keySet());
        List<String> names = new ArrayList<>();
        for (Object[] r : recorded) {
            names.add((String) r[0]);
        }
        assertEquals(names, List.copyOf(values.keySet()));
        for (Object[] r : recorded) {
            String name = (String) r[0];
            float[] v = values.get(name);
            double sumOfSquares = 0;
            for (float f : v) {
                sumOfSquares += (double) f * f;
            }
            double expected = (double) r[1];
            assertEquals(expected, sumOfSquares, 1e-6 * Math.max(expected, 1e-3), name + " sum of squares");
            assertEquals((float) r[2], v[0], 1e-6f * Math.abs((float) r[2]), name + " first value");
            assertEquals((float) r[3], v[v.length - 1], 1e-6f * Math.abs((float) r[3]), name + " last value");
        }
    }

    @Test
    void convNetSInitializesAsRecordedForOneChannel() {
        EmbeddingNet net = convNetS(1);
        assertRecorded(GREY, initialized(net, net.batchInputShape(1)));
    }

    @Test
    void convNetSInitializesAsRecordedForThreeChannels() {
        EmbeddingNet net = convNetS(3);
        assertRecorded(RGB, initialized(net, net.batchInputShape(1)));
    }

    /**
     * The benchmark's ConvNet-S written out layer by layer with the initializers set from outside,
     * as the network was first built: the same values, bit for bit, on any engine build.
     */
    @Test
    void sameValuesAsTheRecipeOfTheBenchmarkBitForBit() {
        for (int channels : new int[] {1, 3}) {
            EmbeddingNet net = convNetS(channels);
            Map<String, float[]> actual = initialized(net, net.batchInputShape(1));
            Map<String, float[]> expected = initialized(recipe(channels), net.batchInputShape(1));
            assertEquals(expected.size(), actual.size());
            for (Map.Entry<String, float[]> e : expected.entrySet()) {
                float[] a = actual.get("01backbone_" + e.getKey());
                assertArrayEquals(e.getValue(), a, 0f, e.getKey());
            }
        }
    }

    private static Block recipe(int inputChannels) {
        int[] channels = {32, 64, 128};
        SequentialBlock net = new SequentialBlock();
        int in = inputChannels;
        for (int i = 0; i < channels.length; i++) {
            Block conv = Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                    .setFilters(channels[i]).build();
            conv.setInitializer(new UniformInitializer((float) (1 / Math.sqrt(in * 9))), Parameter.Type.BIAS);
            net.add(conv).add(BatchNorm.builder().build()).add(Activation.reluBlock());
            if (i < channels.length - 1) {
                net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
            }
            in = channels[i];
        }
        net.add(Pool.globalAvgPool2dBlock());
        Block projection = Linear.builder().setUnits(64).build();
        projection.setInitializer(new UniformInitializer((float) (1 / Math.sqrt(128))), Parameter.Type.BIAS);
        net.add(projection);
        net.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN,
                1f), Parameter.Type.WEIGHT);
        return net;
    }
}
