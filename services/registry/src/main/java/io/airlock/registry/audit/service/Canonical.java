package io.airlock.registry.audit.service;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON of an audit entry, in the manner of RFC 8785 (JCS): object keys sorted by UTF-16
 * code units, no whitespace, strings escaped as JSON.stringify does, UTF-8. The same bytes come
 * out whether the entry is being appended or was read back from jsonb (which reorders keys and
 * respaces), so the hash does not depend on how PostgreSQL prints JSON.
 */
final class Canonical {
    private Canonical() {
    }

    static byte[] bytes(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        write(node, out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                List<String> keys = new ArrayList<>();
                node.fieldNames().forEachRemaining(keys::add);
                keys.sort(null); // String.compareTo orders by UTF-16 code units, as JCS asks
                out.append('{');
                for (int i = 0; i < keys.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    string(keys.get(i), out);
                    out.append(':');
                    write(node.get(keys.get(i)), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                Iterator<JsonNode> it = node.elements();
                for (int i = 0; it.hasNext(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(it.next(), out);
                }
                out.append(']');
            }
            case STRING -> string(node.textValue(), out);
            case NUMBER -> {
                // the registry writes strings only; a number can appear only by tampering, and then its
                // bytes differ from any string's, which is all the hash needs
                out.append(node.isIntegralNumber() ? node.bigIntegerValue().toString() : node.decimalValue().toString());
            }
            case BOOLEAN -> out.append(node.booleanValue());
            default -> out.append("null");
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Text as PostgreSQL will store it and give it back: NUL (refused by text and jsonb) and unpaired
     * surrogates (not UTF-8) become U+FFFD. Applied before hashing, so what is hashed is what is stored.
     */
    static String clean(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad = c == 0
                    || Character.isHighSurrogate(c) && (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
            if (bad && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.append(bad ? '\uFFFD' : c);
            }
        }
        return out == null ? s : out.toString();
    }

    static Map<String, String> clean(Map<String, String> details) {
        var out = new java.util.TreeMap<String, String>();
        details.forEach((k, v) -> out.put(clean(k), clean(v)));
        return out;
    }
}
