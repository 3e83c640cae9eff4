package io.github.dml4j.readme;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Java code block of the README is in {@link ReadmeTour}, line for line (indentation
 * aside), so the README's API tour compiles as written: change one, change the other.
 */
class ReadmeTourTest {

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    private static List<String> trimmed(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\n")) {
            if (!line.isBlank()) {
                lines.add(line.strip());
            }
        }
        return lines;
    }

    @Test
    void everyJavaBlockOfTheReadmeIsCompiledInTheTour() throws IOException {
        Path base = Path.of(System.getProperty("basedir", "."));
        String readme = Files.readString(base.resolve("README.md"));
        List<String> tour = trimmed(Files.readString(base.resolve("src/test/java/io/github/dml4j/readme/ReadmeTour.java")));
        Matcher m = JAVA_BLOCK.matcher(readme);
        int blocks = 0;
        while (m.find()) {
            blocks++;
            List<String> block = trimmed(m.group(1));
            assertTrue(java.util.Collections.indexOfSubList(tour, block) >= 0,
                    "README Java block " + blocks + " is not in ReadmeTour.java as written:\n" + m.group(1));
        }
        assertEquals(11, blocks, "Java blocks in the README; ReadmeTour has a method for each");
    }
}
