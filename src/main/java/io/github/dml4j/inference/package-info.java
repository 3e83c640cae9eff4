/**
 * Using a trained embedding network: save it with its model card, load it back, embed images
 * (with DJL's own {@code Criteria}/{@code Predictor} API or without it), verify and identify.
 *
 * <ul>
 *   <li>{@link io.github.dml4j.inference.EmbeddingModel}, the embedder, wraps a trained
 *       {@link io.github.dml4j.backbone.EmbeddingNet} ({@code of}) or a saved one ({@code load}).
 *       {@code embed} takes DJL {@code Image}s or labelled image sets, in batches of 256, and may
 *       be called from many threads; {@code score} compares two embeddings on the card's
 *       distance; {@code withCalibration} returns a new model whose card holds a threshold.</li>
 *   <li>{@link io.github.dml4j.inference.ModelDirectory} reads and writes a model directory:
 *       {@code embedding-0000.params} (DJL's parameter format) and {@code model-card.json}.</li>
 *   <li>{@link io.github.dml4j.inference.Verifier} decides same/different at a threshold (the
 *       card's calibrated one by default); {@link io.github.dml4j.inference.Gallery} identifies
 *       probes against enrolled identities, open-set.</li>
 *   <li>{@link io.github.dml4j.inference.ModelCard} is the immutable, JSON-serialized description
 *       of a model: format version (1), library and engine versions, architecture, input (size,
 *       grayscale or RGB, pixel normalization), distance (default {@code cosine} for normalized
 *       embeddings, else {@code l2}), calibrated threshold (none by default) and
 *       {@link io.github.dml4j.provenance.TrainingProvenance} (data fingerprint, head, optimizer,
 *       seed, losses, time, metrics), as Tribuo's model provenance; a saved card also records
 *       the parameter file's size and SHA-256, which loading checks.</li>
 *   <li>{@link io.github.dml4j.inference.BackboneRegistry} rebuilds backbones from the card by type
 *       name ({@code convnet} built in; others register).</li>
 *   <li>{@link io.github.dml4j.inference.EmbeddingTranslator},
 *       {@link io.github.dml4j.inference.EmbeddingTranslatorFactory} and
 *       {@link io.github.dml4j.inference.EmbeddingNetBlockFactory} make a model directory load
 *       with DJL's {@code Criteria}, see {@link io.github.dml4j.inference.ModelDirectory#criteria}.</li>
 * </ul>
 *
 * <p>A model may carry an {@code attributes.AttributeClassifier} (probes on its embeddings), saved
 * beside the card as {@code attributes.json} with the attributes, their kinds, categories and
 * thresholds: {@link io.github.dml4j.inference.EmbeddingModel#attributes(ai.djl.modality.cv.Image)}
 * answers named probabilities, and
 * {@link io.github.dml4j.inference.EmbeddingModel#attributeCriteria(java.nio.file.Path)} gives DJL
 * {@code Criteria} whose predictors ({@link io.github.dml4j.inference.AttributeTranslator}) do.
 *
 * <p>Loading checks everything it can and fails with a
 * {@link io.github.dml4j.inference.ModelLoadException} naming the file and the problem; it never
 * changes the directory. A model saved by an earlier DML4J version must still load: a committed
 * model under {@code src/test/resources/models} guards this.
 */
package io.github.dml4j.inference;
