package io.github.dml4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dml4j.datasets.SyntheticIdentities;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A user's mistake in any example's options comes out as one line naming the option, with exit
 * code 2, before any data is read and any training starts.
 */
class ExampleOptionsTest {

    static Stream<Arguments> mistakes() {
        return Stream.of(
                mistake(Train::new, "--m must be at least 2", "--m", "1"),
                mistake(Train::new, "--val-fraction must be between 0 and 1", "--val-fraction", "1"),
                mistake(Train::new, "--data /no/such/folder: no such directory", "--data", "/no/such/folder"),
                mistake(Train::new, "--resume needs --checkpoints DIR", "--resume"),
                mistake(Train::new, "--cache needs --stream", "--cache", "/tmp/x.cache"),
                mistake(Train::new, "--patience needs --validate-every", "--patience", "3"),
                mistake(GenerateFaces::new, "--format pgm holds grey images only: add --grey", "--out", "/tmp/x",
                        "--format", "pgm"),
                mistake(FaceVerification::new, "--resume needs --checkpoints DIR", "--resume"),
                mistake(Quickstart::new, "--epochs must be positive, got 0", "--epochs", "0"),
                mistake(Benchmark::new, "--batch-size must be a multiple of --m (32)", "--split", "zeroshot",
                        "--batch-size", "100"),
                mistake(Benchmark::new, "--steps must be at least 6", "--steps", "3"),
                mistake(Benchmark::new, "--dataset omniglot needs --data", "--dataset", "omniglot"),
                mistake(CenterLoss::new, "--alpha must be between 0 and 1, got 2.0", "--alpha", "2"),
                mistake(CenterLoss::new, "--center-lr-mult applies only with --center-update OPTIMIZER",
                        "--center-lr-mult", "2"),
                mistake(SiamesePairs::new, "--positive-share must be between 0 and 1", "--positive-share", "1"),
                mistake(SiamesePairs::new, "--batch-size must be a multiple of --m (3)", "--mode", "mining", "--m", "3"),
                mistake(SiamesePairs::new, "--pos-margin (1.0) must be below --neg-margin (0.5)", "--pos-margin", "1",
                        "--neg-margin", "0.5"),
                mistake(Verify::new, "--model /no/such/model: no such directory", "--model", "/no/such/model", "a.png",
                        "b.png"),
                mistake(IndexBenchmark::new, "--k must be between 1 and 100000, got 0", "--k", "0"),
                mistake(MemoryCheck::new, "--every must be between 1 and 2000, got 0", "--every", "0"),
                mistake(MiningScale::new, "--batch must be a multiple of --classes (3)", "--batch", "10", "--classes", "3"),
                mistake(StepProfile::new, "--loss arcface: StepProfile times the losses without parameters",
                        "--loss", "arcface"),
                mistake(FaceVerification::new, "--far must be between 0 and 1 (both excluded), got 2.0", "--far", "2"),
                mistake(FaceVerification::new, "Unknown options: '--fars', '0.1'. Did you mean --far?", "--fars", "0.1"),
                mistake(FaceVerification::new, "Invalid value for option '--epochs': 'ten' is not an int",
                        "--epochs", "ten"),
                mistake(SparkEmbed::new, "--images /no/such/images: no such directory", "--model", ".", "--images",
                        "/no/such/images", "--out", "x.parquet"),
                mistake(SparkEmbed::new, "--batch-size must be positive, got 0", "--model", ".", "--images", ".",
                        "--out", "x.parquet", "--batch-size", "0"),
                mistake(SparkSearch::new, "--ef must be at least 10 (--k), got 5", "--embeddings",
                        "x.parquet", "--ef", "5"),
                mistake(SparkEvaluate::new, "give --embeddings PARQUET or --generate N"),
                mistake(SparkEvaluate::new, "--distance: Unknown distance 'manhattan'", "--generate", "10",
                        "--distance", "manhattan"));
    }

    private static Arguments mistake(Supplier<Callable<Integer>> example, String expected, String... args) {
        Callable<Integer> command = example.get();
        return Arguments.of(command.getClass().getSimpleName() + " " + String.join(" ", args), example, expected, args);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void oneLineNamingTheOption(String name, Supplier<Callable<Integer>> example, String expected, String[] args) {
        ExampleRun r = ExampleRun.of(example.get(), args);
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        String simpleName = name.substring(0, name.indexOf(' '));
        assertTrue(r.err().startsWith(simpleName + ": "), r::toString);
        assertTrue(r.err().contains(expected), () -> expected + " in " + r);
        assertEquals("", r.out(), () -> "nothing read or trained: " + r);
    }

    @Test
    void batchesTheClassesCannotFillAreRefusedOnceTheDataIsRead() {
        ExampleRun siamese = ExampleRun.of(new SiamesePairs(), "--mode", "mining", "--m", "2", "--batch-size", "64");
        assertEquals(2, siamese.exitCode(), siamese::toString);
        assertEquals(1, siamese.errLines().length, siamese::toString);
        assertTrue(siamese.err().contains("--batch-size 64 needs 32 classes of --m 2 images, but the training images"
                + " have 10: use --batch-size 20 or less"), siamese::toString);
        assertFalse(siamese.out().contains("Head:"), siamese::toString);

        ExampleRun center = ExampleRun.of(new CenterLoss(), "--m", "4");
        assertEquals(2, center.exitCode(), center::toString);
        assertTrue(center.err().contains("--batch-size 128 needs 32 classes of --m 4 images"), center::toString);
    }

    @Test
    void aLibraryErrorWhileSettingUpIsOneLine(@TempDir Path dir) throws Exception {
        // two identities: the split leaves the test part without one, which IdentitySplit refuses
        Path two = dir.resolve("two");
        SyntheticIdentities.builder().setIdentities(2).optImagesPerIdentity(3).optImageSize(16).build()
                .writeFolder(two, "png");
        ExampleRun r = ExampleRun.of(new FaceVerification(), "--data", two.toString(), "--size", "16");
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("FaceVerification: The test part gets no identity"), r::toString);
    }
}
