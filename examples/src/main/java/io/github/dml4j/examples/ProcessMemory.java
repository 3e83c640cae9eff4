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

    /**
     * Resets the peak resident set size to the current one (Linux 4.0+: writes 5 to
     * /proc/self/clear_refs), so that the next {@link #peakResidentMb()} is the peak of what
     * follows; false where that is not possible.
     */
    static boolean resetPeak() {
        Path clearRefs = Path.of("/proc/self/clear_refs");
        if (!Files.isWritable(clearRefs)) {
            return false;
        }
        try {
            Files.writeString(clearRefs, "5");
            return true;
        } catch (IOException e) {
            return false;
        }
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
