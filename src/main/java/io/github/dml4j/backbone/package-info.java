/**
 * Shared networks that end in an embedding. {@link io.github.dml4j.backbone.ConvNet} is a small
 * configurable CNN (the benchmark's ConvNet-S by default);
 * {@link io.github.dml4j.backbone.EmbeddingNet} is backbone + optional L2 normalization plus
 * the input shape and pixel normalization it expects: the network every head trains and the
 * only one exported.
 */
package io.github.dml4j.backbone;
