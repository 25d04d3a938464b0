package io.airlock.evaluator.engine.json;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict view of one JSON object: only the allowed keys may appear, and every getter checks the
 * type and range of its value, so a typo in a key or a value of the wrong kind is an error naming
 * the path, never a silently applied default.
 */
public final class Fields {
    private final JsonNode node;
    private final String path;

    private Fields(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Checks that {@code node} is an object whose keys are all in {@code allowed}. */
    public static Fields of(JsonNode node, String path, Set<String> allowed) throws SpecException {
        if (node == null || !node.isObject()) {
            throw new SpecException(path + ": expected an object, got " + kind(node));
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new SpecException(path + ": unknown key '" + k + "' (allowed: " + String.join(", ",
                        allowed.stream().sorted().toList()) + ")");
            }
        }
        return new Fields(node, path);
    }

    public String path() {
        return path;
    }

    public boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    public JsonNode raw(String key) {
        return node.get(key);
    }

    public String string(String key, int maxLength) throws SpecException {
        if (!has(key)) {
            throw new SpecException(path + "." + key + ": required");
        }
        return stringOr(key, "", maxLength);
    }

    public String stringOr(String key, String fallback, int maxLength) throws SpecException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isTextual()) {
            throw new SpecException(path + "." + key + ": expected a string, got " + kind(v));
        }
        String s = v.textValue();
        if (s.length() > maxLength) {
            throw new SpecException(path + "." + key + ": " + s.length() + " characters, over the limit of " + maxLength);
        }
        return s;
    }

    public String matching(String key, Pattern pattern, int maxLength) throws SpecException {
        String s = string(key, maxLength);
        if (!pattern.matcher(s).matches()) {
            throw new SpecException(path + "." + key + ": '" + s + "' does not match " + pattern.pattern());
        }
        return s;
    }

    public long integer(String key, long min, long max) throws SpecException {
        if (!has(key)) {
            throw new SpecException(path + "." + key + ": required");
        }
        return integerOr(key, min, min, max);
    }

    public long integerOr(String key, long fallback, long min, long max) throws SpecException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new SpecException(path + "." + key + ": expected an integer, got " + kind(v));
        }
        long x = v.longValue();
        if (x < min || x > max) {
            throw new SpecException(path + "." + key + ": " + x + " outside [" + min + ", " + max + "]");
        }
        return x;
    }

    public double numberOr(String key, double fallback, double min, double max) throws SpecException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber()) {
            throw new SpecException(path + "." + key + ": expected a number, got " + kind(v));
        }
        double x = v.doubleValue();
        if (!(x >= min && x <= max)) {
            throw new SpecException(path + "." + key + ": " + x + " outside [" + min + ", " + max + "]");
        }
        return x;
    }

    public boolean boolOr(String key, boolean fallback) throws SpecException {
        if (!has(key)) {
            return fallback;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw new SpecException(path + "." + key + ": expected true or false, got " + kind(v));
        }
        return v.booleanValue();
    }

    /** An array of strings (absent = empty), each at most {@code maxLength}, at most {@code maxItems}. */
    public List<String> strings(String key, int maxItems, int maxLength) throws SpecException {
        if (!has(key)) {
            return List.of();
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw new SpecException(path + "." + key + ": expected an array, got " + kind(v));
        }
        if (v.size() > maxItems) {
            throw new SpecException(path + "." + key + ": " + v.size() + " items, over the limit of " + maxItems);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode s = v.get(i);
            if (!s.isTextual() || s.textValue().isEmpty() || s.textValue().length() > maxLength) {
                throw new SpecException(path + "." + key + "[" + i + "]: expected a non-empty string of at most "
                        + maxLength + " characters");
            }
            out.add(s.textValue());
        }
        return List.copyOf(out);
    }

    /** The elements of an array (absent = empty), at most {@code maxItems}. */
    public List<JsonNode> array(String key, int maxItems) throws SpecException {
        if (!has(key)) {
            return List.of();
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw new SpecException(path + "." + key + ": expected an array, got " + kind(v));
        }
        if (v.size() > maxItems) {
            throw new SpecException(path + "." + key + ": " + v.size() + " items, over the limit of " + maxItems);
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "nothing";
        }
        return n.getNodeType().name().toLowerCase();
    }
}
