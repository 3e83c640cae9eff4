package io.github.dml4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Collects what is wrong with an example's options, each problem naming its option, and
 * reports them all at once before any data is read or any training starts:
 * <pre>{@code
 * new OptionChecks(this).atLeast("--epochs", epochs, 1).openFraction("--far", far).check();
 * }</pre>
 */
final class OptionChecks {

    private final Object command;
    private final List<String> problems = new ArrayList<>();

    /** Checks of the options of {@code command}, the picocli command object. */
    OptionChecks(Object command) {
        this.command = command;
    }

    /** {@code name} must be at least {@code min}. */
    OptionChecks atLeast(String name, long value, long min) {
        if (value < min) {
            problems.add(name + " must be " + (min == 1 ? "positive" : "at least " + min) + ", got " + value);
        }
        return this;
    }

    /** {@code name} must be at least {@code min}, for the reason given. */
    OptionChecks atLeast(String name, long value, long min, String why) {
        if (value < min) {
            problems.add(name + " must be at least " + min + " (" + why + "), got " + value);
        }
        return this;
    }

    /** {@code name} must be between {@code min} and {@code max}, both included. */
    OptionChecks between(String name, long value, long min, long max) {
        if (value < min || value > max) {
            problems.add(name + " must be between " + min + " and " + max + ", got " + value);
        }
        return this;
    }

    /** {@code name} must be finite and above 0. */
    OptionChecks positive(String name, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            problems.add(name + " must be positive, got " + value);
        }
        return this;
    }

    /** {@code name} must be finite and 0 or more. */
    OptionChecks notNegative(String name, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            problems.add(name + " must be 0 or more, got " + value);
        }
        return this;
    }

    /** {@code name} must lie strictly between 0 and 1. */
    OptionChecks openFraction(String name, double value) {
        if (!(value > 0 && value < 1)) {
            problems.add(name + " must be between 0 and 1 (both excluded), got " + value);
        }
        return this;
    }

    /** {@code name} must lie in [0, 1]. */
    OptionChecks closedFraction(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            problems.add(name + " must be between 0 and 1, got " + value);
        }
        return this;
    }

    /** Images per class in a batch and the batch size: m at least 2 and the batch a multiple of m holding two classes. */
    OptionChecks classBatch(String batchName, long batchSize, String mName, long m) {
        if (m < 2) {
            problems.add(mName + " must be at least 2 (a class needs two images in a batch to make a positive pair),"
                    + " got " + m);
        } else if (batchSize < 2 * m || batchSize % m != 0) {
            problems.add(batchName + " must be a multiple of " + mName + " (" + m + ") and hold at least two classes"
                    + " (" + 2 * m + " or more), got " + batchSize);
        }
        return this;
    }

    /** If given, {@code name} must be an existing directory. */
    OptionChecks directory(String name, Path value) {
        if (value != null && !Files.isDirectory(value)) {
            problems.add(name + " " + value + (Files.exists(value) ? " is not a directory" : ": no such directory"));
        }
        return this;
    }

    /** If given, {@code name} must be an existing file. */
    OptionChecks file(String name, Path value) {
        if (value != null && !Files.isRegularFile(value)) {
            problems.add(name + " " + value + (Files.exists(value) ? " is not a file" : ": no such file"));
        }
        return this;
    }

    /** A problem of its own, reported with {@code message} unless {@code ok}. */
    OptionChecks require(boolean ok, String message) {
        if (!ok) {
            problems.add(message);
        }
        return this;
    }

    /** The problems found so far. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    /**
     * Throws one picocli {@link CommandLine.ParameterException} listing every problem found, if any.
     *
     * @throws CommandLine.ParameterException naming each bad option
     */
    void check() {
        if (!problems.isEmpty()) {
            throw error(command, String.join("; ", problems) + ".");
        }
    }

    /** A one-line error of {@code command}'s options (a problem found after reading the data, for example). */
    static CommandLine.ParameterException error(Object command, String message) {
        return new CommandLine.ParameterException(new CommandLine(command), message);
    }
}
