package io.github.dml4j.inference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * torchvision's real {@code resnet18}, scripted and traced to TorchScript by Debian's PyTorch 1.13
 * with {@code examples/reference/trace_backbones.py}, fine-tuned at 64x64 for 20 steps with one engine
 * thread (conv1, bn1 and layer1 frozen, the rest of the module at 0.1x the learning rate, a 64-d
 * projection): the loss goes down, frozen parameters stay bit-identical, the others move; the
 * exported model, loaded in a fresh JVM without the source file, gives the same embeddings to
 * 1e-5. Skipped, with the reason logged, where {@code python3-torchvision} is not installed.
 */
class TorchScriptResNet18Test {

    private static final Logger LOGGER = LoggerFactory.getLogger(TorchScriptResNet18Test.class);
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path temp;

    /** Compiled with torch.jit.script, the way the README recommends. */
    @Test
    void scriptedFineTunesAndReloadsInAFreshJvm() throws Exception {
        fineTunesAndReloadsInAFreshJvm(false);
    }

    /** Traced with torch.jit.trace in eval mode: trains too, with BatchNorm fixed in evaluation mode. */
    @Test
    void tracedFineTunesAndReloadsInAFreshJvm() throws Exception {
        fineTunesAndReloadsInAFreshJvm(true);
    }

    private void fineTunesAndReloadsInAFreshJvm(boolean trace) throws Exception {
        String missing = missingTorchvision();
        if (missing != null) {
            LOGGER.warn("Skipping the torchvision resnet18 fine-tuning test: {}", missing);
            Assumptions.abort(missing);
        }
        Path module = temp.resolve("resnet18.pt");
        List<String> script = new ArrayList<>(List.of(PYTHON, "examples/reference/trace_backbones.py", "resnet18",
                "--size", "64", "--out", module.toString()));
        if (trace) {
            script.add("--trace");
        }
        run(script, 300);
        Path model = temp.resolve("model");
        Path trained = temp.resolve("trained.bin");
        String out = runJava(List.of("train", module.toString(), model.toString(), trained.toString()));
        Files.delete(module);
        Path reloaded = temp.resolve("reloaded.bin");
        runJava(List.of("embed", model.toString(), reloaded.toString()));
        float[] a = read(trained);
        float[] b = read(reloaded);
        assertEquals(12 * 64, a.length, out);
        assertArrayEquals(a, b, 1e-5f, "embeddings after reloading in a fresh JVM");
    }

    /** Null if python3 can import torchvision, else why not. */
    static String missingTorchvision() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return PYTHON + " is not installed (apt-get install python3-torchvision)";
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torchvision").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "python3 cannot import torchvision (apt-get install python3-torchvision): " + text.strip();
            }
            return null;
        } catch (IOException | InterruptedException e) {
            return "cannot run " + PYTHON + ": " + e;
        }
    }

    private static String run(List<String> command, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, p.exitValue(), command + " failed:\n" + text);
        return text;
    }

    /** Runs {@link TorchScriptFineTuneMain} in a child JVM with one engine thread. */
    private static String runJava(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", TorchScriptFineTuneMain.class.getName()));
        command.addAll(args);
        String text = run(command, 600);
        LOGGER.info("{} {}:\n{}", TorchScriptFineTuneMain.class.getSimpleName(), args.get(0), text.strip());
        return text;
    }

    private static float[] read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            float[] values = new float[in.readInt()];
            for (int i = 0; i < values.length; i++) {
                values[i] = in.readFloat();
            }
            return values;
        }
    }
}
