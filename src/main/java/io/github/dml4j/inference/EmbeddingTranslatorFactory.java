package io.github.dml4j.inference;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;

import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A DJL {@link TranslatorFactory} that makes the {@link EmbeddingTranslator} of a saved model
 * from the {@code model-card.json} in the model's directory. It supports {@link Image} in and
 * {@code float[]} (the embedding) out; use it with
 * {@code Criteria.Builder.optTranslatorFactory(new EmbeddingTranslatorFactory())}.
 */
public final class EmbeddingTranslatorFactory implements TranslatorFactory {

    private static final Set<Pair<Type, Type>> SUPPORTED = Set.of(new Pair<>(Image.class, float[].class));

    /** Creates the factory; DJL may call this public no-argument constructor. */
    public EmbeddingTranslatorFactory() {}

    /** Image to {@code float[]}. */
    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return SUPPORTED;
    }

    /**
     * Reads the card in {@code model.getModelPath()} and returns its translator.
     *
     * @throws TranslateException if the types are not Image to float[] or the card cannot be read
     */
    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (!isSupported(input, output)) {
            throw new TranslateException("EmbeddingTranslatorFactory translates Image to float[], not "
                    + input.getName() + " to " + output.getName() + ".");
        }
        Path dir = model.getModelPath();
        if (dir == null) {
            throw new TranslateException("The model has no directory to read " + ModelCard.FILE_NAME + " from.");
        }
        try {
            return (Translator<I, O>) EmbeddingTranslator.of(ModelCard.read(dir.resolve(ModelCard.FILE_NAME)));
        } catch (ModelLoadException | IllegalArgumentException e) {
            throw new TranslateException(e.getMessage(), e);
        }
    }
}
