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
     * Reads the model card in {@code modelPath}, checks the parameter file against it as
     * {@link ModelDirectory#read(Path)} does (its header, and its size and SHA-256 if the card
     * records them; a card that does not is checked by loading the model once), and builds the
     * uninitialized network it describes.
     *
     * @throws ModelLoadException naming the file if the card or the parameter file is missing or
     *     invalid, or the parameter file is truncated or changed since the model was saved
     */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
        return ModelDirectory.criteriaNet(modelPath, model.getNDManager().getDevice());
    }
}
