package io.github.dml4j.datasets;

import io.github.dml4j.data.LabeledImages;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Fashion-MNIST sample committed under examples/ reads back as documented in its README. */
class CommittedSampleTest {

    private static final Path SAMPLE = Path.of(System.getProperty("basedir", "."))
            .resolve("examples/src/main/resources/fashion-mnist-sample");

    @Test
    void sampleIsClassBalanced() throws IOException {
        FashionMnist fm = FashionMnist.builder().optDirectory(SAMPLE).build();
        check(fm.load(FashionMnist.Split.TRAIN), 300);
        check(fm.load(FashionMnist.Split.TEST), 100);
    }

    private static void check(LabeledImages data, int perClass) {
        assertEquals(10 * perClass, data.size());
        assertEquals(1, data.channels());
        assertEquals(28, data.height());
        assertEquals(28, data.width());
        int[] counts = new int[10];
        Arrays.stream(data.labels()).forEach(l -> counts[l]++);
        int[] expected = new int[10];
        Arrays.fill(expected, perClass);
        assertArrayEquals(expected, counts);
    }
}
