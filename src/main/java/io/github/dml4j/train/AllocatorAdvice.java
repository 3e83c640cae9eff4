package io.github.dml4j.train;

import org.slf4j.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Says once per JVM, at the first training run on Linux, when the process allocates with glibc's
 * malloc. Native engines called from Java threads allocate from glibc's per-thread arenas, which
 * hand the memory of freed tensors back to the system; the next step faults it in again, which
 * can cost half of a small network's training step. tcmalloc keeps it.
 */
final class AllocatorAdvice {

    private static final AtomicBoolean GIVEN = new AtomicBoolean();

    private AllocatorAdvice() {}

    /** Logs the advice if it applies and was not given yet. */
    static void adviseOnce(Logger logger) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") || GIVEN.getAndSet(true)) {
            return;
        }
        String maps;
        try {
            maps = Files.readString(Path.of("/proc/self/maps"));
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (!maps.contains("tcmalloc") && !maps.contains("jemalloc") && !maps.contains("mimalloc")) {
            logger.info("This JVM allocates with glibc's malloc, which returns every freed tensor's memory to the "
                    + "system between training steps; preloading tcmalloc (LD_PRELOAD=libtcmalloc_minimal.so.4, "
                    + "Debian/Ubuntu package libtcmalloc-minimal4) trains up to twice as fast. examples/run does it.");
        }
    }
}
