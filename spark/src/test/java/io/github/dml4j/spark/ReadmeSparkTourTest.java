package io.github.dml4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every {@code java spark} block of the README is in {@link ReadmeSparkTour}, line for line (indentation aside). */
class ReadmeSparkTourTest {

    private static final Pattern SPARK_BLOCK = Pattern.compile("```java spark\\n(.*?)```", Pattern.DOTALL);

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
    void everySparkBlockOfTheReadmeIsCompiledInTheTour() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        List<String> tour = trimmed(Files.readString(Path.of("src/test/java/io/github/dml4j/spark/ReadmeSparkTour.java")));
        Matcher m = SPARK_BLOCK.matcher(readme);
        int blocks = 0;
        while (m.find()) {
            blocks++;
            List<String> block = trimmed(m.group(1));
            assertTrue(Collections.indexOfSubList(tour, block) >= 0,
                    "README Spark block " + blocks + " is not in ReadmeSparkTour.java as written:\n" + m.group(1));
        }
        assertEquals(1, blocks, "Spark blocks in the README; ReadmeSparkTour has a method for each");
    }
}
