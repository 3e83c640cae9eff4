/**
 * The training loop: {@link io.github.dml4j.train.MetricTrainer} trains a head with Adam, SGD,
 * {@link io.github.dml4j.train.RmsProp} or any DJL optimizer made by an
 * {@link io.github.dml4j.train.OptimizerFactory} (defaults: Adam, lr 1e-3, 5 epochs, seed 0, the
 * engine's devices), every parameter group at its own learning-rate multiplier, on the batches of
 * a {@link io.github.dml4j.train.BatchSource}, which owns the sampling (defaults of
 * {@link io.github.dml4j.train.ClassBatches}: batch 128, m 16):
 * {@link io.github.dml4j.train.ClassBatches} (P x K images for in-batch mining),
 * {@link io.github.dml4j.train.PairBatches} (explicit pairs) or
 * {@link io.github.dml4j.train.TripletBatches} (explicit triplets). It notifies DJL training
 * listeners ({@link io.github.dml4j.train.TrainingProgress} by default), writes
 * {@link io.github.dml4j.train.Checkpoints} of the head (network and loss parameters), stops on a
 * non-finite loss with {@link io.github.dml4j.train.TrainingDivergedException}, and returns a
 * {@link io.github.dml4j.provenance.TrainingHistory} with the run's settings.
 */
package io.github.dml4j.train;
