package io.github.dml4j.examples;

import org.apache.spark.sql.SparkSession;

/** The SparkSession of the Spark examples: the master given, or the one spark-submit set. */
final class SparkJobs {

    private SparkJobs() {}

    /**
     * Keeps Spark's and Hadoop's INFO lines out of the examples' output (they log through the
     * examples' SLF4J binding); call first in main, before any logger exists.
     */
    static void quietLogs() {
        for (String name : new String[] {"org.apache.spark", "org.apache.hadoop", "org.sparkproject", "org.apache.parquet"}) {
            System.setProperty("org.slf4j.simpleLogger.log." + name, "warn");
        }
    }

    /**
     * A session on {@code master} (e.g. {@code local[2]}), or, when null, on the master that
     * spark-submit configured (spark.master), or local[2] when there is none.
     */
    static SparkSession session(String appName, String master) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName).config("spark.ui.enabled", "false");
        if (master != null) {
            builder.master(master);
        } else if (System.getProperty("spark.master") == null) {
            builder.master("local[2]");
        }
        return builder.getOrCreate();
    }
}
