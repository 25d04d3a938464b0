package io.airlock.formats.jinja;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One node of a template's syntax tree, shaped as jinja2 3.x shapes it: {@code type} is the name of
 * jinja2's node class ({@code Getattr}, {@code Filter}, {@code For}, ...) and the fields are jinja2's
 * fields in jinja2's order, so the tree can be compared with jinja2's own ({@link #canonical()}).
 * A field's value is a {@link Node}, a {@code List} of values, a {@code String}, a {@code Boolean},
 * a {@code BigInteger}, a {@code Double}, or {@link #NONE} where jinja2 holds None.
 *
 * @param type   jinja2's node class name
 * @param fields the fields, in jinja2's order
 * @param line   the template line the node starts on
 */
public record Node(String type, List<Field> fields, int line) {
    /** jinja2's None in a field (a For without a test, a slice without a step, Const(None)). */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A named field of a node. */
    public record Field(String name, Object value) {
    }

    public Node {
        fields = Collections.unmodifiableList(new ArrayList<>(fields));
    }

    /** A node from alternating field names and values. */
    static Node of(String type, int line, Object... nameValue) {
        List<Field> f = new ArrayList<>(nameValue.length / 2);
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            f.add(new Field((String) nameValue[i], v == null ? NONE : v instanceof List<?> l ? List.copyOf(l) : v));
        }
        return new Node(type, f, line);
    }

    /** A field's value; {@link #NONE} when the node has no such field. */
    public Object get(String name) {
        for (Field f : fields) {
            if (f.name.equals(name)) {
                return f.value;
            }
        }
        return NONE;
    }

    /** A field that holds a node, or null when it holds something else (None, a list, a string). */
    public Node node(String name) {
        return get(name) instanceof Node n ? n : null;
    }

    /** A field that holds a string, or null. */
    public String string(String name) {
        return get(name) instanceof String s ? s : null;
    }

    /** Whether this is a Const holding a string. */
    public boolean isStringConst() {
        return type.equals("Const") && get("value") instanceof String;
    }

    /** Every node directly below this one, in field order. */
    public List<Node> children() {
        List<Node> out = new ArrayList<>();
        for (Field f : fields) {
            collect(f.value, out);
        }
        return out;
    }

    private static void collect(Object v, List<Node> out) {
        if (v instanceof Node n) {
            out.add(n);
        } else if (v instanceof List<?> l) {
            for (Object o : l) {
                collect(o, out);
            }
        }
    }

    /**
     * The tree as text, in the form the build's jinja2 dump script writes jinja2's tree:
     * {@code Type(field=value,...)}, strings quoted with every non-ASCII UTF-16 unit escaped,
     * integers as {@code int:N}, floats as {@code float:} and their IEEE bits.
     */
    public String canonical() {
        StringBuilder b = new StringBuilder();
        write(this, b);
        return b.toString();
    }

    private static void write(Object v, StringBuilder b) {
        if (v instanceof Node n) {
            b.append(n.type).append('(');
            for (int i = 0; i < n.fields.size(); i++) {
                b.append(i == 0 ? "" : ",").append(n.fields.get(i).name).append('=');
                write(n.fields.get(i).value, b);
            }
            b.append(')');
        } else if (v instanceof List<?> l) {
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                b.append(i == 0 ? "" : ",");
                write(l.get(i), b);
            }
            b.append(']');
        } else if (v instanceof String s) {
            quote(s, b);
        } else if (v instanceof Boolean x) {
            b.append(x ? "True" : "False");
        } else if (v instanceof BigInteger i) {
            b.append("int:").append(i);
        } else if (v instanceof Double d) {
            b.append("float:").append(Double.doubleToLongBits(d));
        } else if (v == NONE) {
            b.append("None");
        } else if (v instanceof String[] pair) {
            b.append('(');
            quote(pair[0], b);
            b.append(',');
            quote(pair[1], b);
            b.append(')');
        } else {
            throw new IllegalStateException("no canonical form for " + v);
        }
    }

    /** A string in the quoted form {@link #canonical()} writes. */
    public static String canonicalString(String s) {
        StringBuilder b = new StringBuilder();
        quote(s, b);
        return b.toString();
    }

    static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        b.append('"');
    }
}
