package io.github.dml4j.inference;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.ndarray.types.Shape;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.PixelNormalization;
import java.nio.ByteBuffer;

import java.util.Objects;

/**
 * A DJL {@link Translator} from an {@link Image} to its embedding, so that a saved model works
 * with DJL's {@code Criteria}, {@code ZooModel} and {@code Predictor} as any DJL model does.
 *
 * <p>Preprocessing follows the model card's {@link ModelCard.Input}: the image is read as grey
 * (one channel; colour images become {@code round(0.299 R + 0.587 G + 0.114 B)}, as DJL's
 * {@code Image.Flag.GRAYSCALE} does) or RGB (three channels), resized to the card's width and
 * height if its size differs (DJL's {@code NDImageUtils.resize}: bilinear, and on the PyTorch
 * engine antialiased when shrinking, as PIL does; no cropping, so the aspect ratio may change),
 * transposed to (C, H, W). A card whose input fit is
 * {@link ImagePreprocessing.Fit#RESIZE_AND_CENTER_CROP} (face models trained on an
 * {@code IdentityFolder}) instead prepares images exactly as training did, with
 * {@link ImagePreprocessing}: shorter side resized, centre cut, rounded to bytes. Then the input is
 * scaled to [0, 1] and normalized with the card's mean and std. An image already of the right
 * size is not resampled, so its input is exactly what {@code ImageSource.toNDArray} gives for
 * the same bytes. Images are stacked into batches ({@link Batchifier#STACK}).
 *
 * <p>Instances are immutable and may be shared by many predictors and threads.
 */
public final class EmbeddingTranslator implements Translator<Image, float[]> {

    private final ModelCard.Input input;
    private final PixelNormalization normalization;
    private final Image.Flag flag;
    private final ImagePreprocessing preprocessing;

    /**
     * Creates a translator for the given input description.
     *
     * @throws IllegalArgumentException if the input is neither grayscale nor RGB
     */
    public EmbeddingTranslator(ModelCard.Input input) {
        this.input = Objects.requireNonNull(input, "input");
        if (input.colour() == null) {
            throw new IllegalArgumentException("Images can only be fed to a grayscale or RGB model; this one takes "
                    + input.channels() + " channels.");
        }
        this.normalization = input.pixelNormalization();
        this.flag = input.colour().imageFlag();
        this.preprocessing = input.preprocessing();
    }

    /** Creates a translator for the input of the model described by {@code card}. */
    public static EmbeddingTranslator of(ModelCard card) {
        return new EmbeddingTranslator(card.input());
    }

    /** The input description this translator prepares images for. */
    public ModelCard.Input getInput() {
        return input;
    }

    /**
     * Converts one image to the network's input: a float32 (C, H, W) array in {@code manager}.
     */
    public NDArray toInput(NDManager manager, Image image) {
        Objects.requireNonNull(image, "image");
        if (input.fit() == ImagePreprocessing.Fit.RESIZE_AND_CENTER_CROP) {
            byte[] chw = preprocessing.apply(image, manager);
            NDArray raw = manager.create(ByteBuffer.wrap(chw), new Shape(input.channels(), input.height(), input.width()),
                    DataType.UINT8);
            return normalization.apply(raw);
        }
        NDArray hwc = image.toNDArray(manager, flag);
        if (image.getWidth() != input.width() || image.getHeight() != input.height()) {
            hwc = NDImageUtils.resize(hwc.toType(DataType.FLOAT32, false), input.width(), input.height());
        }
        return normalization.apply(hwc.transpose(2, 0, 1));
    }

    /** Converts the image to the network's (C, H, W) input. */
    @Override
    public NDList processInput(TranslatorContext ctx, Image image) {
        return new NDList(toInput(ctx.getNDManager(), image));
    }

    /** Returns the embedding as a Java array. */
    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        return list.singletonOrThrow().toFloatArray();
    }

    /** Stacks images into a batch. */
    @Override
    public Batchifier getBatchifier() {
        return Batchifier.STACK;
    }
}
