package io.github.dml4j.index;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.github.dml4j.distance.Distance;
import io.github.dml4j.distance.IndexMetric;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Shared helpers of the index package: input checks and the file header. Every index file
 * starts with 8 magic bytes, a little-endian int32 header length and a UTF-8 JSON header.
 */
final class IndexFiles {

    /** Upper bound on the JSON header, so a corrupt length fails fast. */
    private static final int MAX_HEADER = 1 << 20;

    private IndexFiles() {}

    /** Row-major copy of the rows, checked for shape and the expected dimension (0 = any). */
    static float[] flatten(float[][] rows, int dimension, String what) {
        Objects.requireNonNull(rows, "The " + what + " must not be null.");
        if (rows.length == 0) {
            throw new IllegalArgumentException("The " + what + " are empty: give at least one row.");
        }
        int d = rows[0] == null ? 0 : rows[0].length;
        checkDimension(d, dimension, what);
        float[] flat = new float[Math.multiplyExact(rows.length, d)];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != d) {
                throw new IllegalArgumentException(
                        "Row " + i + " of the " + what + " has " + (rows[i] == null ? "no" : rows[i].length)
                                + " values but row 0 has " + d + ": the rows must all have the same length.");
            }
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return flat;
    }

    /** Row-major float32 copy of an (N, D) array; its dimension is {@code shape[1]}. */
    static float[] flatten(NDArray rows, int dimension, String what) {
        Objects.requireNonNull(rows, "The " + what + " must not be null.");
        Shape shape = rows.getShape();
        if (shape.dimension() != 2 || shape.get(0) == 0) {
            throw new IllegalArgumentException(
                    "The " + what + " must be a non-empty 2-D (N, D) array, but the shape is " + shape + ".");
        }
        checkDimension((int) shape.get(1), dimension, what);
        if (rows.getDataType() == DataType.FLOAT32) {
            return rows.toFloatArray();
        }
        try (NDArray f = rows.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    static void checkDimension(int d, int dimension, String what) {
        if (d == 0) {
            throw new IllegalArgumentException("The " + what + " have rows of length 0.");
        }
        if (dimension != 0 && d != dimension) {
            throw new IllegalArgumentException(
                    "The " + what + " have dimension " + d + " but the index holds " + dimension
                            + "-dimensional embeddings.");
        }
    }

    static void checkIds(long[] ids, int rows) {
        Objects.requireNonNull(ids, "The ids must not be null.");
        if (ids.length != rows) {
            throw new IllegalArgumentException(
                    "There are " + ids.length + " ids for " + rows + " embedding rows: give one id per row.");
        }
    }

    static void checkK(int k, int size) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be at least 1, but was " + k + ".");
        }
        if (size == 0) {
            throw new IllegalArgumentException("The index is empty: add embeddings before searching.");
        }
        if (k > size) {
            throw new IllegalArgumentException(
                    "k = " + k + " is larger than the index, which holds " + size + " embeddings.");
        }
    }

    /** The built-in distance named by {@link Distance#name()}. */
    static Distance distanceNamed(String name) {
        try {
            return Distance.named(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown distance '" + name + "'", e);
        }
    }

    /**
     * Fails unless an index can compute the distance, as its {@link Distance#indexMetric()}
     * declares.
     *
     * @throws IllegalArgumentException naming the distance when it is not indexable
     */
    static Distance checkDistance(Distance distance) {
        IndexMetric.requireIndexable(distance, "An index");
        return distance;
    }

    static void writeHeader(DataOutputStream out, byte[] magic, JsonObject header) throws IOException {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        out.write(magic);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(json.length).array());
        out.write(json);
    }

    /** Header size in bytes for a given JSON length. */
    static long headerBytes(byte[] magic, int jsonLength) {
        return magic.length + 4L + jsonLength;
    }

    /**
     * Reads the magic, the header length and the JSON header.
     *
     * @return the header and, in {@code length[0]}, its JSON length in bytes
     * @throws IOException naming the file when the magic is wrong, the file ends early or the
     *     header is not JSON
     */
    static JsonObject readHeader(DataInputStream in, Path file, byte[] magic, String kind, int[] length)
            throws IOException {
        byte[] seen = new byte[magic.length];
        try {
            in.readFully(seen);
            if (!Arrays.equals(seen, magic)) {
                throw new IOException(
                        file + " is not " + kind + " file (it does not start with the "
                                + new String(magic, StandardCharsets.US_ASCII) + " marker).");
            }
            byte[] len = new byte[4];
            in.readFully(len);
            int n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (n <= 0 || n > MAX_HEADER) {
                throw new IOException(file + " is corrupt: its header length is " + n + " bytes.");
            }
            byte[] json = new byte[n];
            in.readFully(json);
            length[0] = n;
            return JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: it ends inside its header.", e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(file + " is corrupt: its header is not a JSON object (" + e.getMessage() + ").", e);
        }
    }

    /** A required field of a header, with a message naming the file when it is missing. */
    static JsonObject require(JsonObject header, Path file, String... fields) throws IOException {
        for (String f : fields) {
            if (!header.has(f) || header.get(f).isJsonNull()) {
                throw new IOException(file + " is corrupt: its header lacks the field '" + f + "'.");
            }
        }
        return header;
    }

    /**
     * The distance a file's header names: {@code given} when it has that name (so an index of a
     * distance of one's own loads with it), else the built-in distance of that name.
     *
     * @param given the distance the caller offers, or null
     * @throws IOException naming the file when the name is neither {@code given}'s nor built in
     */
    static Distance readDistance(JsonObject header, Path file, Distance given) throws IOException {
        String name = header.get("distance").getAsString();
        if (given != null && name.equals(given.name())) {
            return given;
        }
        try {
            return distanceNamed(name);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " names an unknown distance '" + name + "': it is not built in"
                    + (given == null ? "" : ", and the distance given to load it is named '" + given.name() + "'")
                    + ". An index of a distance of one's own loads with that distance given.", e);
        }
    }
}
