/**
 * Attribute recognition on embeddings: reading face attributes (glasses, beard, smile, hair
 * colour, an age group...) off the embeddings of an identity model.
 *
 * <p><b>Probes</b> ({@link io.github.dml4j.attributes.AttributeProbe}): a small classifier per
 * attribute trained on frozen embeddings, as FaceNet/ArcFace embeddings are reused and as the
 * CelebA paper (Liu et al. 2015, "Deep Learning Face Attributes in the Wild") reads attributes off
 * identity features: logistic regression for a binary attribute, softmax regression for a
 * categorical one, optionally a one-hidden-layer MLP; scikit-learn's {@code LogisticRegression}
 * objective (L2, C 1.0, intercept) with balanced class weights by default, so that rare
 * attributes are not learnt as always absent. {@link io.github.dml4j.attributes.AttributeProbes}
 * cross-validates every attribute of a table with folds split by identity, never by image, and
 * fits an {@link io.github.dml4j.attributes.AttributeClassifier} for new images, which saves
 * beside an exported model.
 *
 * <p><b>Multi-task head</b> ({@link io.github.dml4j.attributes.AttributeHead}): the other way,
 * attributes learnt together with the identity: one linear layer on the exported embedding whose
 * binary / softmax cross-entropies (masked where a label is missing, weighted per task, optionally
 * balanced per class) are added to a metric loss in {@code head.MetricHead}; it exports as an
 * {@link io.github.dml4j.attributes.AttributeClassifier} of source {@code multitask}.
 *
 * <p><b>Metrics</b> ({@link io.github.dml4j.attributes.AttributeMetrics},
 * {@link io.github.dml4j.attributes.AttributeReport}): per attribute accuracy, balanced accuracy,
 * ROC AUC (binary) and macro-F1 (categorical), with scikit-learn's definitions, and their means.
 */
package io.github.dml4j.attributes;
