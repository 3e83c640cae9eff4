package io.github.dml4j.spark;

import io.github.dml4j.index.HnswIndex;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HNSW shards an executor JVM keeps loaded between searches, least recently searched first,
 * within a budget of file bytes ({@link ShardedHnswIndex#CACHE_BYTES_PROPERTY}, default 40% of
 * the maximum heap): Spark runs a shard's task on any executor, so without a bound every
 * executor would in time hold the whole index. A dropped shard is read again when next needed;
 * a search that still holds it finishes with it.
 */
final class ShardCache {

    private static final Logger logger = LoggerFactory.getLogger(ShardCache.class);

    /** A loaded shard and the size of its file. */
    record Loaded(HnswIndex index, long bytes) {}

    /** Loads a shard. */
    @FunctionalInterface
    interface Loader {
        Loaded load() throws IOException;
    }

    private final Map<String, Loaded> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /** The shard under {@code key}, loaded first if it is not held; drops the oldest beyond the budget. */
    synchronized HnswIndex get(String key, Loader loader) throws IOException {
        Loaded shard = loaded.get(key);
        if (shard == null) {
            shard = loader.load();
            loaded.put(key, shard);
            bytes += shard.bytes();
            long budget = budget();
            Iterator<Map.Entry<String, Loaded>> oldest = loaded.entrySet().iterator();
            // the shard just loaded stays, even alone above the budget
            while (bytes > budget && loaded.size() > 1) {
                Map.Entry<String, Loaded> e = oldest.next();
                bytes -= e.getValue().bytes();
                oldest.remove();
                logger.info("Dropped the HNSW shard {} ({} bytes) to stay within {} bytes of loaded shards"
                        + " (-D{})", e.getKey(), e.getValue().bytes(), budget, ShardedHnswIndex.CACHE_BYTES_PROPERTY);
            }
        }
        return shard.index();
    }

    /** The number of shards held. */
    synchronized int size() {
        return loaded.size();
    }

    private static long budget() {
        String set = System.getProperty(ShardedHnswIndex.CACHE_BYTES_PROPERTY);
        if (set != null) {
            try {
                return Long.parseLong(set.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + ShardedHnswIndex.CACHE_BYTES_PROPERTY + "=" + set
                        + " is not a number of bytes.", e);
            }
        }
        return (long) (Runtime.getRuntime().maxMemory() * 0.4);
    }
}
