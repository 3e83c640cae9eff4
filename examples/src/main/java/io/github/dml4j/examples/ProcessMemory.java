package io.github.dml4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process, read from /proc on Linux (NaN elsewhere). */
final class ProcessMemory {

    private ProcessMemory() {}

    /** Current resident set size in MB. */
    static double residentMb() {
        return read("VmRSS:");
    }

    /** Peak resident set size in MB. */
    static double peakResidentMb() {
        return read("VmHWM:");
    }

    private static double read(String key) {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return Double.NaN;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
