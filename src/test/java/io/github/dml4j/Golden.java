package io.github.dml4j;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reference values computed with pytorch-metric-learning 2.8.1, from src/test/resources/golden. */
public final class Golden {

    private static JsonObject root;

    private Golden() {}

    /** The whole reference file. */
    public static synchronized JsonObject root() {
        if (root == null) {
            try (InputStream in = Golden.class.getResourceAsStream("/golden/pml_reference.json")) {
                root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** Follows a path of object keys, e.g. {@code get("losses", "ntxent_t0.07", "value")}. */
    public static JsonElement get(String... path) {
        JsonElement e = root();
        for (String key : path) {
            e = e.getAsJsonObject().get(key);
            if (e == null) {
                throw new IllegalArgumentException("No golden value at " + String.join("/", path));
            }
        }
        return e;
    }

    /** The object at a path of keys. */
    public static JsonObject object(String... path) {
        return get(path).getAsJsonObject();
    }

    /** A 2-D array of numbers as a float32 NDArray. */
    public static NDArray matrix(NDManager manager, JsonElement element) {
        return manager.create(floats(element));
    }

    /** A 2-D array of numbers. */
    public static float[][] floats(JsonElement element) {
        JsonArray rows = element.getAsJsonArray();
        int cols = rows.get(0).getAsJsonArray().size();
        float[][] m = new float[rows.size()][cols];
        for (int i = 0; i < rows.size(); i++) {
            JsonArray r = rows.get(i).getAsJsonArray();
            for (int j = 0; j < cols; j++) {
                m[i][j] = r.get(j).getAsFloat();
            }
        }
        return m;
    }

    /** A 1-D array of integers. */
    public static int[] ints(JsonElement element) {
        JsonArray a = element.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    /** A list of integer tuples as a set of lists, for comparing mined tuples as sets. */
    public static Set<List<Long>> tuples(JsonElement element) {
        Set<List<Long>> out = new HashSet<>();
        for (JsonElement t : element.getAsJsonArray()) {
            List<Long> tuple = new ArrayList<>();
            for (JsonElement v : t.getAsJsonArray()) {
                tuple.add(v.getAsLong());
            }
            out.add(tuple);
        }
        return out;
    }

    /** Rows of an (N, k) int64 NDArray as a set of lists. */
    public static Set<List<Long>> tuples(NDArray matrix) {
        Set<List<Long>> out = new HashSet<>();
        long[] flat = matrix.toLongArray();
        int k = (int) matrix.getShape().get(1);
        for (int i = 0; i < flat.length; i += k) {
            List<Long> tuple = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                tuple.add(flat[i + j]);
            }
            out.add(tuple);
        }
        return out;
    }
}
