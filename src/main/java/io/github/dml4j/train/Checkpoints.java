package io.github.dml4j.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import io.github.dml4j.backbone.EmbeddingNet;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Training checkpoints of an {@link EmbeddingNet}'s weights in DJL's block parameter format.
 * A checkpoint is written to a temporary file and moved into place, so an interrupted write
 * never replaces the last good checkpoint.
 */
public final class Checkpoints {

    /** File name of the checkpoint inside the checkpoint directory. */
    public static final String FILE_NAME = "embedding-net.params";

    private Checkpoints() {}

    /** Saves the weights to {@code dir}/{@value #FILE_NAME}, replacing the previous checkpoint. */
    public static Path save(EmbeddingNet net, Path dir) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(FILE_NAME);
            Path temp = Files.createTempFile(dir, FILE_NAME, ".tmp");
            try (OutputStream out = Files.newOutputStream(temp);
                 DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out))) {
                net.saveParameters(data);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Could not write the checkpoint to " + dir, e);
        }
    }

    /**
     * Saves the weights only if every one is finite; otherwise keeps the previous checkpoint.
     *
     * @return the checkpoint file holding the last good weights, or {@code null} if there is none
     */
    public static Path saveIfFinite(EmbeddingNet net, Path dir) throws IOException {
        boolean finite;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            finite = net.getParameters().values().stream()
                    .filter(Parameter::isInitialized)
                    .allMatch(p -> p.getArray().isNaN().logicalOr(p.getArray().isInfinite()).none().getBoolean());
        }
        if (finite) {
            return save(net, dir);
        }
        Path previous = dir.resolve(FILE_NAME);
        return Files.isRegularFile(previous) ? previous : null;
    }

    /** Loads weights saved by {@link #save} into an initialized network of the same architecture. */
    public static void load(EmbeddingNet net, NDManager manager, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file);
             DataInputStream data = new DataInputStream(new BufferedInputStream(in))) {
            net.loadParameters(manager, data);
        } catch (MalformedModelException e) {
            throw new IOException("The checkpoint " + file + " does not match the network: " + e.getMessage(), e);
        }
    }
}
