package io.github.dml4j.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine;

/**
 * How every example runs its command line, so that a user's mistake costs one line and no
 * training time: an option picocli cannot parse, a setting an example's checks reject
 * ({@link OptionChecks}), and a library {@link IllegalArgumentException} or an I/O error met while
 * setting up (a folder without images, too few classes for a batch) are each printed as one line,
 * {@code NAME: message}, with exit code 2. Any other exception is a bug and keeps its stack trace;
 * {@code DML4J_DEBUG=1} prints the stack trace of the one-line errors as well.
 */
final class CommandLines {

    private CommandLines() {}

    /** The command line of {@code command}, with the examples' error handling and case-insensitive enum values. */
    static CommandLine of(Object command) {
        CommandLine cl = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        // an OptionChecks error carries a CommandLine of its own: print to this one's streams
        cl.setParameterExceptionHandler((e, args) -> parameterError(cl, e));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (!isUserError(e)) {
                throw e;
            }
            PrintWriter err = cmd.getErr();
            err.println(cmd.getCommandName() + ": " + message(e));
            if (debug()) {
                e.printStackTrace(err);
            }
            err.flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    /** Runs {@code command} with {@code args} and returns its exit code (2 for a user's error). */
    static int execute(Object command, String... args) {
        return of(command).execute(args);
    }

    /** An error in what the user gave (a setting, a file, a folder), not in the code. */
    static boolean isUserError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException;
    }

    private static String message(Throwable e) {
        String m = e instanceof UncheckedIOException && e.getCause() != null
                ? e.getMessage() + ": " + e.getCause().getMessage() : e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static int parameterError(CommandLine cmd, CommandLine.ParameterException e) {
        PrintWriter err = cmd.getErr();
        StringBuilder line = new StringBuilder(cmd.getCommandName()).append(": ").append(message(e));
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                if (!line.toString().matches("(?s).*[.!?]$")) {
                    line.append('.');
                }
                line.append(" Did you mean ").append(String.join(" or ", suggestions)).append('?');
            }
        }
        line.append(" (").append(cmd.getCommandName()).append(" --help lists the options)");
        err.println(line);
        if (debug()) {
            e.printStackTrace(err);
        }
        err.flush();
        return cmd.getExitCodeExceptionMapper() != null ? cmd.getExitCodeExceptionMapper().getExitCode(e)
                : cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static boolean debug() {
        String v = System.getenv("DML4J_DEBUG");
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }
}
