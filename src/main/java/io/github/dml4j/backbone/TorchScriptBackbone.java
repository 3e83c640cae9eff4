package io.github.dml4j.backbone;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import io.github.dml4j.data.FileDigests;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A backbone from a user's TorchScript file, such as torchvision's ResNet-50 with ImageNet
 * weights compiled once in Python ({@code torch.jit.script(net).save("resnet50.pt")}, with the
 * classifier replaced by the identity so that the module outputs features;
 * {@code examples/reference/trace_backbones.py} does it). Prefer {@code torch.jit.script} to
 * {@code torch.jit.trace}: a traced module keeps the BatchNorm mode it was traced in. DML4J trains it
 * like any backbone: all of it, or with parts frozen or given their own learning-rate multiplier
 * through {@link EmbeddingNet.Builder#optFreeze} and {@link EmbeddingNet.Builder#optLearningRateMultiplier}
 * (its parts are {@code backbone/module} and the module's own submodules, e.g.
 * {@code backbone/module/layer4}, and {@code backbone/projection}).
 *
 * <p>A saved model holds the fine-tuned module itself, so {@code EmbeddingModel.load} and
 * {@code EmbeddingModel.criteria} rebuild it on a machine that has neither the source file nor
 * Python. The model card records the source file's name and SHA-256, the input shape, the
 * channel order and the module's feature size.
 *
 * <p>Needs DJL's PyTorch engine. {@link Builder#build()} loads the file once to check it: a missing,
 * empty or non-TorchScript file, an input shape the module rejects, or an output that is not
 * (batch, features) fails there, before any training.
 */
public final class TorchScriptBackbone implements Backbone {

    /** The type name in model cards. */
    public static final String TYPE = "torchscript";

    static final String ENGINE = "PyTorch";

    /** The order of the colour channels the module was trained with. */
    public enum ChannelOrder {
        /** Red, green, blue: torchvision's and DML4J's order. */
        RGB,
        /** Blue, green, red, as OpenCV-based pipelines (e.g. Caffe-era face models) use. */
        BGR
    }

    private final Path file;
    private final String fileName;
    private final String sha256;
    private final Shape inputShape;
    private final ChannelOrder channelOrder;
    private final int featureSize;
    private final int embeddingSize;
    private final boolean freezeBatchNorm;

    private TorchScriptBackbone(Path file, String fileName, String sha256, Shape inputShape, ChannelOrder channelOrder,
                                int featureSize, int embeddingSize, boolean freezeBatchNorm) {
        this.file = file;
        this.fileName = fileName;
        this.sha256 = sha256;
        this.inputShape = inputShape;
        this.channelOrder = channelOrder;
        this.featureSize = featureSize;
        this.embeddingSize = embeddingSize;
        this.freezeBatchNorm = freezeBatchNorm;
    }

    /** A builder; the file and the input shape are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String type() {
        return TYPE;
    }

    /**
     * A new block with the module loaded from the file, or, for a backbone rebuilt from a model
     * card, a block that receives the fine-tuned module from the model's parameter file (and is
     * freed with that model). A module loaded from the file stays in memory while the JVM runs,
     * so build one network per training run, not one per batch.
     *
     * @throws IllegalArgumentException if {@code inputShape} is not the backbone's, or the file
     *     is gone or changed since {@link Builder#build()}
     */
    @Override
    public Block newBlock(Shape inputShape) {
        if (!this.inputShape.equals(inputShape)) {
            throw new IllegalArgumentException("The TorchScript backbone " + fileName + " takes images of shape "
                    + this.inputShape + " (channels, height, width), but the network's input shape is " + inputShape
                    + ": set the same shape on both.");
        }
        if (file == null) {
            return new TorchScriptBlock(this, null, null);
        }
        String now = sha256(file);
        if (!now.equals(sha256)) {
            throw new IllegalArgumentException("The TorchScript file " + file + " changed since its backbone was built"
                    + " (SHA-256 " + now + ", was " + sha256 + "): build the backbone again.");
        }
        Model model = load(file);
        return new TorchScriptBlock(this, model, model.getBlock());
    }

    /** The source file, or null for a backbone rebuilt from a model card. */
    public Path file() {
        return file;
    }

    /** The source file's name, as the model card records it. */
    public String fileName() {
        return fileName;
    }

    /** The SHA-256 of the source file, lower-case hex. */
    public String sha256() {
        return sha256;
    }

    /** The shape of one input image, (C, H, W). */
    public Shape inputShape() {
        return inputShape;
    }

    /** The channel order the module expects; DML4J's images are RGB and are reordered for BGR. */
    public ChannelOrder channelOrder() {
        return channelOrder;
    }

    /** The length of the module's output for one image. */
    public int featureSize() {
        return featureSize;
    }

    /** The length of the projection after the module, or 0 for none (the module's output is the embedding). */
    public int embeddingSize() {
        return embeddingSize;
    }

    /**
     * Whether the module's BatchNorm layers keep their running statistics in training: the
     * module runs in evaluation mode, with gradients, so BatchNorm normalizes with its stored
     * statistics (and dropout is off). Small batches of a pretrained network need it.
     */
    public boolean freezeBatchNorm() {
        return freezeBatchNorm;
    }

    /** The configuration stored in a model card. */
    public JsonObject toConfig() {
        JsonObject json = new JsonObject();
        json.addProperty("fileName", fileName);
        json.addProperty("sha256", sha256);
        JsonArray shape = new JsonArray();
        for (long d : inputShape.getShape()) {
            shape.add(d);
        }
        json.add("inputShape", shape);
        json.addProperty("channelOrder", channelOrder.name());
        json.addProperty("featureSize", featureSize);
        json.addProperty("embeddingSize", embeddingSize);
        json.addProperty("freezeBatchNorm", freezeBatchNorm);
        return json;
    }

    /**
     * The backbone a model card describes: its block receives the module from the model's
     * parameter file, so the source file is not needed.
     *
     * @throws IllegalArgumentException if a setting is missing or invalid
     */
    public static TorchScriptBackbone fromConfig(JsonObject json) {
        String[] required = {"fileName", "sha256", "inputShape", "channelOrder", "featureSize", "embeddingSize"};
        for (String key : required) {
            if (!json.has(key) || json.get(key).isJsonNull()) {
                throw new IllegalArgumentException("The TorchScript backbone's configuration lacks '" + key + "'.");
            }
        }
        JsonArray dims = json.getAsJsonArray("inputShape");
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i).getAsLong();
        }
        Shape input = checkInputShape(new Shape(shape));
        ChannelOrder order = ChannelOrder.valueOf(json.get("channelOrder").getAsString().toUpperCase(Locale.ROOT));
        int features = json.get("featureSize").getAsInt();
        int embedding = json.get("embeddingSize").getAsInt();
        if (features <= 0 || embedding < 0) {
            throw new IllegalArgumentException("Invalid sizes in the TorchScript backbone's configuration: " + json + ".");
        }
        boolean freeze = json.has("freezeBatchNorm") && json.get("freezeBatchNorm").getAsBoolean();
        return new TorchScriptBackbone(null, json.get("fileName").getAsString(), json.get("sha256").getAsString(), input,
                order, features, embedding, freeze);
    }

    /** Equal when the configurations are: the same file contents, shapes and settings. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TorchScriptBackbone other && toConfig().equals(other.toConfig());
    }

    @Override
    public int hashCode() {
        return toConfig().hashCode();
    }

    @Override
    public String toString() {
        return "TorchScriptBackbone{" + fileName + ", sha256=" + sha256.substring(0, 12) + "..., input=" + inputShape
                + ", " + channelOrder + ", features=" + featureSize
                + (embeddingSize > 0 ? ", embedding=" + embeddingSize : "")
                + (freezeBatchNorm ? ", frozen BatchNorm statistics" : "") + '}';
    }

    private static Shape checkInputShape(Shape shape) {
        if (shape == null || shape.dimension() != 3 || shape.getShape()[0] <= 0 || shape.getShape()[1] <= 0
                || shape.getShape()[2] <= 0) {
            throw new IllegalArgumentException("A TorchScript backbone needs an input shape (channels, height, width)"
                    + " with positive sizes, got " + shape + ".");
        }
        return shape;
    }

    /** Loads a TorchScript file for training: its parameters require gradients. */
    static Model load(Path file) {
        Model model = Model.newInstance(file.getFileName().toString(), Engine.getEngine(ENGINE).defaultDevice(), ENGINE);
        try {
            model.load(file, null, Map.of("trainParam", "true"));
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new IllegalArgumentException("Cannot load " + file + " as a TorchScript module (a file written by"
                    + " torch.jit.save or torch.jit.trace(...).save): " + lastLine(e), e);
        }
    }

    static String sha256(Path file) {
        try {
            return FileDigests.sha256(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the TorchScript file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The last meaningful line of an engine error: TorchScript puts the cause after its traceback. */
    static String lastLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        String[] lines = message.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return message;
    }

    /** Builds a {@link TorchScriptBackbone}; {@link #build()} loads the file once to check it. */
    public static final class Builder {
        private Path file;
        private Shape inputShape;
        private ChannelOrder channelOrder = ChannelOrder.RGB;
        private int embeddingSize;
        private boolean freezeBatchNorm;

        private Builder() {}

        /** Sets the TorchScript file. */
        public Builder setFile(Path file) {
            this.file = file;
            return this;
        }

        /** Sets the shape of one input image, as the module takes it: channels, height, width. */
        public Builder setInputShape(int channels, int height, int width) {
            this.inputShape = new Shape(channels, height, width);
            return this;
        }

        /** Sets the channel order the module expects (default RGB). */
        public Builder optChannelOrder(ChannelOrder channelOrder) {
            this.channelOrder = Objects.requireNonNull(channelOrder, "channelOrder");
            return this;
        }

        /**
         * Adds a linear projection from the module's features to an embedding of this length
         * (default 0: none, the module's output is the embedding).
         */
        public Builder optEmbeddingSize(int embeddingSize) {
            this.embeddingSize = embeddingSize;
            return this;
        }

        /** Keeps the module's BatchNorm statistics fixed in training (default false); see {@link #freezeBatchNorm()}. */
        public Builder optFreezeBatchNorm(boolean freezeBatchNorm) {
            this.freezeBatchNorm = freezeBatchNorm;
            return this;
        }

        /**
         * Checks the file and the module and builds the backbone.
         *
         * @throws IllegalArgumentException if the file is missing, empty or not TorchScript, the
         *     module rejects the input shape, or its output is not (batch, features)
         */
        public TorchScriptBackbone build() {
            if (file == null) {
                throw new IllegalArgumentException("A TorchScript backbone needs its file: setFile(path).");
            }
            if (inputShape == null) {
                throw new IllegalArgumentException("A TorchScript backbone needs the input shape its module takes:"
                        + " setInputShape(channels, height, width).");
            }
            checkInputShape(inputShape);
            if (embeddingSize < 0) {
                throw new IllegalArgumentException("The embedding size must be 0 (no projection) or positive, got "
                        + embeddingSize + ".");
            }
            Path path = file.toAbsolutePath().normalize();
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("The TorchScript file " + path
                        + (Files.exists(path) ? " is not a regular file." : " does not exist."));
            }
            try {
                if (Files.size(path) == 0) {
                    throw new IllegalArgumentException("The TorchScript file " + path + " is empty.");
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read the TorchScript file " + path + ": " + e.getMessage(), e);
            }
            String sha = sha256(path);
            int features;
            try (Model model = load(path)) {
                features = probeFeatureSize(path, model.getBlock(), inputShape);
            }
            return new TorchScriptBackbone(path, path.getFileName().toString(), sha, inputShape, channelOrder, features,
                    embeddingSize, freezeBatchNorm);
        }

        private static int probeFeatureSize(Path path, Block module, Shape inputShape) {
            Shape batch = new Shape(2).addAll(inputShape); // two images: BatchNorm in training mode needs more than one
            Shape out;
            try (NDManager manager = NDManager.newBaseManager(Engine.getEngine(ENGINE).defaultDevice(), ENGINE)) {
                NDList result = module.forward(new ParameterStore(manager, false), new NDList(manager.zeros(batch)), false);
                if (result.size() != 1) {
                    throw new IllegalArgumentException("The TorchScript module " + path + " returns " + result.size()
                            + " arrays; a backbone returns one, (batch, features).");
                }
                out = result.singletonOrThrow().getShape();
            } catch (IllegalArgumentException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("The TorchScript module " + path + " rejects input of shape " + batch
                        + " (batch, channels, height, width): " + lastLine(e)
                        + ". Set the input shape it was traced for with setInputShape.", e);
            }
            if (out.dimension() != 2 || out.get(0) != batch.get(0) || out.get(1) <= 0) {
                throw new IllegalArgumentException("The TorchScript module " + path + " maps input " + batch + " to "
                        + out + "; a backbone must output (batch, features): trace the network with its pooling and"
                        + " flattening and without its classifier (e.g. torchvision's fc replaced by nn.Identity()).");
            }
            return Math.toIntExact(out.get(1));
        }
    }
}
