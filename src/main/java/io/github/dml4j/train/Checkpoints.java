package io.github.dml4j.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Training checkpoints of a head's parameters, the embedding network's and the loss's (class
 * weights, proxies, centres), in DJL's block parameter format. A checkpoint is written to a
 * temporary file and moved into place, so an interrupted write never replaces the last good one.
 */
public final class Checkpoints {

    /** File name of the checkpoint inside the checkpoint directory. */
    public static final String FILE_NAME = "checkpoint.params";

    private Checkpoints() {}

    /** Saves the block's parameters to {@code dir}/{@value #FILE_NAME}, replacing the previous checkpoint. */
    public static Path save(Block block, Path dir) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(FILE_NAME);
            Path temp = Files.createTempFile(dir, FILE_NAME, ".tmp");
            try (OutputStream out = Files.newOutputStream(temp);
                 DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out))) {
                block.saveParameters(data);
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
     * Saves the parameters only if every one is finite; otherwise keeps the previous checkpoint.
     *
     * @return the checkpoint file holding the last good parameters, or {@code null} if there is none
     * @throws IOException if the checkpoint cannot be written
     */
    public static Path saveIfFinite(Block block, Path dir) throws IOException {
        if (allFinite(block)) {
            return save(block, dir);
        }
        Path previous = dir.resolve(FILE_NAME);
        return Files.isRegularFile(previous) ? previous : null;
    }

    /**
     * Whether every initialized parameter of the block is finite (no NaN, no infinity).
     *
     * @param block the block
     * @return true if all are finite
     */
    public static boolean allFinite(Block block) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return block.getParameters().values().stream()
                    .filter(Parameter::isInitialized)
                    .allMatch(p -> p.getArray().isNaN().logicalOr(p.getArray().isInfinite()).none().getBoolean());
        }
    }

    /**
     * Loads parameters saved by {@link #save} into an initialized block of the same structure
     * (for a head: the same network and loss). After a failure the block's parameters are
     * undefined.
     *
     * @throws IOException naming the file if it cannot be read or does not match the block: fewer
     *     or more parameters than the block has, or a parameter of another shape (e.g. a loss
     *     built for another number of classes)
     */
    public static void load(Block block, NDManager manager, Path file) throws IOException {
        Map<String, Shape> shapes = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().isInitialized()) {
                shapes.put(p.getKey(), p.getValue().getArray().getShape());
            }
        }
        String mismatch = "The checkpoint " + file + " does not match the block: ";
        try (InputStream in = Files.newInputStream(file);
             DataInputStream data = new DataInputStream(new BufferedInputStream(in))) {
            block.loadParameters(manager, data);
            if (data.read() != -1) {
                throw new IOException(mismatch + "it holds more parameters than the block.");
            }
        } catch (MalformedModelException e) {
            throw new IOException(mismatch + e.getMessage(), e);
        } catch (EOFException e) {
            throw new IOException(mismatch + "it ends before the block's last parameter.", e);
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Shape expected = shapes.get(p.getKey());
            Shape loaded = p.getValue().getArray().getShape();
            if (expected != null && !expected.equals(loaded)) {
                throw new IOException(mismatch + "its parameter " + p.getKey() + " has shape " + loaded + ", the block's "
                        + expected + ".");
            }
        }
    }
}
