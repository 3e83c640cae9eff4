package io.github.dml4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.github.dml4j.TrainingFixtures;
import io.github.dml4j.backbone.EmbeddingNet;
import io.github.dml4j.head.MetricHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run killed with SIGKILL and resumed ends exactly as a run never interrupted: the child JVMs
 * of {@link ResumeChild} train with one engine thread, one is killed after a step mid-epoch,
 * another while writing a checkpoint, and each is resumed by a new JVM.
 */
class ResumeTest {

    private static int threads = 1;

    private static Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=" + threads, "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", ResumeChild.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Runs a child to its end and returns its output. */
    private static String run(String... args) throws Exception {
        Process p = start(args);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    /** Starts a child, waits for the line it prints when it stops, and kills it with SIGKILL by its PID. */
    private static void runAndKill(String expectedLine, String... args) throws Exception {
        Process p = start(args);
        StringBuilder seen = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.equals(expectedLine)) {
                    break;
                }
            }
            assertTrue(seen.toString().contains(expectedLine), seen.toString());
            long pid = p.pid();
            Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start();
            assertEquals(0, kill.waitFor());
            assertTrue(p.waitFor(1, TimeUnit.MINUTES));
            assertEquals(137, p.exitValue(), "killed by SIGKILL");
        }
    }

    /**
     * Every step's loss, the model selection, the parameters and the optimizer state must be
     * bit-identical. (The parameters once differed by up to 2.7e-6 now and then, with every loss
     * identical: the backward of DJL's arithmetic with a Java number read the number from a
     * buffer the garbage collector had freed; see {@link io.github.dml4j.nn.GraphScalars}.)
     */
    private static void assertSameRun(Path expected, Path actual) throws IOException {
        assertEquals(Files.readString(expected.resolve("losses.txt")), Files.readString(actual.resolve("losses.txt")),
                "the loss of every step");
        assertEquals(Files.readString(expected.resolve("epochs.txt")), Files.readString(actual.resolve("epochs.txt")));
        boolean sameParameters = java.util.Arrays.equals(Files.readAllBytes(expected.resolve(Checkpoints.FILE_NAME)),
                Files.readAllBytes(actual.resolve(Checkpoints.FILE_NAME)));
        assertTrue(sameParameters, () -> "the head's parameters are not bit-identical: largest difference "
                + maxDifferenceOrMessage(expected, actual));
        assertArrayEquals(Files.readAllBytes(expected.resolve(TrainingCheckpoints.OPTIMIZER_STATE)),
                Files.readAllBytes(actual.resolve(TrainingCheckpoints.OPTIMIZER_STATE)), "the optimizer state");
    }

    @Test
    void aRunKilledMidEpochOrWhileCheckpointingResumesToTheUninterruptedRun(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole-out");
        String output = run("run", dir.resolve("whole").toString(), whole.toString());
        assertTrue(output.contains("DONE 18"), output);

        // killed after step 10, in the middle of epoch 2: the newest checkpoint is step 8's
        Path killed = dir.resolve("killed");
        runAndKill("STOPPED 10", "stop-after", killed.toString(), dir.resolve("unused").toString(), "10");
        assertEquals(8, TrainingCheckpoints.step(TrainingCheckpoints.latest(killed).orElseThrow()));
        run("run", killed.toString(), dir.resolve("killed-out").toString());
        assertSameRun(whole, dir.resolve("killed-out"));

        // killed while writing its third checkpoint (step 8): the second (step 6) is intact and loads
        Path inWrite = dir.resolve("in-write");
        runAndKill("WRITING 3", "stop-in-write", inWrite.toString(), dir.resolve("unused").toString(), "3");
        try (Stream<Path> entries = Files.list(inWrite)) {
            assertTrue(entries.anyMatch(p -> p.getFileName().toString().startsWith(".writing-")),
                    "the interrupted write is left unfinished");
        }
        Path intact = TrainingCheckpoints.latest(inWrite).orElseThrow();
        assertEquals(6, TrainingCheckpoints.step(intact));
        EmbeddingNet net = TrainingFixtures.newNet(true);
        MetricHead head = TrainingFixtures.tripletHead(net);
        try (NDManager manager = NDManager.newBaseManager()) {
            head.initialize(manager, DataType.FLOAT32, net.batchInputShape(1));
            Checkpoints.load(head, manager, intact.resolve(TrainingCheckpoints.HEAD_PARAMETERS));
        }
        run("run", inWrite.toString(), dir.resolve("in-write-out").toString());
        assertSameRun(whole, dir.resolve("in-write-out"));
        try (Stream<Path> entries = Files.list(inWrite)) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".writing-")),
                    "the next write removes the unfinished one");
        }
        assertEquals(3, TrainingCheckpoints.checkpoints(inWrite).size(), "the newest 3 are kept");
    }

    private static String maxDifferenceOrMessage(Path a, Path b) {
        try {
            return Double.toString(maxDifference(a, b));
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The largest absolute difference between the parameters of two saved heads. */
    private static double maxDifference(Path a, Path b) throws IOException {
        double max = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            float[][] values = new float[2][];
            List<float[]> first = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                EmbeddingNet net = TrainingFixtures.newNet(true);
                MetricHead head = TrainingFixtures.tripletHead(net);
                head.initialize(manager, DataType.FLOAT32, net.batchInputShape(1));
                Checkpoints.load(head, manager, (i == 0 ? a : b).resolve(Checkpoints.FILE_NAME));
                int k = 0;
                for (var p : head.getParameters()) {
                    float[] v = p.getValue().getArray().toType(DataType.FLOAT32, false).toFloatArray();
                    if (i == 0) {
                        first.add(v);
                    } else {
                        float[] w = first.get(k);
                        for (int j = 0; j < v.length; j++) {
                            max = Math.max(max, Math.abs(v[j] - w[j]));
                        }
                    }
                    k++;
                }
            }
        }
        return max;
    }

    @Test
    void withTwoThreadsTheResumedRunStaysWithinTheStatedTolerance(@TempDir Path dir) throws Exception {
        threads = 2;
        try {
            Path whole = dir.resolve("whole-out");
            run("run", dir.resolve("whole").toString(), whole.toString());
            Path killed = dir.resolve("killed");
            runAndKill("STOPPED 10", "stop-after", killed.toString(), dir.resolve("unused").toString(), "10");
            run("run", killed.toString(), dir.resolve("killed-out").toString());
            double difference = maxDifference(whole, dir.resolve("killed-out"));
            System.out.println("TWO-THREAD MAX DIFFERENCE " + difference);
            assertTrue(difference <= 1e-4, "largest parameter difference " + difference);
        } finally {
            threads = 1;
        }
    }
}
