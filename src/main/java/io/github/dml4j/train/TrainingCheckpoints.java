package io.github.dml4j.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.github.dml4j.data.FileDigests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoint directory of a training run: one sub-directory per checkpoint, named
 * {@code step-<steps done>}, each holding the head's parameters (network and loss, in DJL's
 * parameter format), the optimizer state, the run's {@link TrainingState} as JSON, the best
 * network's parameters when a validation picks them, and a manifest with the size and SHA-256 of
 * each of those files.
 *
 * <p>A checkpoint is written into a hidden temporary directory, each file forced to disk, the
 * manifest last, and then renamed into place in one atomic move: a process killed while
 * writing leaves the previous checkpoints as they were and at most a stray temporary directory,
 * which the next write removes. Only the newest {@code keep} checkpoints are kept. On reading,
 * a checkpoint whose files do not match its manifest is passed over with a warning naming the
 * file, and the newest intact one is used.
 */
public final class TrainingCheckpoints {

    /** The head's parameters, network and loss, readable with {@link Checkpoints#load}. */
    public static final String HEAD_PARAMETERS = "head.params";
    /** The optimizer's state ({@link ResumableOptimizer#writeState}). */
    public static final String OPTIMIZER_STATE = "optimizer.state";
    /** The run's position and history. */
    public static final String STATE = "state.json";
    /** The embedding network's parameters at the best validation so far, when a validation runs. */
    public static final String BEST_NETWORK = "best-network.params";
    /** The size and SHA-256 of every other file of the checkpoint. */
    public static final String MANIFEST = "manifest.json";

    private static final Logger LOGGER = LoggerFactory.getLogger(TrainingCheckpoints.class);
    private static final Pattern NAME = Pattern.compile("step-(\\d{12})");
    private static final String WRITING_PREFIX = ".writing-";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    /** Runs after a checkpoint's files are written and before its manifest and rename; for tests of a crash while writing. */
    static volatile Runnable beforeCommit;

    private TrainingCheckpoints() {}

    /** What one file of a checkpoint writes. */
    @FunctionalInterface
    interface FileWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** The manifest: every file's size and SHA-256. */
    record Manifest(int format, long step, Map<String, FileEntry> files) {}

    /** One file of the manifest. */
    record FileEntry(long bytes, String sha256) {}

    /**
     * The newest intact checkpoint in a run's directory.
     *
     * @param runDirectory the directory given to {@link MetricTrainer.Builder#optCheckpointDirectory}
     * @return the checkpoint's directory, or empty if there is none intact (or no directory)
     */
    public static Optional<Path> latest(Path runDirectory) {
        for (Path checkpoint : checkpoints(runDirectory)) {
            String problem = verify(checkpoint);
            if (problem == null) {
                return Optional.of(checkpoint);
            }
            LOGGER.warn("Passing over the checkpoint {}: {}", checkpoint, problem);
        }
        return Optional.empty();
    }

    /**
     * Every checkpoint directory of a run, newest first, intact or not.
     *
     * @param runDirectory the run's checkpoint directory
     * @return the checkpoints, empty if there is none or no directory
     */
    public static List<Path> checkpoints(Path runDirectory) {
        if (!Files.isDirectory(runDirectory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(runDirectory)) {
            return entries.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list the checkpoints in " + runDirectory, e);
        }
    }

    /**
     * The steps done at a checkpoint, from its directory name.
     *
     * @param checkpoint a checkpoint directory
     * @return the steps
     * @throws IllegalArgumentException if the name is not a checkpoint's
     */
    public static long step(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(checkpoint + " is not a checkpoint directory (step-<12 digits>).");
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * Checks a checkpoint's files against its manifest.
     *
     * @param checkpoint a checkpoint directory
     * @return null if intact, else what is wrong, naming the file
     */
    public static String verify(Path checkpoint) {
        Path manifestFile = checkpoint.resolve(MANIFEST);
        Manifest manifest;
        try {
            manifest = GSON.fromJson(Files.readString(manifestFile), Manifest.class);
        } catch (IOException | JsonParseException e) {
            return "its manifest " + manifestFile + " cannot be read (" + e.getMessage() + ")";
        }
        if (manifest == null || manifest.files() == null || !manifest.files().containsKey(STATE)
                || !manifest.files().containsKey(HEAD_PARAMETERS)) {
            return "its manifest " + manifestFile + " does not list " + STATE + " and " + HEAD_PARAMETERS;
        }
        for (Map.Entry<String, FileEntry> e : manifest.files().entrySet()) {
            Path file = checkpoint.resolve(e.getKey());
            try {
                long size = Files.size(file);
                if (size != e.getValue().bytes()) {
                    return "the file " + file + " has " + size + " bytes, the manifest says " + e.getValue().bytes();
                }
                String sha = FileDigests.sha256(file);
                if (!sha.equals(e.getValue().sha256())) {
                    return "the SHA-256 of " + file + " is " + sha + ", the manifest says " + e.getValue().sha256();
                }
            } catch (IOException ex) {
                return "the file " + file + " cannot be read (" + ex.getMessage() + ")";
            }
        }
        return null;
    }

    /** Reads the run state of an intact checkpoint. */
    static TrainingState readState(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(STATE);
        try {
            TrainingState state = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), TrainingState.class);
            if (state == null || state.format() != TrainingState.FORMAT) {
                throw new IOException("The training state " + file + " is not of format " + TrainingState.FORMAT + ".");
            }
            return state;
        } catch (JsonParseException e) {
            throw new IOException("The training state " + file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a checkpoint atomically and removes all but the newest {@code keep}.
     *
     * @param runDirectory the run's checkpoint directory
     * @param state the run's state
     * @param files the other files by name, in order
     * @param keep how many checkpoints to keep, at least 1
     * @return the checkpoint's directory
     */
    static Path write(Path runDirectory, TrainingState state, Map<String, FileWriter> files, int keep) {
        Path target = runDirectory.resolve(String.format("step-%012d", state.step()));
        Path temp = null;
        try {
            Files.createDirectories(runDirectory);
            temp = Files.createTempDirectory(runDirectory, WRITING_PREFIX);
            Map<String, FileWriter> all = new LinkedHashMap<>(files);
            all.put(STATE, out -> out.write(GSON.toJson(state).getBytes(StandardCharsets.UTF_8)));
            Map<String, FileEntry> entries = new LinkedHashMap<>();
            for (Map.Entry<String, FileWriter> f : all.entrySet()) {
                entries.put(f.getKey(), writeForced(temp.resolve(f.getKey()), f.getValue()));
            }
            Runnable hook = beforeCommit;
            if (hook != null) {
                hook.run();
            }
            Manifest manifest = new Manifest(1, state.step(), entries);
            writeForced(temp.resolve(MANIFEST), out -> out.write(GSON.toJson(manifest).getBytes(StandardCharsets.UTF_8)));
            if (Files.exists(target)) {
                // the same step written again (a resumed run reaching it anew): the new one replaces it
                deleteTree(target);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            prune(runDirectory, keep);
            return target;
        } catch (FileAlreadyExistsException e) {
            throw new UncheckedIOException("Could not write the checkpoint " + target + ": it appeared while writing.", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the checkpoint " + target + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    deleteTree(temp);
                } catch (IOException e) {
                    LOGGER.warn("Could not remove the unfinished checkpoint {}", temp, e);
                }
            }
        }
    }

    /** Writes a file, forced to disk, and returns its size and the SHA-256 of the bytes as they were written. */
    private static FileEntry writeForced(Path file, FileWriter writer) throws IOException {
        MessageDigest digest = FileDigests.newSha256();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new DigestOutputStream(raw, digest), 1 << 16));
            writer.write(out);
            out.flush();
            channel.force(true);
            return new FileEntry(channel.size(), HexFormat.of().formatHex(digest.digest()));
        }
    }

    private static void prune(Path runDirectory, int keep) throws IOException {
        List<Path> all = checkpoints(runDirectory);
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
            deleteTree(old);
        }
        List<Path> stray = new ArrayList<>();
        try (Stream<Path> entries = Files.list(runDirectory)) {
            entries.filter(p -> p.getFileName().toString().startsWith(WRITING_PREFIX)).forEach(stray::add);
        }
        for (Path p : stray) {
            LOGGER.info("Removing the unfinished checkpoint {} of an interrupted write", p);
            deleteTree(p);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
