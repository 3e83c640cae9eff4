/**
 * The training loop: {@link io.github.dml4j.train.MetricTrainer} trains a head with Adam, AdamW,
 * SGD or RMSprop (each a {@link io.github.dml4j.train.ResumableOptimizer} whose state goes into
 * checkpoints) or any DJL optimizer made by an {@link io.github.dml4j.train.OptimizerFactory}
 * (defaults: Adam, lr 1e-3, 5 epochs, seed 0, the engine's devices), every parameter group at its
 * own learning-rate multiplier, optionally on a schedule
 * ({@link io.github.dml4j.train.LearningRateSchedules}) and with gradients clipped to a global
 * norm, on the batches of a {@link io.github.dml4j.train.BatchSource}, which owns the sampling
 * (defaults of {@link io.github.dml4j.train.ClassBatches}: batch 128, m 16):
 * {@link io.github.dml4j.train.ClassBatches} (P x K images for in-batch mining),
 * {@link io.github.dml4j.train.PairBatches} (explicit pairs) or
 * {@link io.github.dml4j.train.TripletBatches} (explicit triplets). It notifies DJL training
 * listeners ({@link io.github.dml4j.train.TrainingProgress} by default), evaluates a
 * {@link io.github.dml4j.train.Validation} every N epochs (best-model selection, early stopping),
 * writes {@link io.github.dml4j.train.TrainingCheckpoints} a crashed run resumes from exactly,
 * stops on a non-finite loss with {@link io.github.dml4j.train.TrainingDivergedException}, and
 * returns a {@link io.github.dml4j.provenance.TrainingHistory} with the run's settings.
 */
package io.github.dml4j.train;
