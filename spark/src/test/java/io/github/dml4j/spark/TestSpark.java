package io.github.dml4j.spark;

import org.apache.spark.sql.SparkSession;

/** One local[2] SparkSession for all the test classes of this module (started once per test JVM). */
final class TestSpark {

    private static SparkSession session;

    private TestSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("dml4j-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    // the tests' Datasets are small: compiling whole-stage code would cost more than it saves
                    .config("spark.sql.codegen.wholeStage", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
        }
        return session;
    }
}
