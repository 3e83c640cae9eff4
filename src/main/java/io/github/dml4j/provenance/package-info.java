/**
 * Records of how a model was trained, immutable and shared by the trainer, the model card and
 * the plots without either depending on the other: {@link io.github.dml4j.provenance.TrainingSettings}
 * (what the trainer was set to, with {@link io.github.dml4j.provenance.SamplingSettings}), the
 * per-epoch {@link io.github.dml4j.provenance.TrainingHistory} of a run, and the
 * {@link io.github.dml4j.provenance.TrainingProvenance} a model card stores: data, settings,
 * losses, time and metrics, as Tribuo records a model's provenance.
 */
package io.github.dml4j.provenance;
