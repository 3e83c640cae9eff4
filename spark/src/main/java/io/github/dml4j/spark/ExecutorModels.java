package io.github.dml4j.spark;

import io.github.dml4j.inference.EmbeddingModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link EmbeddingModel} per executor JVM and model directory, loaded by the first task that
 * needs it and shared by all the tasks of that JVM, as DJL's Spark support keeps its predictors:
 * loading a model per partition would read and check the parameters thousands of times. The
 * model's {@code embed} methods are thread-safe, so concurrent tasks share it. The models are
 * closed when the JVM exits.
 *
 * <p>A directory on another file system than the local one (HDFS, an object store) is copied
 * once into a local temporary folder first.
 */
final class ExecutorModels {

    private static final Logger logger = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<String, EmbeddingModel> MODELS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MODELS.values().forEach(EmbeddingModel::close),
                "dml4j-close-models"));
    }

    private ExecutorModels() {}

    /**
     * The model of {@code directory}, loaded on the first call in this JVM.
     *
     * @throws UncheckedIOException naming the directory if it cannot be read or is not a model
     */
    static EmbeddingModel get(String directory, HadoopFiles files) {
        return MODELS.computeIfAbsent(directory, dir -> {
            try {
                long start = System.nanoTime();
                EmbeddingModel model = EmbeddingModel.load(files.toLocalDirectory(dir));
                logger.info("Loaded the model {} in this executor in {} ms", dir, (System.nanoTime() - start) / 1_000_000);
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot load the model directory " + dir + ": " + e.getMessage(), e);
            }
        });
    }
}
