/**
 * Shared networks that end in an embedding.
 *
 * <p>A {@link io.github.dml4j.backbone.Backbone} is an immutable description of a network that a
 * model card can store, from which the same block can be had again for an input shape
 * (C, H, W). Its block either initializes itself, or arrives with its weights (for example
 * pretrained ones), which every later initialization keeps: DJL initializes only parameters
 * that hold no array. {@link io.github.dml4j.backbone.ConvNet} is a small configurable CNN, the
 * benchmark's ConvNet-S by default, that initializes itself as PyTorch does (weights and biases
 * uniform in +-1/sqrt(fan_in)).
 *
 * <p>{@link io.github.dml4j.backbone.EmbeddingNet} is a backbone's block, optionally followed by
 * L2 normalization, together with the input shape and pixel normalization it expects: the network
 * every head trains and the only one exported. Its embedding size is what the block outputs for
 * the input shape. By default embeddings are not normalized, pixels are only scaled to [0, 1],
 * and every parameter trains at the trainer's learning rate. The blocks inside it that hold
 * parameters are its parts ({@code "backbone"}, {@code "backbone/01Conv2d"}, ...): a part can be
 * frozen, so that no optimizer step changes it, or train at its own multiple of the learning
 * rate, as a parameter group of its own.
 */
package io.github.dml4j.backbone;
