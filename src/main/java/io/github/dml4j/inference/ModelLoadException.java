package io.github.dml4j.inference;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Thrown when a saved model cannot be loaded: the directory, its model card or its parameter
 * file is missing, unreadable, of an unsupported format, corrupt, or they do not agree with each
 * other. The message names the file or directory and what is wrong with it.
 *
 * <p>It is an {@link IOException}, so code that handles I/O failures handles it too.
 */
public class ModelLoadException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The file or directory at fault. */
    private final transient Path path;

    /**
     * Creates an exception for a problem with {@code path}.
     *
     * @param path the file or directory at fault
     * @param message a full sentence naming the path and the problem
     */
    public ModelLoadException(Path path, String message) {
        super(message);
        this.path = path;
    }

    /**
     * Creates an exception for a problem with {@code path} detected by a lower layer.
     *
     * @param path the file or directory at fault
     * @param message a full sentence naming the path and the problem
     * @param cause what the lower layer reported
     */
    public ModelLoadException(Path path, String message, Throwable cause) {
        super(message, cause);
        this.path = path;
    }

    /** The file or directory at fault. */
    public Path getPath() {
        return path;
    }
}
