package io.github.dml4j.inference;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.github.dml4j.attributes.AttributeClassifier;
import java.util.Map;
import java.util.Objects;

/**
 * A DJL {@link Translator} from an image to its named attribute probabilities: the image is
 * prepared as {@link EmbeddingTranslator} prepares it, embedded by the model, and the embedding
 * is read by an {@link AttributeClassifier} (attribute name to category name to probability).
 * {@link EmbeddingModel#attributeCriteria(java.nio.file.Path)} builds DJL {@code Criteria} with it.
 */
public final class AttributeTranslator implements Translator<Image, Map<String, Map<String, Float>>> {

    private final EmbeddingTranslator embedding;
    private final AttributeClassifier classifier;

    /**
     * A translator for a model's images and its attribute classifier.
     *
     * @param embedding how the model prepares images
     * @param classifier the attribute classifier on the model's embeddings
     */
    public AttributeTranslator(EmbeddingTranslator embedding, AttributeClassifier classifier) {
        this.embedding = Objects.requireNonNull(embedding, "embedding");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image image) {
        return embedding.processInput(ctx, image);
    }

    @Override
    public Map<String, Map<String, Float>> processOutput(TranslatorContext ctx, NDList list) {
        return classifier.probabilities(embedding.processOutput(ctx, list));
    }

    @Override
    public Batchifier getBatchifier() {
        return embedding.getBatchifier();
    }

    /** The classifier. */
    public AttributeClassifier getClassifier() {
        return classifier;
    }
}
