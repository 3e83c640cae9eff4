package io.github.dml4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Version information of the DML4J library and the DJL it was built with. */
public final class Dml4j {

    private static final Properties PROPERTIES = load();

    private Dml4j() {}

    /** The DML4J version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return PROPERTIES.getProperty("version", "unknown");
    }

    /** The DJL version DML4J was built against. */
    public static String djlVersion() {
        return PROPERTIES.getProperty("djl.version", "unknown");
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = Dml4j.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
