package io.github.dml4j.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The JSON-ready metric maps of the reports: finite values only, and one-line formatting. */
final class MetricMaps {

    private MetricMaps() {}

    /** Puts {@code value} under {@code key} if it is finite, so the map serializes to valid JSON. */
    static void putFinite(Map<String, Object> map, String key, double value) {
        if (Double.isFinite(value)) {
            map.put(key, value);
        }
    }

    /** {@code Name{key=value, ...}} with doubles to four decimals. */
    static String format(String name, Map<String, Object> map) {
        StringBuilder sb = new StringBuilder(name).append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            sb.append(e.getKey()).append('=');
            Object v = e.getValue();
            sb.append(formatValue(v));
        }
        return sb.append('}').toString();
    }

    private static String formatValue(Object v) {
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.4f", d);
        }
        if (v instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(formatValue(list.get(i)));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(v);
    }
}
