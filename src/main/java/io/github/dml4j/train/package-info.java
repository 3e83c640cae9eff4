/**
 * The training loop: {@link io.github.dml4j.train.MetricTrainer} trains a head with Adam, SGD or
 * {@link io.github.dml4j.train.RmsProp} (defaults: Adam, lr 1e-3, batch 128, m 16, 5 epochs,
 * seed 0) on the batches of a {@link io.github.dml4j.train.BatchSource}:
 * {@link io.github.dml4j.train.ClassBatches} (P x K images for in-batch mining),
 * {@link io.github.dml4j.train.PairBatches} (explicit pairs) or
 * {@link io.github.dml4j.train.TripletBatches} (explicit triplets). It notifies DJL training
 * listeners, writes {@link io.github.dml4j.train.Checkpoints}, stops on a non-finite loss with
 * {@link io.github.dml4j.train.TrainingDivergedException}, and returns a
 * {@link io.github.dml4j.train.TrainingHistory}.
 */
package io.github.dml4j.train;
