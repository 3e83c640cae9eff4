package io.github.dml4j.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads {@code golden/pml_reference.json} (pytorch-metric-learning 2.8.1 and scikit-learn values). */
final class Golden {

    private static JsonObject root;

    private Golden() {}

    static synchronized JsonObject root() {
        if (root == null) {
            try (InputStream in = Golden.class.getResourceAsStream("/golden/pml_reference.json")) {
                if (in == null) {
                    throw new IllegalStateException("golden/pml_reference.json is not on the test classpath");
                }
                root = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static JsonObject object(String... path) {
        JsonObject o = root();
        for (String key : path) {
            o = o.getAsJsonObject(key);
        }
        return o;
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    static float[][] matrix(JsonArray a) {
        float[][] out = new float[a.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonArray row = a.get(i).getAsJsonArray();
            out[i] = new float[row.size()];
            int j = 0;
            for (JsonElement v : row) {
                out[i][j++] = v.getAsFloat();
            }
        }
        return out;
    }
}
