package io.github.dml4j.backbone;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The block of a {@link TorchScriptBackbone}: the TorchScript module, then an optional linear
 * projection. The module's parameters are exposed through a tree of child blocks named after its
 * submodules ({@code module/layer4/1/conv2}), so that parts of it can be frozen or given their
 * own learning rate; the module itself runs as a whole. Its parameters are saved as the module
 * (TorchScript), BatchNorm statistics included, so a saved model needs no source file.
 */
final class TorchScriptBlock extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final String GRAPH_OPTIMIZER_PROPERTY = "ai.djl.pytorch.graph_optimizer";

    private final TorchScriptBackbone backbone;
    private final ParameterTree moduleParameters;
    private final Block projection;
    /** Keeps the manager of a module loaded from its file open; null for one read from a parameter file. */
    private Model owner;
    private PtSymbolBlock module;
    private Boolean moduleInTrainingMode;

    TorchScriptBlock(TorchScriptBackbone backbone, Model owner, Block module) {
        super(VERSION);
        this.backbone = backbone;
        this.moduleParameters = addChildBlock("module", new ParameterTree());
        if (backbone.embeddingSize() > 0) {
            this.projection = addChildBlock("projection", TorchInit.torchDefault(
                    Linear.builder().setUnits(backbone.embeddingSize()).build(), backbone.featureSize()));
        } else {
            this.projection = null;
        }
        if (module != null) {
            try {
                attach((PtSymbolBlock) module);
            } catch (MalformedModelException e) {
                throw new IllegalStateException(e.getMessage(), e); // a new tree accepts any module
            }
            this.owner = owner;
        }
    }

    /** Makes {@code loaded} the module: its parameters fill the tree, or replace the values of the tree's. */
    private void attach(PtSymbolBlock loaded) throws MalformedModelException {
        Map<String, Parameter> fresh = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : loaded.getDirectParameters()) {
            fresh.put(p.getKey(), p.getValue());
        }
        Map<String, Parameter> existing = new LinkedHashMap<>();
        for (Parameter p : moduleParameters.getParameters().values()) {
            existing.put(p.getName(), p);
        }
        if (existing.isEmpty()) {
            for (Parameter p : fresh.values()) {
                moduleParameters.add(p.getName(), p);
            }
        } else {
            if (!existing.keySet().equals(fresh.keySet())) {
                TreeSet<String> missing = new TreeSet<>(existing.keySet());
                missing.removeAll(fresh.keySet());
                TreeSet<String> extra = new TreeSet<>(fresh.keySet());
                extra.removeAll(existing.keySet());
                throw new MalformedModelException("The saved TorchScript module is not " + backbone.fileName()
                        + "'s: it lacks " + missing + " and has " + extra + ".");
            }
            for (Parameter p : existing.values()) {
                NDArray value = fresh.get(p.getName()).getArray();
                if (!value.getShape().equals(p.getArray().getShape())) {
                    throw new MalformedModelException("The saved TorchScript module's " + p.getName() + " has shape "
                            + value.getShape() + ", not " + p.getArray().getShape() + ".");
                }
                // the tree's parameter objects stay (the network's parts and the optimizer know
                // them); they now hold the loaded module's tensors
                ((PtNDArray) p.getArray()).intern(value);
                p.getArray().setRequiresGradient(p.requiresGradient());
            }
        }
        this.module = loaded;
        this.moduleInTrainingMode = null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (module == null) {
            throw new IllegalStateException("The TorchScript backbone " + backbone.fileName() + " was rebuilt from a"
                    + " model card and has no module yet: its module comes with the model's parameter file"
                    + " (EmbeddingModel.load), or build the backbone from the file.");
        }
        NDArray x = inputs.singletonOrThrow();
        if (backbone.channelOrder() == TorchScriptBackbone.ChannelOrder.BGR) {
            x = x.flip(1);
        }
        // with frozen BatchNorm statistics the module runs in evaluation mode, still with gradients
        boolean trainMode = training && !backbone.freezeBatchNorm();
        if (moduleInTrainingMode == null || moduleInTrainingMode != trainMode) {
            if (trainMode) {
                JniUtils.enableTrainingMode(module);
            } else {
                JniUtils.enableInferenceMode(module);
            }
            moduleInTrainingMode = trainMode;
        }
        // TorchScript's optimizing graph executor, once it has profiled a few training runs with a
        // frozen part, gives graphs that fail in inference ("Inference tensors cannot be saved for
        // backward"); the unoptimized executor trains and infers alike. The setting is the JIT's,
        // per thread; DJL's property ai.djl.pytorch.graph_optimizer still decides if it is set.
        JniUtils.setGraphExecutorOptimize(Boolean.parseBoolean(System.getProperty(GRAPH_OPTIMIZER_PROPERTY, "false")));
        NDList out = IValueUtils.forward(module, new NDList(x), training);
        if (!training) {
            // an inference-mode result cannot enter autograd, which records the projection's
            // operations and any caller's; a copy is an ordinary tensor
            NDArray features = out.singletonOrThrow();
            out = new NDList(features.duplicate());
            features.close();
        }
        if (projection == null) {
            return out;
        }
        return projection.forward(parameterStore, out, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        int size = backbone.embeddingSize() > 0 ? backbone.embeddingSize() : backbone.featureSize();
        return new Shape[] {new Shape(inputShapes[0].get(0), size)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // the module's parameters arrive with their values; only the projection starts fresh
        if (projection != null) {
            projection.initialize(manager, dataType, new Shape(inputShapes[0].get(0), backbone.featureSize()));
        }
    }

    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
        if (module == null) {
            throw new IllegalStateException("The TorchScript backbone " + backbone.fileName()
                    + " has no module to save: it was rebuilt from a model card and not loaded.");
        }
        os.writeByte(VERSION);
        saveMetadata(os);
        module.saveParameters(os);
        if (projection != null) {
            projection.saveParameters(os);
        }
    }

    @Override
    public void loadParameters(NDManager manager, DataInputStream is) throws IOException, MalformedModelException {
        byte version = is.readByte();
        loadMetadata(version, is);
        PtSymbolBlock loaded = (PtSymbolBlock) Engine.getEngine(TorchScriptBackbone.ENGINE).newSymbolBlock(manager);
        loaded.loadParameters(manager, is);
        // A module loaded from its file before stays allocated: the tree's arrays belong to its
        // manager, so closing it would free the tensors they now hold.
        attach(loaded);
        if (projection != null) {
            projection.loadParameters(manager, is);
        }
    }

    @Override
    public String toString() {
        return "TorchScriptBlock{" + backbone + '}';
    }

    /**
     * Holds a TorchScript module's parameters under the names of its submodules: {@code
     * layer1.0.conv1.weight} becomes parameter {@code layer1.0.conv1.weight} of child {@code
     * conv1} of child {@code 0} of child {@code layer1}. It only names them; it computes nothing.
     */
    static final class ParameterTree extends AbstractBlock {

        ParameterTree() {
            super(VERSION);
        }

        void add(String dottedName, Parameter parameter) {
            ParameterTree node = this;
            String[] steps = dottedName.split("\\.");
            for (int i = 0; i < steps.length - 1; i++) {
                node = node.child(steps[i]);
            }
            node.addParameter(parameter);
        }

        private ParameterTree child(String name) {
            for (Pair<String, Block> c : children) {
                if (c.getKey().substring(2).equals(name)) {
                    return (ParameterTree) c.getValue();
                }
            }
            return addChildBlock(name, new ParameterTree());
        }

        @Override
        protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            throw new UnsupportedOperationException("This block only names a TorchScript module's parameters;"
                    + " the module runs as a whole.");
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            throw new UnsupportedOperationException("This block only names a TorchScript module's parameters.");
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            // the parameters hold the module's values
        }
    }
}
