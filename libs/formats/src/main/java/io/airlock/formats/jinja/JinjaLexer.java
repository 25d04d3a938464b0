package io.airlock.formats.jinja;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens as jinja2 3.1's lexer does with its default delimiters and line
 * statements off: data between tags, {@code {{ }}}, {@code {% %}} and {@code {# #}} with the
 * {@code -}/{@code +} whitespace controls, raw blocks, trim_blocks and lstrip_blocks, newlines
 * normalized to {@code \n} and one trailing newline dropped. String literals are decoded as
 * jinja2 decodes them (Python's unicode-escape after a backslashreplace of non-ASCII characters).
 */
final class JinjaLexer {
    /** A token: {@code type} is jinja2's token type ({@code name}, {@code string}, {@code add}, ...). */
    record Token(String type, Object value, int line) {
        boolean is(String t) {
            return type.equals(t);
        }

        boolean is(String t, String v) {
            return type.equals(t) && v.equals(value);
        }
    }

    /** Python's str.isspace, which jinja2's {@code \s} follows. */
    static final String WS = "[\\t\\n\\u000B\\f\\r\\u001C-\\u001F \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
    private static final Pattern WHITESPACE = Pattern.compile(WS + "+");
    private static final Pattern FLOAT = Pattern.compile("(?<!\\.)(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern INTEGER = Pattern.compile("0[bB](_?[0-1])+|0[oO](_?[0-7])+|0[xX](_?[\\da-fA-F])+|[1-9](_?\\d)*|0(_?0)*",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern OPERATOR = Pattern.compile("//|\\*\\*|==|!=|>=|<=|[+\\-/*%~\\[\\](){}><=.:|,;]");
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)" + WS + "*raw" + WS + "*(?:-%}" + WS + "*|%})");
    private static final Pattern ENDRAW = Pattern.compile("\\{%([-+]?)" + WS + "*endraw" + WS + "*(?:\\+%}|-%}" + WS + "*|%}(\\n?))");

    private final String src;
    private final boolean trimBlocks;
    private final boolean lstripBlocks;
    private final int maxTokens;
    private final List<Token> out = new ArrayList<>();
    private final Deque<Character> brackets = new ArrayDeque<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private JinjaLexer(String src, boolean trimBlocks, boolean lstripBlocks, int maxTokens) {
        this.src = src;
        this.trimBlocks = trimBlocks;
        this.lstripBlocks = lstripBlocks;
        this.maxTokens = maxTokens;
    }

    /** The tokens of a template, ending with an {@code eof} token. */
    static List<Token> tokenize(String source, boolean trimBlocks, boolean lstripBlocks, int maxTokens)
            throws JinjaSyntaxException {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1); // keep_trailing_newline is off by default
        }
        JinjaLexer l = new JinjaLexer(s, trimBlocks, lstripBlocks, maxTokens);
        l.root();
        l.out.add(new Token("eof", "", l.line));
        return l.out;
    }

    private void emit(String type, Object value) throws JinjaSyntaxException {
        if (out.size() >= maxTokens) {
            throw new JinjaSyntaxException("more than " + maxTokens + " tokens: past this parser's bound", line);
        }
        out.add(new Token(type, value, line));
    }

    private void root() throws JinjaSyntaxException {
        while (pos < src.length()) {
            int at = nextTagStart(pos);
            if (at < 0) {
                emit("data", src.substring(pos));
                return;
            }
            Matcher raw = RAW_BEGIN.matcher(src).region(at, src.length());
            boolean isRaw = raw.lookingAt();
            char kind = src.charAt(at + 1); // '%', '{' or '#'
            int signAt = at + 2;
            String sign = isRaw ? raw.group(1)
                    : signAt < src.length() && (src.charAt(signAt) == '-' || src.charAt(signAt) == '+') ? String.valueOf(src.charAt(signAt)) : "";
            String text = leftStrip(src.substring(pos, at), sign, kind != '{');
            if (!text.isEmpty()) {
                emit("data", text);
            }
            line += count(src.substring(pos, at)); // stripped newlines still count as lines
            if (isRaw) {
                pos = raw.end();
                lineStarting = src.charAt(pos - 1) == '\n';
                line += count(raw.group());
                rawBody();
            } else {
                pos = signAt + sign.length();
                lineStarting = false;
                if (kind == '#') {
                    comment();
                } else {
                    emit(kind == '%' ? "block_begin" : "variable_begin", "");
                    tag(kind == '%');
                }
            }
        }
    }

    /** The first "{#", "{%" or "{{" at or after {@code from}, or -1. */
    private int nextTagStart(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '%' || c == '{' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    /** Whitespace control before a tag: '-' strips all, lstrip_blocks strips a line's indentation before a block or comment. */
    private String leftStrip(String text, String sign, boolean blockOrComment) {
        if (sign.equals("-")) {
            int end = text.length();
            while (end > 0 && isSpace(text.charAt(end - 1))) {
                end--;
            }
            return text.substring(0, end);
        }
        if (!sign.equals("+") && lstripBlocks && blockOrComment) {
            int lpos = text.lastIndexOf('\n') + 1;
            if ((lpos > 0 || lineStarting) && lpos < text.length() && allSpace(text, lpos)) {
                return text.substring(0, lpos);
            }
        }
        return text;
    }

    private void comment() throws JinjaSyntaxException {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
            if (pos >= src.length()) {
                return; // jinja2 ends quietly on "{#" at the very end
            }
            throw new JinjaSyntaxException("Missing end of comment tag", line);
        }
        int stop = end + 2;
        if (end > pos && src.charAt(end - 1) == '-') {
            stop = skipSpace(stop);
        } else if (!(end > pos && src.charAt(end - 1) == '+') && trimBlocks && stop < src.length() && src.charAt(stop) == '\n') {
            stop++;
        }
        line += count(src.substring(pos, stop));
        lineStarting = src.charAt(stop - 1) == '\n';
        pos = stop;
    }

    private void rawBody() throws JinjaSyntaxException {
        Matcher m = ENDRAW.matcher(src);
        int from = pos;
        while (true) {
            int at = src.indexOf("{%", from);
            if (at < 0) {
                if (pos >= src.length()) {
                    return; // as jinja2: a raw block opened at the very end is accepted
                }
                throw new JinjaSyntaxException("Missing end of raw directive", line);
            }
            m.region(at, src.length());
            if (m.lookingAt()) {
                String text = leftStrip(src.substring(pos, at), m.group(1), true);
                if (!text.isEmpty()) {
                    emit("data", text);
                }
                String tail = m.group();
                if (!trimBlocks && m.group(2) != null && !m.group(2).isEmpty()) {
                    tail = tail.substring(0, tail.length() - 1); // the newline after "%}" is taken only with trim_blocks
                }
                int stop = at + tail.length();
                line += count(src.substring(pos, at)) + count(tail);
                lineStarting = tail.endsWith("\n");
                pos = stop;
                return;
            }
            from = at + 1;
        }
    }

    private void tag(boolean block) throws JinjaSyntaxException {
        Matcher ws = WHITESPACE.matcher(src).useTransparentBounds(true);
        Matcher fl = FLOAT.matcher(src).useTransparentBounds(true);
        Matcher in = INTEGER.matcher(src);
        Matcher op = OPERATOR.matcher(src);
        while (pos < src.length()) {
            if (brackets.isEmpty()) {
                int end = tagEnd(block);
                if (end >= 0) {
                    line += count(src.substring(pos, end));
                    lineStarting = src.charAt(end - 1) == '\n';
                    pos = end;
                    emit(block ? "block_end" : "variable_end", "");
                    return;
                }
            }
            int start = pos;
            if (ws.region(pos, src.length()).lookingAt()) {
                pos = ws.end();
                line += count(ws.group());
            } else if (fl.region(pos, src.length()).lookingAt()) {
                pos = fl.end();
                emit("float", Double.parseDouble(fl.group().replace("_", "")));
            } else if (in.region(pos, src.length()).lookingAt()) {
                pos = in.end();
                emit("integer", integer(in.group().replace("_", "")));
            } else if (Character.isUnicodeIdentifierStart(src.codePointAt(pos)) || src.charAt(pos) == '_') {
                int e = pos + Character.charCount(src.codePointAt(pos));
                while (e < src.length() && Character.isUnicodeIdentifierPart(src.codePointAt(e))
                        && !Character.isIdentifierIgnorable(src.codePointAt(e))) {
                    e += Character.charCount(src.codePointAt(e));
                }
                emit("name", src.substring(pos, e));
                pos = e;
            } else if (src.charAt(pos) == '\'' || src.charAt(pos) == '"') {
                int e = stringEnd(pos);
                if (e < 0) {
                    throw new JinjaSyntaxException("unexpected char " + src.charAt(pos) + " at " + pos, line);
                }
                emit("string", PythonString.decode(src.substring(pos + 1, e - 1), line));
                line += count(src.substring(pos, e));
                pos = e;
            } else if (op.region(pos, src.length()).lookingAt()) {
                String o = op.group();
                balance(o);
                pos = op.end();
                emit(OPERATORS.get(o), o);
            } else {
                throw new JinjaSyntaxException("unexpected char '" + new String(Character.toChars(src.codePointAt(pos)))
                        + "' at " + pos, line);
            }
            if (pos == start) {
                throw new IllegalStateException("lexer made no progress");
            }
            lineStarting = src.charAt(pos - 1) == '\n';
        }
        // the template ends inside a tag: the parser reports what it expected
    }

    /** Where the closing delimiter of a tag that starts at {@code pos} ends (with its whitespace control), or -1. */
    private int tagEnd(boolean block) {
        if (block) {
            if (src.startsWith("+%}", pos)) {
                return pos + 3;
            }
            if (src.startsWith("-%}", pos)) {
                return skipSpace(pos + 3);
            }
            if (src.startsWith("%}", pos)) {
                return trimBlocks && src.startsWith("\n", pos + 2) ? pos + 3 : pos + 2;
            }
            return -1;
        }
        if (src.startsWith("-}}", pos)) {
            return skipSpace(pos + 3);
        }
        return src.startsWith("}}", pos) ? pos + 2 : -1;
    }

    private void balance(String o) throws JinjaSyntaxException {
        switch (o) {
            case "{" -> brackets.push('}');
            case "(" -> brackets.push(')');
            case "[" -> brackets.push(']');
            case "}", ")", "]" -> {
                if (brackets.isEmpty()) {
                    throw new JinjaSyntaxException("unexpected '" + o + "'", line);
                }
                char expected = brackets.pop();
                if (expected != o.charAt(0)) {
                    throw new JinjaSyntaxException("unexpected '" + o + "', expected '" + expected + "'", line);
                }
            }
            default -> {
            }
        }
    }

    /** The end of a quoted string starting at {@code from}, past its closing quote; -1 when it is not closed. */
    private int stringEnd(int from) {
        char q = src.charAt(from);
        for (int i = from + 1; i < src.length(); i++) {
            char c = src.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == q) {
                return i + 1;
            }
        }
        return -1;
    }

    private static BigInteger integer(String s) {
        if (s.length() > 1 && (s.charAt(1) == 'b' || s.charAt(1) == 'B')) {
            return new BigInteger(s.substring(2), 2);
        }
        if (s.length() > 1 && (s.charAt(1) == 'o' || s.charAt(1) == 'O')) {
            return new BigInteger(s.substring(2), 8);
        }
        if (s.length() > 1 && (s.charAt(1) == 'x' || s.charAt(1) == 'X')) {
            return new BigInteger(s.substring(2), 16);
        }
        return new BigInteger(s);
    }

    private int skipSpace(int i) {
        while (i < src.length() && isSpace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    static boolean isSpace(char c) {
        return c == 0x85 || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private static boolean allSpace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static int count(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    private static final java.util.Map<String, String> OPERATORS = java.util.Map.ofEntries(
            java.util.Map.entry("+", "add"), java.util.Map.entry("-", "sub"), java.util.Map.entry("/", "div"),
            java.util.Map.entry("//", "floordiv"), java.util.Map.entry("*", "mul"), java.util.Map.entry("%", "mod"),
            java.util.Map.entry("**", "pow"), java.util.Map.entry("~", "tilde"), java.util.Map.entry("[", "lbracket"),
            java.util.Map.entry("]", "rbracket"), java.util.Map.entry("(", "lparen"), java.util.Map.entry(")", "rparen"),
            java.util.Map.entry("{", "lbrace"), java.util.Map.entry("}", "rbrace"), java.util.Map.entry("==", "eq"),
            java.util.Map.entry("!=", "ne"), java.util.Map.entry(">", "gt"), java.util.Map.entry(">=", "gteq"),
            java.util.Map.entry("<", "lt"), java.util.Map.entry("<=", "lteq"), java.util.Map.entry("=", "assign"),
            java.util.Map.entry(".", "dot"), java.util.Map.entry(":", "colon"), java.util.Map.entry("|", "pipe"),
            java.util.Map.entry(",", "comma"), java.util.Map.entry(";", "semicolon"));
}
