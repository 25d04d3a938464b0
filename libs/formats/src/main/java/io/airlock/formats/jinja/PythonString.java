package io.airlock.formats.jinja;

/**
 * A jinja2 string literal's value: jinja2 encodes the text between the quotes to ASCII with
 * backslashreplace and decodes it with Python's unicode-escape codec, so {@code '\x5f'} is "_"
 * and an escape Python refuses ({@code \x5}, an unknown {@code \N{...}} name) makes the template invalid.
 */
final class PythonString {
    private PythonString() {
    }

    static String decode(String body, int line) throws JinjaSyntaxException {
        String ascii = backslashReplace(body);
        StringBuilder out = new StringBuilder(ascii.length());
        int i = 0;
        while (i < ascii.length()) {
            char c = ascii.charAt(i);
            if (c != '\\') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= ascii.length()) {
                throw new JinjaSyntaxException("\\ at end of string", line);
            }
            char e = ascii.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> {
                }
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000B');
                case 'x' -> i = hex(ascii, i, 2, out, line, "truncated \\xXX escape");
                case 'u' -> i = hex(ascii, i, 4, out, line, "truncated \\uXXXX escape");
                case 'U' -> i = hex(ascii, i, 8, out, line, "truncated \\UXXXXXXXX escape");
                case 'N' -> i = named(ascii, i, out, line);
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int n = 1;
                        while (n < 3 && i < ascii.length() && ascii.charAt(i) >= '0' && ascii.charAt(i) <= '7') {
                            v = v * 8 + ascii.charAt(i) - '0';
                            i++;
                            n++;
                        }
                        out.append((char) v);
                    } else {
                        out.append('\\').append(e); // Python keeps an unknown escape as written
                    }
                }
            }
        }
        return out.toString();
    }

    private static int hex(String s, int from, int digits, StringBuilder out, int line, String error)
            throws JinjaSyntaxException {
        if (from + digits > s.length()) {
            throw new JinjaSyntaxException(error, line);
        }
        int v = 0;
        for (int k = 0; k < digits; k++) {
            int d = Character.digit(s.charAt(from + k), 16);
            if (d < 0 || s.charAt(from + k) > 'f') {
                throw new JinjaSyntaxException(error, line);
            }
            v = v * 16 + d;
        }
        if (v < 0 || v > 0x10FFFF) {
            throw new JinjaSyntaxException("illegal Unicode character", line);
        }
        out.appendCodePoint(v);
        return from + digits;
    }

    /** {@code \N{NAME}}: resolved as the Python lexer resolves it (the JDK's Unicode names, case-insensitive). */
    private static int named(String s, int from, StringBuilder out, int line) throws JinjaSyntaxException {
        int end = s.indexOf('}', from);
        if (from >= s.length() || s.charAt(from) != '{' || end < 0 || end - from > 100) {
            throw new JinjaSyntaxException("malformed \\N{...} escape", line);
        }
        String name = s.substring(from + 1, end);
        try {
            out.appendCodePoint(Character.codePointOf(name));
        } catch (IllegalArgumentException e) {
            throw new JinjaSyntaxException("unknown Unicode character name in \\N{" + name + "}", line);
        }
        return end + 1;
    }

    /** Non-ASCII characters as Python's backslashreplace writes them. */
    private static String backslashReplace(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
                b.append((char) cp);
            } else if (cp < 0x100) {
                b.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                b.append(String.format("\\u%04x", cp));
            } else {
                b.append(String.format("\\U%08x", cp));
            }
        }
        return b.toString();
    }
}
