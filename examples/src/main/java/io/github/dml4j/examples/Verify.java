package io.github.dml4j.examples;

import ai.djl.modality.cv.Image;
import io.github.dml4j.data.ImageFiles;
import io.github.dml4j.inference.EmbeddingModel;
import io.github.dml4j.inference.Verification;
import io.github.dml4j.inference.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What another application does with an exported, calibrated model: loads it and decides
 * whether two image files show the same identity, with the threshold stored in its model card.
 * Images are read as JPEG, PNG, PGM or PPM and prepared exactly as in training (the card records
 * size, colour and crop).
 */
@Command(name = "Verify", mixinStandardHelpOptions = true,
        description = "Prints the similarity score of two images and whether they show the same identity.")
public final class Verify implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Model directory written by FaceVerification (or any "
            + "calibrated DML4J model).")
    Path model;

    @Parameters(index = "0", description = "First image (JPEG, PNG, PGM or PPM).")
    Path first;

    @Parameters(index = "1", description = "Second image.")
    Path second;

    @Override
    public Integer call() throws IOException {
        new OptionChecks(this).directory("--model", model).file("first image", first).file("second image", second)
                .check();
        Image a;
        Image b;
        try {
            a = ImageFiles.read(first);
            b = ImageFiles.read(second);
        } catch (IOException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        try (EmbeddingModel loaded = EmbeddingModel.load(model)) {
            Verification v = Verifier.of(loaded).verify(a, b);
            System.out.printf(Locale.ROOT, "score %.4f, threshold %.4f (%s): %s%n", v.score(), v.threshold(),
                    loaded.card().distance(), v.same() ? "SAME identity" : "DIFFERENT identities");
            return 0;
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            System.err.println(e.getMessage()); // missing or damaged model, or no calibrated threshold
            return 2;
        }
    }

    /** Runs the check; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new Verify(), args));
    }
}
