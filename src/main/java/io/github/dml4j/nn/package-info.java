/**
 * What networks and losses share for training: {@link io.github.dml4j.nn.ParameterGroup}, a named
 * set of parameters with its own learning-rate multiplier, which the embedding network (for its
 * parts) and the losses that own parameters (class weights, proxies, centres) declare and the
 * trainer applies under any optimizer; and {@link io.github.dml4j.nn.GraphScalars}, arithmetic with
 * a number whose backward keeps the number alive, for the forward passes of networks and losses.
 */
package io.github.dml4j.nn;
