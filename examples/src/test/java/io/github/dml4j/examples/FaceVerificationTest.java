package io.github.dml4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dml4j.data.IdentityFolder;
import io.github.dml4j.data.IdentityImages;
import io.github.dml4j.data.ImagePreprocessing;
import io.github.dml4j.data.PairGenerator;
import io.github.dml4j.datasets.SyntheticIdentities;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FaceVerification on folders of 10 and 40 generated identities (PNG files, 20 images each):
 * the batch and the folds adapt to what the split holds, and settings the split cannot serve
 * are refused before training, naming the option to change.
 */
class FaceVerificationTest {

    @TempDir
    static Path dir;

    static Path tenIdentities;
    static Path twentyIdentities;
    static Path fortyIdentities;
    static Path fortyPairs;

    @BeforeAll
    static void writeFolders() throws Exception {
        tenIdentities = dir.resolve("ten");
        fortyIdentities = dir.resolve("forty");
        SyntheticIdentities.builder().setIdentities(10).optImagesPerIdentity(20).optImageSize(32).optSeed(1).build()
                .writeFolder(tenIdentities, "png");
        SyntheticIdentities.builder().setIdentities(40).optImagesPerIdentity(20).optImageSize(32).optSeed(2).build()
                .writeFolder(fortyIdentities, "png");
        twentyIdentities = dir.resolve("twenty");
        SyntheticIdentities.builder().setIdentities(20).optImagesPerIdentity(10).optImageSize(32).optSeed(3).build()
                .writeFolder(twentyIdentities, "png");
        // an LFW-style pairs file over the forty: 4 folds of their own identities, 20 + 20 pairs each
        IdentityImages forty = IdentityFolder.builder().setRoot(fortyIdentities)
                .setPreprocessing(ImagePreprocessing.builder().setSize(32, 32).build()).build().load();
        fortyPairs = dir.resolve("pairs.txt");
        PairGenerator.builder().setPairsPerFold(20).optFolds(4).optSeed(4).build().generate(forty)
                .write(fortyPairs, forty);
    }

    private static ExampleRun run(Path data, String name, String... extra) {
        Path outDir = dir.resolve("out-" + name);
        String[] base = {"--data", data.toString(), "--size", "32", "--epochs", "1",
                "--out", outDir.resolve("model").toString(), "--plots", outDir.resolve("plots").toString(),
                "--samples", outDir.resolve("samples").toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return ExampleRun.of(new FaceVerification(), args);
    }

    @Test
    void fortyIdentitiesTrainWithTheDefaults() {
        ExampleRun r = run(fortyIdentities, "forty");
        assertEquals(0, r.exitCode(), r::toString);
        // 24 training identities: at most two thirds of them in a batch; 8 test identities: 4 folds of two
        assertTrue(r.out().contains("Batch size 64 (16 identities x m 4) for 24 training identities"), r::toString);
        assertTrue(r.out().contains("Test pairs: 4 folds of"), r::toString);
        assertTrue(r.out().contains("\"verification_4fold_accuracy\""), r::toString);
        assertTrue(Files.isRegularFile(dir.resolve("out-forty/model/model-card.json")), r::toString);
        assertTrue(Files.isRegularFile(dir.resolve("out-forty/samples/a.png")), r::toString);
    }

    @Test
    void fortyIdentitiesWithMEightTrain() {
        // once trained, then failed: "Only 8 identities have two or more images, fewer than the 10 folds"
        ExampleRun r = run(fortyIdentities, "forty-m8", "--m", "8");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("Batch size 128 (16 identities x m 8) for 24 training identities"), r::toString);
    }

    @Test
    void tenIdentitiesTrainWithFoldsOverPairs() {
        ExampleRun r = run(tenIdentities, "ten");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("Batch size 16 (4 identities x m 4) for 6 training identities"), r::toString);
        assertTrue(r.out().contains("dealt into 10 random folds"), r::toString);
    }

    @Test
    void twentyIdentitiesTrainAndSayHowUnsureTheirThresholdIs() {
        ExampleRun r = run(twentyIdentities, "twenty");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("Split (--split 0.6,0.2,0.2)"), r::toString);
        // 4 calibration identities of 10 images give 90 mismatched pairs: the default FAR adapts, and is flagged
        assertTrue(r.out().contains("Target FAR 0.0112: the default 0.01 cannot be calibrated on the 90 mismatched"
                + " pairs"), r::toString);
        assertTrue(r.out().contains("WARNING: The calibrated threshold's FAR is uncertain: its 95% interval ["),
                r::toString);
        assertTrue(r.out().contains("Test pairs: 2 folds of"), r::toString);
        assertTrue(r.out().contains("\"calibration_far_interval\""), r::toString);
        assertTrue(r.out().contains("Threshold clustering (20 neighbours)"), r::toString);
    }

    @Test
    void trainDataTrainsOnOneFolderAndTestsOnAnother() {
        ExampleRun r = run(twentyIdentities, "train-data", "--train-data", fortyIdentities.toString(), "--no-cluster");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("(--train-data): 800 images of 40 identities"), r::toString);
        assertTrue(r.out().contains("--data's identities shared 10 / 10 between calibration and test"), r::toString);
        // the same generator names identities alike: the example says so
        assertTrue(r.out().contains("WARNING: 20 identity names are in both --train-data and --data"), r::toString);
        assertTrue(r.out().contains("train: 40 identities, 800 images"), r::toString);
        assertTrue(!r.out().contains("Threshold clustering"), r::toString);
    }

    @Test
    void aPairsFileTrainsOnSomeFoldsAndTestsOnTheOthers() {
        ExampleRun r = run(fortyIdentities, "folds", "--pairs", fortyPairs.toString(), "--test-folds", "3-4");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("testing on 2 of its 4 folds (80 pairs of 20 identities); the other 20 identities"
                + " split 3:1 into train and calibration"), r::toString);
        assertTrue(r.out().contains("\"verification_2fold_accuracy\""), r::toString);
    }

    @Test
    void settingsTheSplitCannotServeAreRefusedBeforeTraining() {
        assertRefused(run(fortyIdentities, "refused", "--pairs", fortyPairs.toString(), "--test-folds", "4,5"),
                "--test-folds names fold 5, but " + fortyPairs + " has 4 folds");
        assertRefused(run(fortyIdentities, "refused", "--pairs", fortyPairs.toString(), "--test-folds", "1-4"),
                "The test folds of --pairs name 40 of the 40 identities", "--test-folds", "--train-data");
        assertRefused(run(fortyIdentities, "refused", "--batch-size", "128"), "--batch-size 128 needs 32 identities",
                "use --batch-size 96 or less");
        assertRefused(run(fortyIdentities, "refused", "--folds", "10"), "--folds 10 needs 20 test identities",
                "use --folds 4 or fewer");
        assertRefused(run(tenIdentities, "refused", "--far", "0.001"), "--far 0.001 cannot be calibrated",
                "raise --far to at least 0.00527");
    }

    @Test
    void badOptionsAreOneLineBeforeAnyImageIsRead() {
        ExampleRun far = ExampleRun.of(new FaceVerification(), "--far", "2");
        assertEquals(2, far.exitCode(), far::toString);
        assertEquals(1, far.errLines().length, far::toString);
        assertTrue(far.err().contains("--far must be between 0 and 1"), far::toString);
        assertEquals("", far.out(), "nothing is loaded or generated: " + far);

        ExampleRun several = ExampleRun.of(new FaceVerification(), "--m", "1", "--folds", "1", "--data",
                dir.resolve("missing").toString());
        assertEquals(2, several.exitCode(), several::toString);
        assertEquals(1, several.errLines().length, several::toString);
        for (String option : new String[] {"--m", "--folds", "--data"}) {
            assertTrue(several.err().contains(option + " "), option + ": " + several);
        }
        ExampleRun mixed = ExampleRun.of(new FaceVerification(), "--split", "0.5,0.5", "--test-folds", "2-1",
                "--steps", "5", "--epochs", "2", "--backbone", "vgg", "--no-cluster", "--cluster-neighbors", "5");
        assertEquals(2, mixed.exitCode(), mixed::toString);
        assertEquals(1, mixed.errLines().length, mixed::toString);
        for (String problem : new String[] {"--split must be three shares", "--test-folds chooses folds of --pairs",
            "--test-folds must be fold numbers from 1", "--steps and --epochs both", "--backbone must be convnet or"
                    + " resnet18, got vgg", "--cluster-neighbors sets the clustering that --no-cluster skips"}) {
            assertTrue(mixed.err().contains(problem), problem + ": " + mixed);
        }
        ExampleRun batch = ExampleRun.of(new FaceVerification(), "--batch-size", "30");
        assertTrue(batch.err().contains("--batch-size must be a multiple of --m (4)"), batch::toString);
    }

    private static void assertRefused(ExampleRun r, String... fragments) {
        assertEquals(2, r.exitCode(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        for (String f : fragments) {
            assertTrue(r.err().contains(f), () -> f + " in " + r);
        }
        assertTrue(!r.out().contains("Training "), () -> "refused before training: " + r);
    }
}
