package io.airlock.formats.python;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;

/**
 * Python 3 tokenizer: INDENT/DEDENT from leading whitespace, implicit line joining inside
 * brackets, backslash continuations, all string literal forms (prefixes r, b, u, f and their
 * combinations, single and triple quotes), comments dropped. Bounded: a source over
 * {@link #MAX_TOKENS} tokens or nested deeper than {@link #MAX_BRACKETS} brackets is an error,
 * never an exhausted heap.
 */
final class Lexer {
    static final int MAX_TOKENS = 400_000;
    static final int MAX_BRACKETS = 200;
    static final int MAX_INDENTS = 100;
    /** Operators by length, longest first: the lexer takes the longest that matches. */
    private static final String[] OPS3 = {"**=", "//=", ">>=", "<<=", "..."};
    private static final String[] OPS2 = {"->", ":=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "==",
            "!=", "<=", ">=", "**", "//", "<<", ">>"};
    private static final String OPS1 = "+-*/%@&|^~<>()[]{},:.;=!";
    /** One shared string per one-character operator (every longer operator starts with one of them). */
    private static final String[] OPS1_BY_CHAR = new String[128];

    static {
        for (char ch : OPS1.toCharArray()) {
            OPS1_BY_CHAR[ch] = String.valueOf(ch).intern();
        }
    }
    private static final Set<String> PREFIXES = Set.of("r", "u", "b", "f", "br", "rb", "fr", "rf");

    private final String src;
    private int pos;
    private int line = 1;
    private int lineStart;
    private final List<Token> out = new ArrayList<>();
    private final Deque<Integer> indents = new ArrayDeque<>();
    /** Lines and columns of the open brackets, innermost first: an unclosed one is reported where it opened. */
    private final Deque<int[]> openers = new ArrayDeque<>();
    private int brackets;

    private Lexer(String src, int firstLine) {
        this.src = src;
        this.line = firstLine;
        indents.push(0);
    }

    static List<Token> tokenize(String src) throws PySyntaxError {
        return tokenize(src, 1);
    }

    /** Tokenizes with line numbers starting at {@code firstLine} (an f-string field keeps its line). */
    static List<Token> tokenize(String src, int firstLine) throws PySyntaxError {
        Lexer l = new Lexer(src, firstLine);
        l.run();
        return l.out;
    }

    private int col() {
        return pos - lineStart + 1;
    }

    private PySyntaxError error(String message) {
        return new PySyntaxError(message, line, col());
    }

    private void add(Token.Type type, String text, String prefix, int l, int c) throws PySyntaxError {
        if (out.size() >= MAX_TOKENS) {
            throw error("more than " + MAX_TOKENS + " tokens");
        }
        out.add(new Token(type, text, prefix, l, c));
    }

    private void run() throws PySyntaxError {
        boolean atLineStart = true;
        while (pos < src.length()) {
            if (atLineStart && brackets == 0) {
                atLineStart = false;
                if (indentation()) {
                    atLineStart = true;
                    continue; // a blank or comment-only line
                }
            }
            char ch = src.charAt(pos);
            if (ch == '\n' || ch == '\r') {
                newline();
                if (brackets == 0 && !lastIs(Token.Type.NEWLINE) && !out.isEmpty()) {
                    add(Token.Type.NEWLINE, "\n", "", line - 1, 0);
                }
                // inside brackets lines join implicitly: their indentation means nothing
                atLineStart = brackets == 0;
            } else if (ch == ' ' || ch == '\t' || ch == '\f') {
                pos++;
            } else if (ch == '#') {
                skipComment();
            } else if (ch == '\\') {
                pos++;
                if (pos < src.length() && (src.charAt(pos) == '\n' || src.charAt(pos) == '\r')) {
                    newline();
                } else {
                    throw error("a backslash outside a string must end the line");
                }
            } else if (ch == '\0') {
                throw error("NUL byte in source");
            } else if (isAsciiDigit(ch) || (ch == '.' && pos + 1 < src.length() && isAsciiDigit(src.charAt(pos + 1)))) {
                number();
            } else if (identifierStart(src.codePointAt(pos))) {
                nameOrString();
            } else if (ch == '"' || ch == '\'') {
                string("", line, col());
            } else {
                operator();
            }
        }
        if (brackets > 0) {
            int[] open = openers.peek();
            throw new PySyntaxError("'" + (char) open[2] + "' was never closed", open[0], open[1]);
        }
        if (!out.isEmpty() && !lastIs(Token.Type.NEWLINE)) {
            add(Token.Type.NEWLINE, "\n", "", line, col());
        }
        while (indents.peek() > 0) {
            indents.pop();
            add(Token.Type.DEDENT, "", "", line, 1);
        }
        add(Token.Type.END, "", "", line, col());
    }

    private boolean lastIs(Token.Type t) {
        return !out.isEmpty() && out.get(out.size() - 1).type() == t;
    }

    private void newline() {
        if (src.charAt(pos) == '\r' && pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
            pos++;
        }
        pos++;
        line++;
        lineStart = pos;
    }

    private void skipComment() {
        while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
            pos++;
        }
    }

    /** Measures the indentation of a logical line; answers true when the line is blank or a comment. */
    private boolean indentation() throws PySyntaxError {
        int width = 0;
        int start = pos;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == ' ') {
                width++;
            } else if (c == '\t') {
                width = (width / 8 + 1) * 8;
            } else if (c == '\f') {
                width = 0;
            } else {
                break;
            }
            pos++;
        }
        if (pos >= src.length()) {
            return true;
        }
        char c = src.charAt(pos);
        if (c == '#' || c == '\n' || c == '\r') {
            if (c == '#') {
                skipComment();
            }
            if (pos < src.length()) {
                newline();
            }
            return true;
        }
        if (c == '\\') {
            return false;
        }
        String ws = src.substring(start, pos);
        if (ws.contains(" ") && ws.contains("\t")) {
            // Python 3 refuses an indentation whose meaning depends on the tab size
            throw error("inconsistent use of tabs and spaces in indentation");
        }
        int current = indents.peek();
        if (width > current) {
            if (indents.size() >= MAX_INDENTS) {
                throw error("more than " + MAX_INDENTS + " indentation levels");
            }
            indents.push(width);
            add(Token.Type.INDENT, "", "", line, 1);
        } else {
            while (width < indents.peek()) {
                indents.pop();
                add(Token.Type.DEDENT, "", "", line, 1);
            }
            if (width != indents.peek()) {
                throw error("unindent does not match any outer indentation level");
            }
        }
        return false;
    }

    /**
     * A number as CPython's tokenizer reads it: {@code 0x}/{@code 0o}/{@code 0b} digits, or digits with
     * a fraction, an exponent and a {@code j}; it ends there, so {@code 1.5e3.real} is a number and an
     * attribute and {@code 1if x else 2} a number and a keyword.
     */
    private void number() throws PySyntaxError {
        int l = line;
        int c = col();
        int start = pos;
        if (src.charAt(pos) == '0' && pos + 1 < src.length() && "xXoObB".indexOf(src.charAt(pos + 1)) >= 0) {
            pos += 2;
            while (pos < src.length() && (Character.digit(src.charAt(pos), 16) >= 0 || src.charAt(pos) == '_')) {
                pos++;
            }
        } else {
            digits();
            if (pos < src.length() && src.charAt(pos) == '.') {
                pos++;
                digits();
            }
            if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
                int mark = pos++;
                if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                    pos++;
                }
                if (pos < src.length() && isAsciiDigit(src.charAt(pos))) {
                    digits();
                } else {
                    pos = mark; // 1e is a number and a name: CPython refuses it, and so does the parser
                }
            }
            if (pos < src.length() && (src.charAt(pos) == 'j' || src.charAt(pos) == 'J')) {
                pos++;
            }
        }
        add(Token.Type.NUMBER, src.substring(start, pos), "", l, c);
    }

    private void digits() {
        while (pos < src.length() && (isAsciiDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
            pos++;
        }
    }

    private static boolean isAsciiDigit(char ch) {
        return ch >= '0' && ch <= '9';
    }

    /** Python identifiers are Unicode identifiers (XID) and '_': no '$', no currency signs, no format controls. */
    static boolean identifierStart(int cp) {
        return cp == '_' || Character.isUnicodeIdentifierStart(cp);
    }

    static boolean identifierPart(int cp) {
        return cp == '_' || Character.isUnicodeIdentifierPart(cp) && !Character.isIdentifierIgnorable(cp);
    }

    private void nameOrString() throws PySyntaxError {
        int l = line;
        int c = col();
        int start = pos;
        while (pos < src.length() && identifierPart(src.codePointAt(pos))) {
            pos += Character.charCount(src.codePointAt(pos));
        }
        String word = src.substring(start, pos);
        if (pos < src.length() && (src.charAt(pos) == '"' || src.charAt(pos) == '\'')
                && PREFIXES.contains(word.toLowerCase())) {
            string(word.toLowerCase(), l, c);
            return;
        }
        // CPython normalizes identifiers to NFKC: a fullwidth 'ｅｘｅｃ' is the name exec
        add(Token.Type.NAME, word.chars().allMatch(ch -> ch < 0x80) ? word
                : java.text.Normalizer.normalize(word, java.text.Normalizer.Form.NFKC), "", l, c);
    }

    private void string(String prefix, int l, int c) throws PySyntaxError {
        char q = src.charAt(pos);
        boolean triple = src.startsWith(String.valueOf(q).repeat(3), pos);
        pos += triple ? 3 : 1;
        boolean raw = prefix.contains("r");
        if (prefix.contains("f")) {
            // an f-string's text is kept raw: its fields are split first and its literal parts decoded
            // after, as CPython does (a \x7b in a literal part is a brace, not a field)
            int start = pos;
            int end = fstringBody(q, triple, raw, l, c, 0);
            add(Token.Type.STRING, src.substring(start, end), prefix, l, c);
            return;
        }
        StringBuilder value = new StringBuilder();
        while (true) {
            if (pos >= src.length()) {
                throw new PySyntaxError("unterminated string", l, c);
            }
            char ch = src.charAt(pos);
            if (triple ? src.startsWith(String.valueOf(q).repeat(3), pos) : ch == q) {
                pos += triple ? 3 : 1;
                break;
            }
            if (ch == '\n' || ch == '\r') {
                if (!triple) {
                    throw new PySyntaxError("unterminated string", l, c);
                }
                value.append('\n');
                newline();
                continue;
            }
            if (ch == '\\' && pos + 1 < src.length()) {
                char next = src.charAt(pos + 1);
                if (next == '\n' || next == '\r') {
                    pos++;
                    newline(); // a continuation inside a string: nothing is kept
                    if (raw) {
                        value.append("\\\n");
                    }
                    continue;
                }
                if (raw) {
                    value.append(ch).append(next);
                    pos += 2;
                    continue;
                }
                pos += 2;
                value.append(escape(next));
                continue;
            }
            value.append(ch);
            pos++;
        }
        add(Token.Type.STRING, value.toString(), prefix, l, c);
    }

    /** A field of an f-string being scanned: its bracket depth, and whether its format spec has begun. */
    private static final class Field {
        int depth;
        boolean spec;
    }

    /**
     * Scans an f-string's body as CPython 3.12 does (PEP 701): inside a replacement field any
     * expression may stand, including strings in the same quotes, nested f-strings, brackets and
     * line breaks; a format spec is literal text that may open nested fields. Returns where the
     * body ends; {@code pos} is left after the closing quotes.
     */
    private int fstringBody(char q, boolean triple, boolean raw, int l, int c, int nesting) throws PySyntaxError {
        if (nesting > 16) {
            throw error("f-strings nested deeper than 16");
        }
        Deque<Field> fields = new ArrayDeque<>();
        while (true) {
            if (pos >= src.length()) {
                throw new PySyntaxError("unterminated f-string", l, c);
            }
            char ch = src.charAt(pos);
            Field f = fields.peek();
            if (f == null || f.spec) {
                // literal text (of the string, or of a format spec)
                if (f == null && (triple ? src.startsWith(String.valueOf(q).repeat(3), pos) : ch == q)) {
                    int end = pos;
                    pos += triple ? 3 : 1;
                    return end;
                }
                if (ch == '\\' && pos + 1 < src.length()) {
                    if (!raw && src.charAt(pos + 1) == 'N' && pos + 2 < src.length() && src.charAt(pos + 2) == '{') {
                        int close = src.indexOf('}', pos);
                        if (close < 0 || close - pos > 100) {
                            throw error("malformed \\N{...} escape");
                        }
                        pos = close + 1; // \N{NAME}: its braces are no field
                        continue;
                    }
                    pos++;
                    if (src.charAt(pos) == '\n' || src.charAt(pos) == '\r') {
                        newline();
                    } else if (src.charAt(pos) != '{' && src.charAt(pos) != '}') {
                        pos++; // "\{x}" is a backslash, then a field
                    }
                    continue;
                }
                if (ch == '\n' || ch == '\r') {
                    if (!triple && f == null) {
                        throw new PySyntaxError("unterminated f-string", l, c);
                    }
                    newline();
                    continue;
                }
                if (ch == '{') {
                    if (f == null && pos + 1 < src.length() && src.charAt(pos + 1) == '{') {
                        pos += 2;
                        continue;
                    }
                    fields.push(new Field());
                    pos++;
                    continue;
                }
                if (ch == '}') {
                    if (f == null) {
                        if (pos + 1 < src.length() && src.charAt(pos + 1) == '}') {
                            pos += 2;
                            continue;
                        }
                        throw error("single '}' in an f-string");
                    }
                    fields.pop(); // the end of the field whose spec this was
                    pos++;
                    continue;
                }
                pos++;
                continue;
            }
            // inside a field's expression
            if (ch == '\'' || ch == '"') {
                nestedString(nesting);
                continue;
            }
            if (ch == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
                    pos++;
                }
                continue;
            }
            if (ch == '\n' || ch == '\r') {
                newline();
                continue;
            }
            if (ch == '(' || ch == '[' || ch == '{') {
                if (++f.depth > MAX_BRACKETS) {
                    throw error("more than " + MAX_BRACKETS + " nested brackets");
                }
            } else if (ch == ')' || ch == ']') {
                f.depth--;
            } else if (ch == '}') {
                if (f.depth == 0) {
                    fields.pop();
                } else {
                    f.depth--;
                }
            } else if (ch == ':' && f.depth == 0) {
                f.spec = true;
            }
            pos++;
        }
    }

    /** Steps over a string inside an f-string field, itself an f-string when its prefix says so. */
    private void nestedString(int nesting) throws PySyntaxError {
        int p = pos;
        while (p > 0 && "rRbBfFuU".indexOf(src.charAt(p - 1)) >= 0 && pos - p < 2) {
            p--;
        }
        String prefix = p > 0 && identifierPart(src.charAt(p - 1)) ? "" : src.substring(p, pos).toLowerCase();
        int l = line;
        int c = col();
        char q = src.charAt(pos);
        boolean triple = src.startsWith(String.valueOf(q).repeat(3), pos);
        pos += triple ? 3 : 1;
        boolean raw = prefix.contains("r");
        if (prefix.contains("f")) {
            fstringBody(q, triple, raw, l, c, nesting + 1);
            return;
        }
        while (true) {
            if (pos >= src.length()) {
                throw new PySyntaxError("unterminated string", l, c);
            }
            char ch = src.charAt(pos);
            if (triple ? src.startsWith(String.valueOf(q).repeat(3), pos) : ch == q) {
                pos += triple ? 3 : 1;
                return;
            }
            if (ch == '\\' && pos + 1 < src.length()) {
                pos++;
            }
            if (src.charAt(pos) == '\n' || src.charAt(pos) == '\r') {
                if (!triple) {
                    throw new PySyntaxError("unterminated string", l, c);
                }
                newline();
                continue;
            }
            pos++;
        }
    }

    /** The literal text of an f-string part with its escapes decoded ({@code raw}: kept as written). */
    static String decode(String text, boolean raw, int line) throws PySyntaxError {
        if (raw || text.indexOf('\\') < 0) {
            return text;
        }
        Lexer d = new Lexer(text, line);
        StringBuilder out = new StringBuilder(text.length());
        while (d.pos < text.length()) {
            char ch = text.charAt(d.pos);
            if (ch == '\\' && d.pos + 1 < text.length()) {
                char next = text.charAt(d.pos + 1);
                d.pos += 2;
                out.append(next == '\n' ? "" : d.escape(next));
            } else {
                out.append(ch);
                d.pos++;
            }
        }
        return out.toString();
    }

    /** The common escapes; hex/unicode/octal escapes are read for their value. */
    private String escape(char next) throws PySyntaxError {
        switch (next) {
            case 'n': return "\n";
            case 't': return "\t";
            case 'r': return "\r";
            case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
                int v = next - '0';
                for (int i = 0; i < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; i++) {
                    v = v * 8 + (src.charAt(pos++) - '0');
                }
                return String.valueOf((char) v);
            }
            case 'x': return String.valueOf((char) hex(2));
            case 'u': return String.valueOf((char) hex(4));
            case 'U': return new String(Character.toChars(Math.min(hex(8), Character.MAX_CODE_POINT)));
            case 'N': {
                int end = src.indexOf('}', pos);
                if (end < 0 || end - pos > 100 || src.charAt(pos) != '{') {
                    throw error("malformed \\N{...} escape");
                }
                String name = src.substring(pos + 1, end);
                pos = end + 1;
                try {
                    return Character.toString(Character.codePointOf(name));
                } catch (IllegalArgumentException e) {
                    throw error("unknown Unicode character name in \\N{" + name + "}");
                }
            }
            case 'a': return "\u0007";
            case 'b': return "\b";
            case 'f': return "\f";
            case 'v': return "\u000b";
            default: return next == '\\' || next == '\'' || next == '"' ? String.valueOf(next) : "\\" + next;
        }
    }

    private int hex(int n) throws PySyntaxError {
        if (pos + n > src.length()) {
            throw error("truncated escape");
        }
        try {
            int v = Integer.parseUnsignedInt(src.substring(pos, pos + n), 16);
            pos += n;
            return v;
        } catch (NumberFormatException e) {
            throw error("malformed escape");
        }
    }

    private void operator() throws PySyntaxError {
        int l = line;
        int c = col();
        // the hottest path of the lexer: compare in place, allocate nothing
        char first = src.charAt(pos);
        String op = first < 128 ? OPS1_BY_CHAR[first] : null;
        if (op != null) {
            String longer = longest(OPS3, first);
            op = longer != null ? longer : op;
            if (longer == null) {
                longer = longest(OPS2, first);
                op = longer != null ? longer : op;
            }
        }
        if (op == null) {
            throw error("unexpected character '" + printable(src.charAt(pos)) + "'");
        }
        pos += op.length();
        if (op.equals("(") || op.equals("[") || op.equals("{")) {
            if (++brackets > MAX_BRACKETS) {
                throw new PySyntaxError("brackets nested deeper than " + MAX_BRACKETS, l, c);
            }
            openers.push(new int[]{l, c, op.charAt(0)});
        } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
            if (--brackets < 0) {
                throw new PySyntaxError("unmatched '" + op + "'", l, c);
            }
            openers.pop();
        }
        add(Token.Type.OP, op, "", l, c);
    }

    private String longest(String[] ops, char first) {
        for (String o : ops) {
            if (o.charAt(0) == first && src.startsWith(o, pos)) {
                return o;
            }
        }
        return null;
    }

    private static String printable(char ch) {
        return ch < 32 || ch > 126 ? String.format("\\u%04x", (int) ch) : String.valueOf(ch);
    }
}
