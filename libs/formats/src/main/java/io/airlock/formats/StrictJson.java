package io.airlock.formats;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader (RFC 8259) for the small configuration files of a model folder
 * ({@code config.json}, {@code model_index.json}, shard indexes), read whole into maps and lists.
 * Strict because Python's {@code json} module and this scanner must see the same document: invalid
 * UTF-8, a duplicate key (Python keeps the last, a scanner could read the first), NaN, leading
 * zeros, control characters in strings and trailing content are refused. Nesting depth and the
 * number of values are bounded; the caller bounds the bytes.
 *
 * <p>Values: {@code Map<String, Object>} (insertion order), {@code List<Object>}, {@code String},
 * {@code BigDecimal}, {@code Boolean}, and {@link #NULL} for JSON null.
 */
public final class StrictJson {
    /** JSON null. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    static final int MAX_DEPTH = 64;
    static final int MAX_VALUES = 2_000_000;

    private final String s;
    private int i;
    private int values;

    private StrictJson(String s) {
        this.s = s;
    }

    /**
     * Parses one document.
     *
     * @throws MalformedException what is wrong and where (character offset)
     */
    public static Object parse(byte[] utf8) throws MalformedException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("not valid UTF-8", 0);
        }
        StrictJson p = new StrictJson(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i != text.length()) {
            throw new MalformedException("content after the JSON value", p.i);
        }
        return v;
    }

    /** A map's entry as a string, or null when absent or not a string. */
    public static String string(Object map, String key) {
        Object v = map instanceof Map<?, ?> m ? m.get(key) : null;
        return v instanceof String str ? str : null;
    }

    private Object value(int depth) throws MalformedException {
        if (depth > MAX_DEPTH) {
            throw new MalformedException("nested deeper than " + MAX_DEPTH, i);
        }
        if (++values > MAX_VALUES) {
            throw new MalformedException("more than " + MAX_VALUES + " values", i);
        }
        if (i >= s.length()) {
            throw new MalformedException("a value is missing at the end", i);
        }
        char c = s.charAt(i);
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || c >= '0' && c <= '9') {
                    return number();
                }
                throw new MalformedException("unexpected character '" + printable(c) + "'", i);
        }
    }

    private Map<String, Object> object(int depth) throws MalformedException {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (peek() == '}') {
            i++;
            return m;
        }
        while (true) {
            ws();
            if (peek() != '"') {
                throw new MalformedException("an object key must be a string", i);
            }
            int at = i;
            String key = string();
            ws();
            expect(':');
            ws();
            Object v = value(depth + 1);
            if (m.containsKey(key)) {
                throw new MalformedException("duplicate key '" + Bytes.printable(key.getBytes(StandardCharsets.UTF_8), 0,
                        key.length() * 4, 80) + "'", at);
            }
            m.put(key, v);
            ws();
            char c = peek();
            i++;
            if (c == '}') {
                return m;
            }
            if (c != ',') {
                throw new MalformedException("expected ',' or '}' in an object", i - 1);
            }
        }
    }

    private List<Object> array(int depth) throws MalformedException {
        List<Object> a = new ArrayList<>();
        i++;
        ws();
        if (peek() == ']') {
            i++;
            return Collections.unmodifiableList(a);
        }
        while (true) {
            ws();
            a.add(value(depth + 1));
            ws();
            char c = peek();
            i++;
            if (c == ']') {
                return Collections.unmodifiableList(a);
            }
            if (c != ',') {
                throw new MalformedException("expected ',' or ']' in an array", i - 1);
            }
        }
    }

    private String string() throws MalformedException {
        int start = i;
        i++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw new MalformedException("unterminated string", start);
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw new MalformedException("control character in a string", i - 1);
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw new MalformedException("unterminated escape", i);
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw new MalformedException("short \\u escape", i);
                    }
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(s.charAt(i + k), 16);
                        if (d < 0) {
                            throw new MalformedException("bad \\u escape", i);
                        }
                        v = v * 16 + d;
                    }
                    i += 4;
                    sb.append((char) v);
                }
                default -> throw new MalformedException("unknown escape '\\" + printable(e) + "'", i - 1);
            }
        }
    }

    private BigDecimal number() throws MalformedException {
        int start = i;
        if (peek() == '-') {
            i++;
        }
        if (peek() == '0') {
            i++;
            if (Character.isDigit(peek())) {
                throw new MalformedException("a number with a leading zero", start);
            }
        } else if (!digits()) {
            throw new MalformedException("a number without digits", start);
        }
        if (peek() == '.') {
            i++;
            if (!digits()) {
                throw new MalformedException("a fraction without digits", start);
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            i++;
            if (peek() == '+' || peek() == '-') {
                i++;
            }
            if (!digits()) {
                throw new MalformedException("an exponent without digits", start);
            }
        }
        if (i - start > 400) {
            throw new MalformedException("a number of more than 400 characters", start);
        }
        try {
            return new BigDecimal(s.substring(start, i));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new MalformedException("a number out of range", start);
        }
    }

    private boolean digits() {
        int from = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i > from;
    }

    private Object literal(String word, Object v) throws MalformedException {
        if (!s.startsWith(word, i)) {
            throw new MalformedException("unexpected literal", i);
        }
        i += word.length();
        return v;
    }

    private void expect(char c) throws MalformedException {
        if (peek() != c) {
            throw new MalformedException("expected '" + c + "'", i);
        }
        i++;
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private void ws() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }
}
