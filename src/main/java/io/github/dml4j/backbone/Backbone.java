package io.github.dml4j.backbone;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;

/**
 * The network an {@link EmbeddingNet} is built on: an immutable description from which the same
 * block can be had again, so that a model card can store it and a saved model be rebuilt before
 * its parameters are loaded.
 *
 * <p>A backbone hands over its block in one of two ways:
 *
 * <ul>
 *   <li>it builds a new block and sets the initializer of every parameter itself, as
 *       {@link ConvNet} does (a parameter with no initializer of its own gets DJL's default for
 *       its type); {@link EmbeddingNet} never sets an initializer on it;</li>
 *   <li>or it hands over a block whose parameters arrive with their weights, for example
 *       pretrained ones. DJL initializes only parameters that hold no array, so initializing the
 *       network, a head or a trainer keeps them, and fills in any part that arrives without
 *       weights. Their arrays stay with the manager they were made in, which must stay open as
 *       long as the network is used.</li>
 * </ul>
 *
 * <p>The embedding length is not part of the description: {@link EmbeddingNet} asks the block
 * for its output shape, which must be (batch, embedding size). To be saved in a model card a
 * backbone type is registered in {@code io.github.dml4j.inference.BackboneRegistry}; the
 * parameters saved with the model replace whatever the rebuilt block arrives with.
 */
public interface Backbone {

    /** A stable type name, stored in the model card, for example {@code "convnet"}. */
    String type();

    /**
     * Returns the backbone's block for images of {@code inputShape}: a new block with the
     * initializers of its parameters set, or a block whose parameters already hold their
     * weights. Each call returns a block of its own, so two networks never share parameters
     * unless the backbone means them to.
     *
     * @param inputShape the shape of one image, (C, H, W)
     * @return a block that maps (B, C, H, W) to (B, embedding size)
     * @throws IllegalArgumentException if the backbone cannot take images of that shape
     */
    Block newBlock(Shape inputShape);
}
