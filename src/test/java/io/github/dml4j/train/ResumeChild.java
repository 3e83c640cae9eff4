package io.github.dml4j.train;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import io.github.dml4j.SyntheticImages;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.ImageAugmentation;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.head.MetricHead;
import io.github.dml4j.provenance.TrainingHistory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * A training run in its own JVM, for {@code ResumeTest}: {@code ResumeChild MODE CHECKPOINTS OUT [N]}
 * trains a small network for 3 epochs with augmentation, a warm-up cosine schedule, gradient
 * clipping, validation and a checkpoint every 4 steps (6 steps an epoch), and writes the final parameters, the
 * optimizer state and the step losses to OUT. MODE {@code run} trains (resuming if CHECKPOINTS
 * holds the run); {@code stop-after} prints {@code STOPPED <N>} after step N and waits to be
 * killed; {@code stop-in-write} prints {@code WRITING <N>} while writing checkpoint number N and
 * waits to be killed.
 */
public final class ResumeChild {

    private ResumeChild() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path checkpoints = Path.of(args[1]);
        Path out = Path.of(args[2]);
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        LabeledImages train = SyntheticImages.generate(6, 12, 3);
        LabeledImages validationImages = SyntheticImages.generate(4, 6, 8);
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = TrainingFixtures.tripletHead(net);
        ClassBatches batches = ClassBatches.builder().setImages(train).setNormalization(net.getPixelNormalization())
                .optBatchSize(12).optM(4).optSeed(5)
                .optAugmentation(ImageAugmentation.builder().optRandomCrop(2).optHorizontalFlip(0.5).optSeed(9).build())
                .build();
        int epochs = 3;
        int steps = batches.batchesPerEpoch() * epochs;
        TrainingListener stopper = new TrainingListenerAdapter() {
            private int done;

            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                done++;
                if (mode.equals("stop-after") && done == n) {
                    waitForKill("STOPPED " + n);
                }
            }
        };
        if (mode.equals("stop-in-write")) {
            int[] writes = {0};
            TrainingCheckpoints.beforeCommit = () -> {
                if (++writes[0] == n) {
                    waitForKill("WRITING " + n);
                }
            };
        }
        MetricTrainer trainer = MetricTrainer.builder().setHead(head).optOptimizer(OptimizerType.ADAMW)
                .optWeightDecay(1e-2f)
                .optLearningRate(LearningRateSchedules.warmUpCosine(3e-3f, 2, steps, 1e-4f))
                .optGradientClipping(1f).optEpochs(epochs).optSeed(4)
                .optValidation(Validation.builder().setImages(validationImages).build())
                .optCheckpointDirectory(checkpoints).optCheckpointEvery(4).optResume(true)
                .optListeners(stopper).build();
        TrainingHistory history = trainer.fit(batches);
        Files.createDirectories(out);
        Checkpoints.save(head, out);
        Path last = TrainingCheckpoints.latest(checkpoints).orElseThrow();
        Files.copy(last.resolve(TrainingCheckpoints.OPTIMIZER_STATE), out.resolve(TrainingCheckpoints.OPTIMIZER_STATE));
        Files.writeString(out.resolve("losses.txt"), history.stepLosses().stream()
                .map(f -> Integer.toHexString(Float.floatToRawIntBits(f))).collect(Collectors.joining("\n")));
        Files.writeString(out.resolve("epochs.txt"), history.epochs().size() + " " + history.selection());
        System.out.println("DONE " + history.stepLosses().size());
    }

    private static void waitForKill(String line) {
        System.out.println(line);
        System.out.flush();
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
