package io.github.dml4j.inference;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A DJL {@link BlockFactory} that rebuilds the {@link io.github.dml4j.backbone.EmbeddingNet} of
 * a saved model from the {@code model-card.json} in its directory, so that DJL can load the
 * parameters into it. DJL creates it by class name:
 *
 * <pre>{@code
 * Criteria.builder().setTypes(Image.class, float[].class)
 *         .optModelPath(dir).optModelName("embedding")
 *         .optArgument("blockFactory", EmbeddingNetBlockFactory.class.getName())
 *         .optTranslatorFactory(new EmbeddingTranslatorFactory())
 *         .build();
 * }</pre>
 *
 * <p>Each call builds a new block, so each loaded model owns its parameters.
 */
public final class EmbeddingNetBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** Creates the factory; DJL calls this public no-argument constructor. */
    public EmbeddingNetBlockFactory() {}

    /**
     * Reads the model card in {@code modelPath} and builds the uninitialized network it describes.
     *
     * @throws ModelLoadException naming the card if it is missing or invalid
     */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
        Path card = modelPath.resolve(ModelCard.FILE_NAME);
        ModelCard c = ModelCard.read(card);
        try {
            return c.newNet();
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(card, "The model card " + card + " describes no valid network: "
                    + e.getMessage(), e);
        }
    }
}
