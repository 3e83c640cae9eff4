/**
 * The training loop: {@link io.github.dml4j.train.MetricTrainer} trains a head on labelled
 * images with an M-per-class sampler and Adam, SGD or RMSprop (defaults: Adam, lr 1e-3,
 * batch 128, m 16, 5 epochs, seed 0), notifying DJL training listeners and returning a
 * {@link io.github.dml4j.train.TrainingHistory}.
 */
package io.github.dml4j.train;
