package io.github.dml4j.viz;

import io.github.dml4j.eval.RocCurve;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Writes the plots of a verification evaluation into one folder: the ROC curve on a linear and
 * on a log FAR axis, and the 2-D map of the evaluated embeddings coloured by identity.
 *
 * <p>This lives in {@code viz}, not in {@code eval}: plotting depends on the evaluation, never
 * the other way, so the evaluation code stays free of the chart library. Call it with the curve
 * an evaluation computed and the embeddings and identities it was computed from.
 *
 * <pre>{@code
 * RocCurve roc = RocCurve.of(scores, same);
 * List<Path> written = VerificationPlots.write(Path.of("report"), roc, threshold, embeddings, identities);
 * }</pre>
 */
public final class VerificationPlots {

    /** File name of the ROC curve with a linear FAR axis. */
    public static final String ROC_FILE = "roc.png";

    /** File name of the ROC curve with a log FAR axis. */
    public static final String ROC_LOG_FILE = "roc_log_far.png";

    /** File name of the embedding map. */
    public static final String EMBEDDINGS_FILE = "embeddings.png";

    private VerificationPlots() {}

    /**
     * Writes {@value #ROC_FILE}, {@value #ROC_LOG_FILE} and {@value #EMBEDDINGS_FILE} with the
     * default sizes and caps into {@code dir}, created if missing.
     *
     * @param dir the folder
     * @param roc the verification curve
     * @param embeddings the evaluated embeddings, one row each
     * @param labels the identity of each embedding
     * @return the files written, in that order
     * @throws IOException if a file cannot be written
     * @throws IllegalArgumentException if the embeddings and labels do not match
     */
    public static List<Path> write(Path dir, RocCurve roc, float[][] embeddings, int[] labels) throws IOException {
        return write(dir, roc, Double.NaN, embeddings, labels);
    }

    /**
     * As {@link #write(Path, RocCurve, float[][], int[])}, with the operating point of a
     * decision threshold (for example the calibrated one) marked on both ROC plots; NaN marks
     * none.
     *
     * @throws IOException if a file cannot be written
     */
    public static List<Path> write(Path dir, RocCurve roc, double threshold, float[][] embeddings, int[] labels)
            throws IOException {
        Objects.requireNonNull(dir, "The folder must not be null.");
        // build everything first, so that bad input fails before any file is written
        RocPlot.Builder linear = RocPlot.builder().setRoc(roc);
        RocPlot.Builder log = RocPlot.builder().setRoc(roc).optLogFar(true);
        if (!Double.isNaN(threshold)) {
            linear.optThreshold(threshold);
            log.optThreshold(threshold);
        }
        List<Plot> plots = List.of(linear.build(), log.build(),
                EmbeddingMap.builder().setEmbeddings(embeddings).setLabels(labels).build());
        List<Path> files = List.of(dir.resolve(ROC_FILE), dir.resolve(ROC_LOG_FILE), dir.resolve(EMBEDDINGS_FILE));
        for (int i = 0; i < plots.size(); i++) {
            plots.get(i).write(files.get(i));
        }
        return files;
    }
}
