package io.github.dml4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.eval.RetrievalMetrics;
import io.github.dml4j.eval.RetrievalReport;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.provenance.TrainingProvenance;
import io.github.dml4j.provenance.TrainingHistory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** What the training examples share: retrieval on a test set, one-line summaries, export and reload. */
final class Retrieval {

    private Retrieval() {}

    /** Retrieval metrics of the network's embeddings of {@code images}, every image a query. */
    static RetrievalReport evaluate(EmbeddingNet net, LabeledImages images) {
        try (EmbeddingModel model = EmbeddingModel.of(net)) {
            return evaluate(model, images);
        }
    }

    /** Retrieval metrics of the model's embeddings of {@code images}, every image a query. */
    static RetrievalReport evaluate(EmbeddingModel model, LabeledImages images) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray embeddings = model.embed(manager, images);
            return RetrievalMetrics.builder().build().compute(embeddings, images.labels());
        }
    }

    /** The rows of an (N, D) array as Java arrays. */
    static float[][] rows(ai.djl.ndarray.NDArray embeddings) {
        int n = (int) embeddings.getShape().get(0);
        int d = (int) embeddings.getShape().get(1);
        float[] flat = embeddings.toFloatArray();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return rows;
    }

    /** Precision@1, R-Precision and MAP@R on one line. */
    static String summary(RetrievalReport r) {
        return String.format(Locale.ROOT, "Precision@1 %.4f  R-Precision %.4f  MAP@R %.4f",
                r.precisionAt1(), r.rPrecision(), r.meanAveragePrecisionAtR());
    }

    /** The mean loss of each epoch, four decimals; of a long run the first and last five. */
    static String losses(TrainingHistory history) {
        String[] all = Arrays.stream(history.losses()).mapToObj(l -> String.format(Locale.ROOT, "%.4f", l))
                .toArray(String[]::new);
        if (all.length <= 20) {
            return Arrays.toString(all);
        }
        // a small folder trains hundreds of short epochs: the ends tell the trend, the plot has them all
        return "[" + String.join(", ", Arrays.copyOf(all, 5)) + ", ..., "
                + String.join(", ", Arrays.copyOfRange(all, all.length - 5, all.length)) + "] (" + all.length
                + " epochs)";
    }

    /**
     * Exports the network with its provenance and the trained metrics to {@code out}, loads it
     * back and checks that the loaded model reproduces {@code trained} on {@code test}.
     *
     * @return {@code true} if the reloaded model gives the same Precision@1 and MAP@R
     */
    static boolean exportAndReload(EmbeddingNet net, TrainingProvenance.Builder provenance, RetrievalReport trained,
                                   LabeledImages test, Path out) throws IOException {
        provenance.addMetric("precision_at_1", trained.precisionAt1())
                .addMetric("r_precision", trained.rPrecision())
                .addMetric("mean_average_precision_at_r", trained.meanAveragePrecisionAtR());
        try (EmbeddingModel model = EmbeddingModel.of(net, provenance.build())) {
            model.save(out);
        }
        System.out.println("Saved to " + out.toAbsolutePath());
        try (EmbeddingModel loaded = EmbeddingModel.load(out)) {
            RetrievalReport reloaded = evaluate(loaded, test);
            System.out.println("Reloaded:  " + summary(reloaded));
            if (reloaded.precisionAt1() != trained.precisionAt1()
                    || reloaded.meanAveragePrecisionAtR() != trained.meanAveragePrecisionAtR()) {
                System.err.println("The reloaded model does not reproduce the trained model's results.");
                return false;
            }
            return true;
        }
    }
}
