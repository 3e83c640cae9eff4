package io.github.dml4j.examples;

import io.github.dml4j.datasets.SyntheticIdentities;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Writes a folder of generated faces, one sub-folder per identity, of any size: the folder is
 * rendered and written a block of identities at a time, so 100,000 images need no more memory
 * than a few thousand.
 */
@Command(name = "GenerateFaces", mixinStandardHelpOptions = true,
        description = "Writes generated faces as an identity folder (one sub-folder per identity), of any size.")
public final class GenerateFaces implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Folder to write into.")
    Path out;

    @Option(names = "--identities", defaultValue = "5000", description = "Identities (default ${DEFAULT-VALUE}).")
    int identities;

    @Option(names = "--images-per-identity", defaultValue = "20",
            description = "Images of each identity (default ${DEFAULT-VALUE}).")
    int imagesPerIdentity;

    @Option(names = "--size", defaultValue = "128", description = "Image side in pixels (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--grey", description = "Grey images instead of colour.")
    boolean grey;

    @Option(names = "--format", defaultValue = "jpg", description = "jpg, png or pgm (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--distinct-attributes", description = "Draw the identity-bound attributes so that the images "
            + "show what the attribute CSV says (FaceAttributes' faces): a moustache only without a beard, hair that "
            + "stands out from the skin, thicker glasses frames and moustaches, three separated jaw widths and an "
            + "outlined head.")
    boolean distinctAttributes;

    @Override
    public Integer call() throws Exception {
        new OptionChecks(this)
                .atLeast("--identities", identities, 1)
                .atLeast("--images-per-identity", imagesPerIdentity, 1)
                .between("--size", size, SyntheticIdentities.MIN_IMAGE_SIZE, SyntheticIdentities.MAX_IMAGE_SIZE)
                .require(SyntheticIdentities.FORMATS.contains(format.toLowerCase(Locale.ROOT)),
                        "--format must be one of " + SyntheticIdentities.FORMATS + ", got " + format)
                .require(!(format.equalsIgnoreCase("pgm") && !grey), "--format pgm holds grey images only: add --grey")
                .check();
        long start = System.nanoTime();
        long written = SyntheticIdentities.builder().setIdentities(identities).optImagesPerIdentity(imagesPerIdentity)
                .optImageSize(size).optChannels(grey ? 1 : 3).optDistinctAttributes(distinctAttributes).optSeed(seed)
                .build().writeFolderInBlocks(out, format);
        System.out.printf(Locale.ROOT, "Wrote %,d images of %,d identities to %s in %.0f s%n", written, identities,
                out.toAbsolutePath(), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** Runs the example; {@code --help} lists the options. */
    public static void main(String[] args) {
        System.exit(CommandLines.execute(new GenerateFaces(), args));
    }
}
