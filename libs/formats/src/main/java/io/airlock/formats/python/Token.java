package io.airlock.formats.python;

/**
 * One Python token. {@code text} is the source text, except for strings, whose {@code text} is the
 * decoded value (escapes applied unless raw) and {@code prefix} the lower-cased string prefix.
 */
record Token(Type type, String text, String prefix, int line, int col) {
    enum Type { NAME, NUMBER, STRING, OP, NEWLINE, INDENT, DEDENT, END }

    boolean is(Type t, String s) {
        return type == t && text.equals(s);
    }

    boolean op(String s) {
        return type == Type.OP && text.equals(s);
    }

    boolean keyword(String s) {
        return type == Type.NAME && text.equals(s);
    }

    @Override
    public String toString() {
        return type + "(" + text + ")@" + line + ":" + col;
    }
}
