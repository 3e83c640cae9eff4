package io.github.dml4j.backbone;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.initializer.XavierInitializer;

/**
 * PyTorch's default initialization of a convolution or linear layer, for the backbones built
 * here: weights uniform in +-sqrt(1 / fan-in) (Xavier, fan-in, magnitude 1), biases uniform in
 * +-1 / sqrt(fan-in).
 */
final class TorchInit {

    private TorchInit() {}

    /** Sets PyTorch's default initializers on {@code block}, whose inputs per output are {@code fanIn}. */
    static <B extends Block> B torchDefault(B block, long fanIn) {
        block.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN,
                1f), Parameter.Type.WEIGHT);
        block.setInitializer(new UniformInitializer((float) (1 / Math.sqrt(fanIn))), Parameter.Type.BIAS);
        return block;
    }
}
