package io.github.dml4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale check, not a correctness test: random (N, 64) embeddings in 10 classes must go through the
 * chunked retrieval metrics and k-means in bounded memory. N is 20,000 by default; run by hand
 * with {@code -Ddml4j.eval.scaleRows=60000} for the benchmark size. Logs time and peak resident
 * memory (Linux).
 */
@Tag("scale")
class RetrievalScaleTest {

    private static final Logger logger = LoggerFactory.getLogger(RetrievalScaleTest.class);

    @Test
    void randomEmbeddingsComplete() {
        int n = Integer.getInteger("dml4j.eval.scaleRows", 20_000);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 10;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(0);
            NDArray embeddings = manager.randomNormal(new Shape(n, 64));
            long rssBefore = resetPeakRss();
            long start = System.nanoTime();
            RetrievalReport report = RetrievalMetrics.builder().build().compute(embeddings, labels);
            double seconds = (System.nanoTime() - start) / 1e9;
            long peak = peakRssMb();
            logger.info("retrieval {} x 64, k = {}: {} s, resident {} MB before, peak {} MB; {}",
                    n, report.k(), String.format("%.1f", seconds), rssBefore, peak, report);
            assertEquals(n / 10 - 1, report.k());
            assertEquals(0.1, report.precisionAt1(), 0.03, "random embeddings score at chance");

            resetPeakRss();
            start = System.nanoTime();
            int[] clusters = KMeans.builder().setK(10).build().cluster(embeddings);
            double nmi = ClusteringMetrics.nmi(labels, clusters);
            logger.info("k-means + NMI {} x 64: {} s, peak {} MB, NMI {}",
                    n, String.format("%.1f", (System.nanoTime() - start) / 1e9), peakRssMb(), nmi);
            assertTrue(nmi < 0.05, "random embeddings have no cluster structure: " + nmi);
        }
    }

    /** Resets the kernel's peak-RSS counter (Linux) and returns the current resident MB, or -1. */
    private static long resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux, or not permitted: the peak then includes start-up
        }
        return status("VmRSS:");
    }

    private static long peakRssMb() {
        return status("VmHWM:");
    }

    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
