package io.github.dml4j.examples;

import io.github.dml4j.data.IdxReader;
import io.github.dml4j.data.LabeledImages;
import io.github.dml4j.datasets.FashionMnist;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads Fashion-MNIST for the examples: the class-balanced sample that ships in the examples'
 * resources (3,000 train and 1,000 test images), or the full set from a directory.
 */
final class SampleData {

    private static final String SAMPLE = "/fashion-mnist-sample/";

    private SampleData() {}

    /** The shipped sample's split (works from a directory or from a jar). */
    static LabeledImages sample(FashionMnist.Split split) {
        try {
            Path dir = Files.createTempDirectory("dml4j-sample");
            try {
                Path images = copy(split.imagesFile(), dir);
                Path labels = copy(split.labelsFile(), dir);
                return IdxReader.read(images, labels);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the Fashion-MNIST sample shipped with the examples", e);
        }
    }

    /** The full data set: from {@code dir} if given, else from the cache or Debian's package. */
    static LabeledImages full(Path dir, FashionMnist.Split split) throws IOException {
        FashionMnist.Builder builder = FashionMnist.builder();
        if (dir != null) {
            builder.optDirectory(dir);
        }
        return builder.build().load(split);
    }

    private static Path copy(String name, Path dir) throws IOException {
        try (InputStream in = SampleData.class.getResourceAsStream(SAMPLE + name)) {
            if (in == null) {
                throw new IOException("The examples' resources lack " + SAMPLE + name);
            }
            Path target = dir.resolve(name);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
    }
}
