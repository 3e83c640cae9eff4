package io.github.dml4j.datasets;

import io.github.dml4j.data.FileDigests;
import io.github.dml4j.data.LabeledImages;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Reads the real Fashion-MNIST files of Debian's {@code dataset-fashion-mnist} package (CI
 * installs it; elsewhere the test is skipped): the files have the published checksums and
 * hold 60,000 + 10,000 images, balanced over 10 classes.
 */
class FashionMnistInstalledTest {

    private static final Path SYSTEM = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void readsTheInstalledFiles() throws IOException {
        assumeTrue(Files.isRegularFile(SYSTEM.resolve("train-images-idx3-ubyte.gz")),
                "dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)");
        for (String name : FashionMnist.FILE_NAMES) {
            assertEquals(FashionMnist.DEFAULT_CHECKSUMS.get(name), FileDigests.sha256(SYSTEM.resolve(name)), name);
        }
        FashionMnist fm = FashionMnist.builder().optDirectory(SYSTEM).build();
        LabeledImages train = fm.load(FashionMnist.Split.TRAIN);
        LabeledImages test = fm.load(FashionMnist.Split.TEST);
        assertEquals(60_000, train.size());
        assertEquals(10_000, test.size());
        assertEquals(new ai.djl.ndarray.types.Shape(1, 28, 28), train.imageShape());
        int[] counts = new int[10];
        Arrays.stream(test.labels()).forEach(l -> counts[l]++);
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, counts);
    }
}
