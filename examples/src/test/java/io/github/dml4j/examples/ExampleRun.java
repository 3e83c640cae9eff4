package io.github.dml4j.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** One run of an example's command line inside the test's JVM: its exit code, what it printed and its error output. */
record ExampleRun(int exitCode, String out, String err) {

    /** Runs {@code command} with {@code args} as {@code main} would, capturing System.out and the command's error stream. */
    static synchronized ExampleRun of(Object command, String... args) {
        CommandLine cl = CommandLines.of(command);
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            return new ExampleRun(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(original);
        }
    }

    /** The error output's lines. */
    String[] errLines() {
        return err.isBlank() ? new String[0] : err.strip().split("\\R");
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
    }
}
