package io.github.dml4j.inference;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.backbone.TorchScriptBackbone;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.data.PixelNormalization;
import io.github.dml4j.provenance.TrainingHistory;
import io.github.dml4j.train.MetricTrainer;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.github.dml4j.TrainingFixtures.classBatches;
import static io.github.dml4j.TrainingFixtures.embed;
import static io.github.dml4j.TrainingFixtures.tripletHead;

/**
 * Run in a child JVM by {@link TorchScriptResNet18Test}, so that training uses one engine thread
 * and the reload happens in a JVM that never saw the source file.
 *
 * <pre>
 * train MODULE.pt MODEL_DIR EMBEDDINGS   fine-tunes at 64x64 for 20 steps, checks, saves, writes embeddings
 * embed MODEL_DIR EMBEDDINGS             loads the model and writes the same images' embeddings
 * </pre>
 *
 * Prints one line per check; exits 1 if a check fails.
 */
public final class TorchScriptFineTuneMain {

    static final int SIZE = 64;

    private TorchScriptFineTuneMain() {}

    static LabeledImages testImages() {
        return TorchScriptBackboneTest.colour(SyntheticImages.generate(6, 2, 2), SIZE);
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("train")) {
            train(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
        } else {
            try (EmbeddingModel model = EmbeddingModel.load(Path.of(args[1]));
                 NDManager manager = NDManager.newBaseManager()) {
                write(model.embed(manager, testImages()).toFloatArray(), Path.of(args[2]));
            }
        }
    }

    private static void train(Path module, Path modelDir, Path embeddings) throws IOException {
        TorchScriptBackbone backbone = TorchScriptBackbone.builder().setFile(module).setInputShape(3, SIZE, SIZE)
                .optEmbeddingSize(64).build();
        EmbeddingNet net = EmbeddingNet.builder().setBackbone(backbone).setInputShape(3, SIZE, SIZE)
                .optPixelNormalization(PixelNormalization.IMAGENET)
                .optFreeze("backbone/module/conv1", "backbone/module/bn1", "backbone/module/layer1")
                .optLearningRateMultiplier("backbone/module", 0.1f)
                .build();
        LabeledImages train = TorchScriptBackboneTest.colour(SyntheticImages.generate(6, 16, 1), SIZE);
        // 96 images in batches of 24: 4 steps an epoch, 20 steps in 5 epochs
        MetricTrainer trainer = MetricTrainer.builder().setHead(tripletHead(net)).optEpochs(5).optLearningRate(1e-3f)
                .optSeed(0).optListeners().build();
        trainer.initialize();
        Map<String, float[]> before = values(net);
        TrainingHistory history = trainer.fit(classBatches(train, net, 24, 4, 0));
        Map<String, float[]> after = values(net);
        double[] losses = history.losses();
        boolean ok = check(losses[losses.length - 1] < losses[0], "loss went down: " + Arrays.toString(losses));
        int frozen = 0;
        int frozenSame = 0;
        int trained = 0;
        int trainedMoved = 0;
        for (String key : before.keySet()) {
            boolean same = Arrays.equals(before.get(key), after.get(key));
            if (key.contains("conv1.weight") && !key.contains("layer") || key.contains("bn1.") && !key.contains("layer")
                    || key.contains("layer1.")) {
                frozen++;
                frozenSame += same ? 1 : 0;
            } else {
                trained++;
                trainedMoved += same ? 0 : 1;
            }
        }
        ok &= check(frozen == 15 && frozenSame == frozen, frozenSame + " of " + frozen + " frozen parameters bit-identical");
        ok &= check(trained > 0 && trainedMoved == trained, trainedMoved + " of " + trained + " trained parameters moved");
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            model.save(modelDir);
        }
        write(embed(net, testImages()), embeddings);
        System.exit(ok ? 0 : 1);
    }

    private static boolean check(boolean ok, String what) {
        System.out.println((ok ? "OK " : "FAILED ") + what);
        return ok;
    }

    private static Map<String, float[]> values(EmbeddingNet net) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : net.getParameters()) {
            values.put(p.getValue().getName(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    private static void write(float[] values, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(values.length);
            for (float v : values) {
                out.writeFloat(v);
            }
        }
    }
}
