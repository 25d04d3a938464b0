package io.airlock.evaluator.engine.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON for the evaluator: documents it reads from outside are read by the system's one strict
 * reader ({@link io.airlock.formats.StrictJson}) and handed on as Jackson trees, a file only up to
 * a size checked before reading; reports are written with the shared mapper, canonically where a
 * digest names them.
 */
public final class StrictJson {
    private static final ObjectMapper MAPPER;

    static {
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(64).maxStringLength(4 * 1024 * 1024).maxNumberLength(32).build())
                .build();
        f.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        MAPPER = new ObjectMapper(f)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(SerializationFeature.INDENT_OUTPUT);
    }

    private StrictJson() {
    }

    /** The shared mapper, for writing and for tree building. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /**
     * Parses a whole document with the system's one strict JSON reader
     * ({@link io.airlock.formats.StrictJson}: invalid UTF-8, duplicate keys, NaN, leading zeros,
     * control characters and trailing content refused; depth and value count bounded) and returns
     * it as a tree; {@code what} names it in errors.
     */
    public static JsonNode parse(byte[] bytes, String what) throws SpecException {
        Object v;
        try {
            v = io.airlock.formats.StrictJson.parse(bytes);
        } catch (io.airlock.formats.MalformedException e) {
            throw new SpecException(what + ": not valid JSON: " + e.getMessage(), e);
        }
        return tree(v);
    }

    /** The reader's values as a Jackson tree: a number without fraction or exponent is an integer node. */
    private static JsonNode tree(Object v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v instanceof Map<?, ?> m) {
            ObjectNode o = f.objectNode();
            m.forEach((k, x) -> o.set((String) k, tree(x)));
            return o;
        }
        if (v instanceof List<?> l) {
            ArrayNode a = f.arrayNode();
            l.forEach(x -> a.add(tree(x)));
            return a;
        }
        if (v instanceof String str) {
            return f.textNode(str);
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (v instanceof java.math.BigDecimal d) {
            if (d.scale() == 0) {
                java.math.BigInteger i = d.toBigIntegerExact();
                return i.bitLength() < 32 ? f.numberNode(i.intValue()) : i.bitLength() < 64 ? f.numberNode(i.longValue())
                        : f.numberNode(i);
            }
            return f.numberNode(d);
        }
        return f.nullNode();
    }

    /**
     * Reads a regular file (never through a symbolic link) of at most {@code maxBytes} and parses it.
     * The size is checked before reading, and the read itself stops at the bound in case the file grows.
     */
    public static JsonNode parse(Path file, long maxBytes, String what) throws SpecException, IOException {
        return parse(readBounded(file, maxBytes, what), what);
    }

    /** The bytes of a regular file of at most {@code maxBytes}, read without following a link. */
    public static byte[] readBounded(Path file, long maxBytes, String what) throws SpecException, IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new SpecException(what + ": not a regular file");
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new SpecException(what + ": " + size + " bytes, over the limit of " + maxBytes);
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] b = in.readNBytes((int) maxBytes + 1);
            if (b.length > maxBytes) {
                throw new SpecException(what + ": grew past the limit of " + maxBytes + " bytes while read");
            }
            return b;
        }
    }

    /**
     * Canonical bytes: object keys sorted by code point, no insignificant whitespace, UTF-8. Two
     * documents that differ only in key order or layout have the same canonical bytes, so a digest
     * over them names the content, not its formatting.
     */
    public static byte[] canonical(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(sorted(n)).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serializes", e);
        }
    }

    private static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            Map<String, JsonNode> m = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), sorted(e.getValue()));
            }
            ObjectNode o = object();
            m.forEach(o::set);
            return o;
        }
        if (n.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            n.forEach(c -> items.add(sorted(c)));
            ArrayNode a = array();
            items.forEach(a::add);
            return a;
        }
        return n;
    }

    /** Compact JSON text of a tree. */
    public static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree always serializes", e);
        }
    }
}
