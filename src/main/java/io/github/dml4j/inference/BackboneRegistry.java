package io.github.dml4j.inference;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.dml4j.backbone.Backbone;
import io.github.dml4j.backbone.ConvNet;
import io.github.dml4j.backbone.ResNet;
import io.github.dml4j.backbone.TorchScriptBackbone;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Maps a backbone type name stored in a model card (for example {@code "convnet"}) to the code
 * that rebuilds its {@link Backbone} from the card's JSON configuration, so that a saved
 * model can be rebuilt before its parameters are loaded.
 *
 * <p>{@link ConvNet}, {@link ResNet} and {@link TorchScriptBackbone} are registered by default. A new backbone registers itself once, for example
 * in a static initializer: {@code BackboneRegistry.register("resnet", json -> ...)}. A backbone
 * is written to the card as the JSON of its record components (Gson), unless a writer was
 * registered with {@link #register(String, Function, Function)}.
 *
 * <p>The registry is global and thread-safe.
 */
public final class BackboneRegistry {

    private static final Gson GSON = new Gson();
    private static final Map<String, Function<JsonObject, ? extends Backbone>> READERS = new ConcurrentHashMap<>();
    private static final Map<String, Function<Backbone, JsonObject>> WRITERS = new ConcurrentHashMap<>();

    static {
        register(ConvNet.TYPE, json -> GSON.fromJson(json, ConvNet.class));
        register(ResNet.TYPE, json -> GSON.fromJson(json, ResNet.class));
        register(TorchScriptBackbone.TYPE, TorchScriptBackbone::fromConfig, b -> ((TorchScriptBackbone) b).toConfig());
    }

    private BackboneRegistry() {}

    /**
     * Registers how to rebuild a backbone type from its JSON configuration; the configuration is
     * written as the JSON of the backbone's record components (or fields). Registering a type
     * again replaces its reader.
     *
     * @param type the type name, as returned by {@link Backbone#type()}
     * @param reader builds the backbone from the JSON object stored in the model card
     */
    public static void register(String type, Function<JsonObject, ? extends Backbone> reader) {
        checkType(type);
        READERS.put(type, Objects.requireNonNull(reader, "reader"));
        WRITERS.remove(type);
    }

    /**
     * Registers how to rebuild a backbone type from its JSON configuration and how to write that
     * configuration, for backbones that Gson cannot serialize field by field.
     *
     * @param type the type name, as returned by {@link Backbone#type()}
     * @param reader builds the backbone from the JSON object stored in the model card
     * @param writer turns a backbone of this type into the JSON object stored in the model card
     */
    public static void register(String type, Function<JsonObject, ? extends Backbone> reader,
                                Function<Backbone, JsonObject> writer) {
        checkType(type);
        READERS.put(type, Objects.requireNonNull(reader, "reader"));
        WRITERS.put(type, Objects.requireNonNull(writer, "writer"));
    }

    /** The registered type names, sorted. */
    public static Set<String> types() {
        return new TreeSet<>(READERS.keySet());
    }

    /** Whether {@code type} is registered. */
    public static boolean isRegistered(String type) {
        return type != null && READERS.containsKey(type);
    }

    /**
     * Rebuilds a backbone from a model card.
     *
     * @param type the card's backbone type
     * @param config the card's backbone configuration
     * @return the backbone, whose {@code type()} is {@code type}
     * @throws IllegalArgumentException if the type is not registered or the configuration is invalid
     */
    public static Backbone read(String type, JsonObject config) {
        Function<JsonObject, ? extends Backbone> reader = type == null ? null : READERS.get(type);
        if (reader == null) {
            throw new IllegalArgumentException("Unknown backbone type '" + type + "'; the registered types are "
                    + types() + " (register others with BackboneRegistry.register).");
        }
        if (config == null) {
            throw new IllegalArgumentException("The configuration of backbone '" + type + "' is missing.");
        }
        Backbone result;
        try {
            result = reader.apply(config.deepCopy());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid configuration " + config + " of backbone '" + type + "': "
                    + rootMessage(e), e);
        }
        if (result == null || !type.equals(result.type())) {
            throw new IllegalArgumentException("The reader registered for backbone '" + type + "' returned "
                    + (result == null ? "null" : "a backbone of type '" + result.type() + "'") + ".");
        }
        return result;
    }

    /**
     * Writes a backbone's configuration as the JSON object stored in a model card.
     *
     * @throws IllegalArgumentException if the backbone's type is not registered, so it could not
     *     be read back
     */
    public static JsonObject write(Backbone backbone) {
        Objects.requireNonNull(backbone, "backbone");
        String type = backbone.type();
        if (!isRegistered(type)) {
            throw new IllegalArgumentException("Backbone type '" + type + "' of " + backbone
                    + " is not registered, so a saved model could not be rebuilt; register it with "
                    + "BackboneRegistry.register. Registered types: " + types() + ".");
        }
        Function<Backbone, JsonObject> writer = WRITERS.get(type);
        if (writer != null) {
            return writer.apply(backbone).deepCopy();
        }
        JsonElement json = GSON.toJsonTree(backbone);
        if (!json.isJsonObject()) {
            throw new IllegalArgumentException("Backbone " + backbone + " is not written as a JSON object.");
        }
        return json.getAsJsonObject();
    }

    private static void checkType(String type) {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("A backbone type name must not be blank.");
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
