package io.github.dml4j.attributes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.dml4j.data.AttributeTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The logistic / softmax probe against scikit-learn's {@code LogisticRegression} (L2, C 1.0,
 * lbfgs, intercept; class weights none and balanced) on committed embeddings of 30 generated
 * identities an identity model never saw: 20 identities train, 10 test. The fixture and
 * scikit-learn's figures come from examples/reference/attribute_probe_reference.py.
 */
class AttributeProbeSklearnTest {

    private record Fixture(List<String> attributes, boolean[] train, int[][] labels, float[][] x) {}

    private static Fixture fixture() throws IOException {
        List<String> lines;
        try (InputStream in = AttributeProbeSklearnTest.class.getResourceAsStream("/attributes/probe-fixture.csv")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        String[] header = lines.get(0).split(",");
        int firstE = Arrays.asList(header).indexOf("e0");
        List<String> attributes = Arrays.asList(header).subList(2, firstE);
        int n = lines.size() - 1;
        boolean[] train = new boolean[n];
        int[][] labels = new int[attributes.size()][n];
        float[][] x = new float[n][header.length - firstE];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",");
            train[i] = f[1].equals("train");
            for (int a = 0; a < attributes.size(); a++) {
                labels[a][i] = Integer.parseInt(f[2 + a]);
            }
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] = Float.parseFloat(f[firstE + j]);
            }
        }
        return new Fixture(attributes, train, labels, x);
    }

    @Test
    void agreesWithScikitLearnWithin001() throws IOException {
        Fixture fx = fixture();
        JsonObject reference;
        try (InputStream in = AttributeProbeSklearnTest.class.getResourceAsStream("/attributes/sklearn-probe.json")) {
            reference = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        JsonArray results = reference.getAsJsonArray("results");
        assertTrue(results.size() >= 8, "compared results: " + results.size());
        List<String> rows = new ArrayList<>();
        for (JsonElement e : results) {
            JsonObject r = e.getAsJsonObject();
            String name = r.get("attribute").getAsString();
            int classes = r.get("classes").getAsInt();
            ClassWeighting weighting = r.get("class_weight").getAsString().equals("balanced")
                    ? ClassWeighting.BALANCED : ClassWeighting.NONE;
            int a = fx.attributes().indexOf(name);
            int[] y = fx.labels()[a];
            int[] trainRows = java.util.stream.IntStream.range(0, y.length).filter(i -> fx.train()[i] && y[i] >= 0)
                    .toArray();
            int[] testRows = java.util.stream.IntStream.range(0, y.length).filter(i -> !fx.train()[i] && y[i] >= 0)
                    .toArray();
            Probe probe = AttributeProbe.builder().optClassWeighting(weighting).build()
                    .fit(select(fx.x(), trainRows), select(y, trainRows), classes);
            float[][] p = probe.predictProba(select(fx.x(), testRows));
            int[] truth = select(y, testRows);
            AttributeTable.Attribute attribute = classes == 2 ? AttributeTable.Attribute.binary(name)
                    : AttributeTable.Attribute.categorical(name,
                            java.util.stream.IntStream.range(0, classes).mapToObj(String::valueOf).toList());
            int[] decided = Arrays.stream(p).mapToInt(row -> AttributeClassifier.decide(attribute, 0.5, row)).toArray();
            AttributeScores ours = AttributeProbes.score(attribute, truth, p, decided);
            String where = name + " (" + weighting + ")";
            rows.add(String.format(Locale.ROOT, "%-24s accuracy %.4f / sklearn %.4f", where, ours.accuracy(),
                    r.get("accuracy").getAsDouble()));
            assertEquals(r.get("accuracy").getAsDouble(), ours.accuracy(), 0.01, where + " accuracy");
            assertEquals(r.get("balanced_accuracy").getAsDouble(), ours.balancedAccuracy(), 0.01,
                    where + " balanced accuracy");
            if (classes == 2) {
                assertEquals(r.get("roc_auc").getAsDouble(), ours.rocAuc(), 0.01, where + " ROC AUC");
            } else {
                assertEquals(r.get("macro_f1").getAsDouble(), ours.macroF1(), 0.01, where + " macro-F1");
            }
        }
        System.out.println(String.join("\n", rows));
    }

    private static float[][] select(float[][] x, int[] rows) {
        return Arrays.stream(rows).mapToObj(i -> x[i]).toArray(float[][]::new);
    }

    private static int[] select(int[] y, int[] rows) {
        return Arrays.stream(rows).map(i -> y[i]).toArray();
    }
}
