package io.github.dml4j.inference;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.training.ParameterStore;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import io.github.dml4j.attributes.AttributeClassifier;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ImageSource;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.eval.ThresholdCalibration;
import io.github.dml4j.provenance.TrainingProvenance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A trained embedding network ready for use, the embedder: a DJL {@link Model} whose block is an
 * {@link EmbeddingNet}, together with its immutable {@link ModelCard}. It embeds images, DJL
 * {@link Image}s or labelled image sets, and scores pairs of embeddings on the card's distance
 * (higher = more similar). Deciding same/different is a {@link Verifier}'s job; reading and
 * writing model directories is {@link ModelDirectory}'s, which {@link #load}, {@link #save} and
 * {@link #criteria} call.
 *
 * <p>{@link #withCalibration} returns a new model with a calibrated threshold in its card; the
 * two share the network and its parameters, and each must be closed: the DJL model is closed with
 * the last of them.
 *
 * <p>Thread safety: the {@code embed} methods may be called from many threads at once. DJL
 * predictors are not thread-safe, so each call to {@link #embed(List)} creates its own
 * {@link Predictor} (cheap: it shares the model's parameters) and closes it; the other
 * {@code embed} methods run the network directly with a parameter store of their own. Closing
 * the model while another thread embeds is not supported.
 *
 * <p>Memory: every batch runs in its own sub-manager, closed after the batch, so embedding tens
 * of thousands of images needs memory for one batch plus the result.
 */
public final class EmbeddingModel implements AutoCloseable {

    /** Name of the model, and prefix of its parameter file ({@link ModelDirectory#MODEL_NAME}). */
    public static final String MODEL_NAME = ModelDirectory.MODEL_NAME;

    /** File name of the parameters in a model directory ({@link ModelDirectory#PARAMETER_FILE}). */
    public static final String PARAMETER_FILE = ModelDirectory.PARAMETER_FILE;

    /** Images per forward pass in the batched {@code embed} methods. */
    public static final int BATCH_SIZE = 256;

    private final SharedModel shared;
    private final EmbeddingNet net;
    private final ModelCard card;
    private final Distance distance;
    private final EmbeddingTranslator translator;
    private final AttributeClassifier attributes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddingModel(SharedModel shared, EmbeddingNet net, ModelCard card) {
        this(shared, net, card, null);
    }

    private EmbeddingModel(SharedModel shared, EmbeddingNet net, ModelCard card, AttributeClassifier attributes) {
        this.shared = shared;
        this.net = net;
        this.card = card;
        this.distance = Distance.named(card.distance());
        this.translator = card.input().colour() == null ? null : EmbeddingTranslator.of(card);
        this.attributes = attributes;
    }

    /** A model around a DJL model of its own, which it closes; for {@link ModelDirectory}. */
    static EmbeddingModel wrap(Model model, EmbeddingNet net, ModelCard card) {
        return new EmbeddingModel(new SharedModel(model), net, card);
    }

    /** As {@link #wrap(Model, EmbeddingNet, ModelCard)}, with the attribute classifier saved beside it (or null). */
    static EmbeddingModel wrap(Model model, EmbeddingNet net, ModelCard card, AttributeClassifier attributes) {
        return new EmbeddingModel(new SharedModel(model), net, card, attributes);
    }

    /**
     * Wraps a trained network, described by {@link ModelCard#describe(EmbeddingNet)} without
     * training provenance.
     *
     * @throws IllegalArgumentException if the network is not initialized
     */
    public static EmbeddingModel of(EmbeddingNet trainedNet) {
        return of(trainedNet, ModelCard.describe(trainedNet));
    }

    /**
     * Wraps a trained network, described by {@link ModelCard#describe(EmbeddingNet)} with the
     * given training provenance.
     *
     * @throws IllegalArgumentException if the network is not initialized
     */
    public static EmbeddingModel of(EmbeddingNet trainedNet, TrainingProvenance provenance) {
        return of(trainedNet, ModelCard.describe(trainedNet).withTraining(provenance));
    }

    /**
     * Wraps a trained network and its card. The network's parameters stay where they are (in
     * the manager they were initialized in) and are not closed by {@link #close()}.
     *
     * @throws IllegalArgumentException if the network is not initialized or the card does not
     *     describe it
     */
    public static EmbeddingModel of(EmbeddingNet trainedNet, ModelCard card) {
        Objects.requireNonNull(trainedNet, "trainedNet");
        Objects.requireNonNull(card, "card");
        if (!trainedNet.isInitialized()) {
            throw new IllegalArgumentException(
                    "The network is not initialized: train it, or call net.initialize(manager), before wrapping it.");
        }
        card.checkDescribes(trainedNet);
        PairList<String, Parameter> parameters = trainedNet.getParameters();
        Model model;
        if (parameters.isEmpty()) {
            model = Model.newInstance(MODEL_NAME);
        } else {
            NDArray any = parameters.valueAt(0).getArray();
            model = Model.newInstance(MODEL_NAME, any.getDevice(), any.getManager().getEngine().getEngineName());
        }
        model.setBlock(trainedNet);
        return wrap(model, trainedNet, card);
    }

    /**
     * Loads a model directory written by {@link #save}; see {@link ModelDirectory#read(Path)}.
     *
     * @throws ModelLoadException naming the path and the problem
     * @throws IOException if reading fails otherwise
     */
    public static EmbeddingModel load(Path dir) throws IOException {
        return ModelDirectory.read(dir);
    }

    /**
     * Loads a model directory onto {@code device}; see {@link ModelDirectory#read(Path, Device)}.
     *
     * @throws ModelLoadException naming the path and the problem
     * @throws IOException if reading fails otherwise
     */
    public static EmbeddingModel load(Path dir, Device device) throws IOException {
        return ModelDirectory.read(dir, device);
    }

    /**
     * DJL {@link Criteria} that load a model directory as a {@code ZooModel<Image, float[]>}; see
     * {@link ModelDirectory#criteria(Path)}.
     *
     * @throws ModelLoadException if the directory, card or parameter file is missing or the card invalid
     */
    public static Criteria<Image, float[]> criteria(Path dir) throws IOException {
        return ModelDirectory.criteria(dir);
    }

    /**
     * Saves this model to a model directory; see {@link ModelDirectory#write}.
     *
     * @throws IOException if {@code dir} is a file, a non-empty directory without a model card,
     *     or writing fails
     */
    public void save(Path dir) throws IOException {
        ModelDirectory.write(this, dir);
    }

    /**
     * A new model whose card holds the threshold calibrated on held-out pairs (with how it was
     * chosen), so that a {@link Verifier} and galleries decide with it and {@link #save} writes it.
     * This model is unchanged; the two share the network, and each must be closed.
     *
     * @throws IllegalStateException if this model is closed
     */
    public EmbeddingModel withCalibration(ThresholdCalibration calibration) {
        Objects.requireNonNull(calibration, "calibration");
        checkOpen();
        return new EmbeddingModel(shared.retain(), net, card.withCalibration(calibration), attributes);
    }

    /**
     * A new model with another card for the same network (e.g. another distance, or provenance
     * with the metrics measured after training); the two share the network, and each must be
     * closed.
     *
     * @throws IllegalArgumentException if the card does not describe this model's network
     */
    public EmbeddingModel withCard(ModelCard newCard) {
        Objects.requireNonNull(newCard, "newCard");
        checkOpen();
        newCard.checkDescribes(net);
        // the card keeps listing the attributes this model answers
        ModelCard card = attributes == null || newCard.attributes() != null ? newCard : newCard.withAttributes(attributes);
        return new EmbeddingModel(shared.retain(), net, card, attributes);
    }

    /**
     * A new model that also answers attribute probabilities ({@link #attributes(Image)}) with
     * {@code classifier}, fitted on this model's embeddings (see {@code attributes.AttributeProbes});
     * {@link #save} writes it beside the card as {@value AttributeClassifier#FILE_NAME}, which lists
     * the attributes, their kinds, categories and thresholds, and {@link #load} reads it back; the
     * new model's card lists them too (name, kind, categories, threshold, and source: probes or a
     * multi-task head's attribute layer, {@code attributes.AttributeHead#toClassifier()}). The
     * two models share the network, and each must be closed.
     *
     * @throws IllegalArgumentException if the classifier takes embeddings of another length
     * @throws IllegalStateException if this model is closed
     */
    public EmbeddingModel withAttributes(AttributeClassifier classifier) {
        Objects.requireNonNull(classifier, "classifier");
        checkOpen();
        if (classifier.inputSize() != embeddingSize()) {
            throw new IllegalArgumentException("The attribute classifier takes embeddings of " + classifier.inputSize()
                    + " values, but this model's are " + embeddingSize() + " long.");
        }
        return new EmbeddingModel(shared.retain(), net, card.withAttributes(classifier), classifier);
    }

    /** The attribute classifier on this model's embeddings, if it has one. */
    public Optional<AttributeClassifier> attributeClassifier() {
        return Optional.ofNullable(attributes);
    }

    /**
     * The named attribute probabilities of one image: the image is embedded as by
     * {@link #embed(Image)} and read by the model's attribute classifier.
     *
     * @return attribute name to category name to probability (binary attributes: categories
     *     {@code 0} and {@code 1}, present when the probability of {@code 1} reaches the
     *     attribute's threshold)
     * @throws IllegalStateException if the model has no attribute classifier or is closed
     */
    public Map<String, Map<String, Float>> attributes(Image image) {
        if (attributes == null) {
            throw new IllegalStateException("This model has no attribute classifier: fit one with AttributeProbes and"
                    + " add it with withAttributes, or load a model directory holding " + AttributeClassifier.FILE_NAME
                    + ".");
        }
        return attributes.probabilities(embed(image));
    }

    /**
     * DJL {@link Criteria} that load a model directory with its attribute classifier as a
     * {@code ZooModel<Image, Map<String, Map<String, Float>>>}: predictors answer
     * {@link #attributes(Image)}'s probabilities; see {@link ModelDirectory#attributeCriteria(Path)}.
     *
     * @throws ModelLoadException if the directory, card, parameter file or attribute classifier is
     *     missing or invalid
     */
    public static Criteria<Image, Map<String, Map<String, Float>>> attributeCriteria(Path dir) throws IOException {
        return ModelDirectory.attributeCriteria(dir);
    }

    /**
     * Embeds one image, converted as described by {@link EmbeddingTranslator}.
     *
     * @return the embedding, of length {@link #embeddingSize()}
     * @throws IllegalStateException if the model is closed or embedding fails in the engine
     * @throws IllegalArgumentException if the model does not take grayscale or RGB images
     */
    public float[] embed(Image image) {
        Objects.requireNonNull(image, "image");
        return embed(List.of(image))[0];
    }

    /**
     * Embeds images in batches of {@value #BATCH_SIZE}, with one {@link Predictor} created for
     * this call.
     *
     * @return one embedding per image, in order
     * @throws IllegalStateException if the model is closed or embedding fails in the engine
     * @throws IllegalArgumentException if the model does not take grayscale or RGB images
     */
    public float[][] embed(List<Image> images) {
        checkOpen();
        if (translator == null) {
            throw new IllegalArgumentException("This model takes " + card.input().channels()
                    + "-channel input, not grayscale or RGB images: use embed(NDManager, ImageSource).");
        }
        float[][] result = new float[images.size()][];
        if (images.isEmpty()) {
            return result;
        }
        try (Predictor<Image, float[]> predictor = shared.model().newPredictor(translator)) {
            for (int start = 0; start < images.size(); start += BATCH_SIZE) {
                int end = Math.min(images.size(), start + BATCH_SIZE);
                List<float[]> batch = predictor.batchPredict(images.subList(start, end));
                for (int i = start; i < end; i++) {
                    result[i] = batch.get(i - start);
                }
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("Embedding " + images.size() + " images failed: " + e.getMessage(), e);
        }
        return result;
    }

    /**
     * Embeds a set of images in batches of {@value #BATCH_SIZE}, each in its own sub-manager, and
     * returns the float32 (N, D) embeddings in {@code manager}. Suited to evaluation sets of tens
     * of thousands of images: memory holds one batch plus the result. Each next batch is hinted to
     * {@link ImageSource#prefetch} first, so that a streaming source decodes it while this one is
     * embedded.
     *
     * @throws IllegalArgumentException if the images are not of the card's input shape
     * @throws IllegalStateException if the model is closed
     */
    public NDArray embed(NDManager manager, ImageSource images) {
        return embed(manager, images, false);
    }

    /**
     * Embeds a set of images as {@link #embed(NDManager, ImageSource)}, optionally averaged
     * with the embedding of each image's mirror image (flipped left-right), as face
     * verification evaluations often do; the average is L2-normalized again when the network
     * normalizes its output.
     */
    public NDArray embed(NDManager manager, ImageSource images, boolean flipAverage) {
        checkInputShape(images);
        ModelCard.Input in = card.input();
        int n = images.size();
        int d = embeddingSize();
        float[] out = new float[Math.multiplyExact(n, d)];
        for (int start = 0; start < n; start += BATCH_SIZE) {
            int end = Math.min(n, start + BATCH_SIZE);
            long[] idx = java.util.stream.LongStream.range(start, end).toArray();
            if (end < n) {
                images.prefetch(java.util.stream.LongStream.range(end, Math.min(n, end + BATCH_SIZE)).toArray());
            }
            try (NDManager batch = shared.model().getNDManager().newSubManager()) {
                NDArray x = images.toNDArray(batch, idx, in.pixelNormalization());
                NDArray y = forward(batch, x);
                if (flipAverage) {
                    y = y.add(forward(batch, x.flip(3))).div(2);
                    if (net.isNormalize()) {
                        y = y.normalize(2, 1);
                    }
                }
                System.arraycopy(y.toFloatArray(), 0, out, start * d, (end - start) * d);
            }
        }
        return manager.create(out, new Shape(n, d));
    }

    /**
     * The similarity score of two embeddings under the card's distance, higher = more similar:
     * the cosine similarity for {@code cosine}, minus the Euclidean distance for {@code l2}.
     * It is on the scale of the card's threshold.
     *
     * @throws IllegalArgumentException if an embedding is not of length {@link #embeddingSize()}
     */
    public double score(float[] a, float[] b) {
        checkOpen();
        for (float[] e : new float[][] {a, b}) {
            if (Objects.requireNonNull(e, "embedding").length != embeddingSize()) {
                throw new IllegalArgumentException("An embedding of this model has " + embeddingSize()
                        + " values, got " + e.length + ".");
            }
        }
        try (NDManager scope = shared.model().getNDManager().newSubManager()) {
            NDArray x = scope.create(a, new Shape(1, a.length));
            NDArray y = scope.create(b, new Shape(1, b.length));
            return distance.toScore(distance.paired(x, y)).getFloat(0);
        }
    }

    /** The distance embeddings are compared with, named by the card. */
    public Distance distance() {
        return distance;
    }

    /**
     * Embeds one image given as unsigned bytes in (C, H, W) order, of the card's input shape,
     * exactly as {@link #embed(NDManager, ImageSource)} would.
     *
     * @throws IllegalArgumentException if the length is not channels x height x width
     */
    public float[] embedPixels(byte[] chw) {
        checkOpen();
        ModelCard.Input in = card.input();
        long expected = (long) in.channels() * in.height() * in.width();
        if (chw.length != expected) {
            throw new IllegalArgumentException("Got " + chw.length + " pixel bytes but the model takes "
                    + in.channels() + "x" + in.height() + "x" + in.width() + " = " + expected + ".");
        }
        try (NDManager batch = shared.model().getNDManager().newSubManager()) {
            NDArray raw = batch.create(java.nio.ByteBuffer.wrap(chw), new Shape(1, in.channels(), in.height(), in.width()),
                    DataType.UINT8);
            return forward(batch, in.pixelNormalization().apply(raw)).toFloatArray();
        }
    }

    private void checkInputShape(ImageSource images) {
        checkOpen();
        ModelCard.Input in = card.input();
        if (images.channels() != in.channels() || images.height() != in.height() || images.width() != in.width()) {
            throw new IllegalArgumentException("The images are " + images.channels() + "x" + images.height() + "x"
                    + images.width() + " but the model takes " + in.channels() + "x" + in.height() + "x" + in.width()
                    + " (channels x height x width).");
        }
    }

    private NDArray forward(NDManager manager, NDArray batch) {
        NDList out = net.forward(new ParameterStore(manager, false), new NDList(batch), false);
        return out.singletonOrThrow();
    }

    /**
     * Creates a DJL predictor from images to embeddings on this model. As all DJL predictors it
     * is not thread-safe: use one per thread, and close it.
     */
    public Predictor<Image, float[]> newPredictor() {
        checkOpen();
        if (translator == null) {
            throw new IllegalArgumentException("This model takes " + card.input().channels()
                    + "-channel input, not grayscale or RGB images.");
        }
        return shared.model().newPredictor(translator);
    }

    /** The model card. */
    public ModelCard card() {
        return card;
    }

    /** The embedding network. */
    public EmbeddingNet net() {
        return net;
    }

    /** Length of the embeddings. */
    public int embeddingSize() {
        return net.getEmbeddingSize();
    }

    /** The DJL model whose block is {@link #net()}. */
    public Model model() {
        return shared.model();
    }

    /** The translator from images to embeddings, or null if the model takes neither grey nor RGB images. */
    public EmbeddingTranslator translator() {
        return translator;
    }

    /**
     * Closes this model; the DJL model (and, for a loaded model, its parameters) is closed with
     * the last open model that shares it. A model made by {@code of(net, ...)} leaves the
     * network's parameters to their own manager.
     */
    @Override
    public void close() {
        if (!closed.getAndSet(true)) {
            shared.release();
        }
    }

    @Override
    public String toString() {
        return "EmbeddingModel{" + net + ", distance=" + card.distance() + (closed.get() ? ", closed" : "") + '}';
    }

    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("This EmbeddingModel is closed.");
        }
    }

    /** The DJL model that several {@link EmbeddingModel}s of one network share, closed with the last of them. */
    private static final class SharedModel {
        private final Model model;
        private final AtomicInteger users = new AtomicInteger(1);

        SharedModel(Model model) {
            this.model = model;
        }

        Model model() {
            return model;
        }

        SharedModel retain() {
            users.incrementAndGet();
            return this;
        }

        void release() {
            if (users.decrementAndGet() == 0) {
                model.close();
            }
        }
    }
}
