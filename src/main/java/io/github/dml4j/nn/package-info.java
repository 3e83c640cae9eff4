/**
 * What networks and losses share for training: {@link io.github.dml4j.nn.ParameterGroup}, a named
 * set of parameters with its own learning-rate multiplier, which the embedding network (for its
 * parts) and the losses that own parameters (class weights, proxies, centres) declare and the
 * trainer applies under any optimizer.
 */
package io.github.dml4j.nn;
