package io.github.dml4j.backbone;

import ai.djl.nn.Block;

/**
 * An immutable description of a backbone network from which an identical, untrained block can
 * be built again. It is what the model card stores, so that a saved model can be rebuilt and
 * its parameters loaded.
 */
public interface BackboneConfig {

    /** A stable type name, stored in the model card, for example {@code "convnet"}. */
    String type();

    /** Length of the embedding the backbone outputs. */
    int embeddingSize();

    /** Builds a new, uninitialized block of this architecture. */
    Block newBlock();

    /**
     * Builds a new, uninitialized block for inputs with {@code inputChannels} channels; a
     * backbone whose initialization depends on its input (fan-in) overrides this.
     */
    default Block newBlock(int inputChannels) {
        return newBlock();
    }
}
