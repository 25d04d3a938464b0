package io.airlock.formats.python;

import io.airlock.formats.python.Ast.Expr;

import java.util.List;

/**
 * Splits an f-string's text into its literal parts and the expressions of its replacement fields,
 * which are parsed like any other code: a call hidden in {@code f"{exec(x)}"} is a call.
 */
final class FString {
    static final int MAX_FIELDS = 1000;

    private FString() {
    }

    /**
     * Splits an f-string's raw text (as the lexer keeps it): fields are found first, then each
     * literal part is decoded ({@code raw}: an rf-string keeps its backslashes).
     */
    static void split(String text, int line, boolean raw, StringBuilder literal, List<Expr> values) throws PySyntaxError {
        StringBuilder part = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                // an escape belongs to the literal part: \N{NAME} holds braces that are no field
                char next = text.charAt(i + 1);
                int end = !raw && next == 'N' && i + 2 < text.length() && text.charAt(i + 2) == '{'
                        ? text.indexOf('}', i) + 1
                        : next == '{' || next == '}' ? i + 1 : i + 2; // "\{x}": a backslash, then a field
                part.append(text, i, end <= 0 ? text.length() : end);
                i = end <= 0 ? text.length() : end;
                continue;
            }
            if (c == '{') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '{') {
                    part.append('{');
                    i += 2;
                    continue;
                }
                literal.append(Lexer.decode(part.toString(), raw, line));
                part.setLength(0);
                int end = fieldEnd(text, i + 1, line);
                String field = text.substring(i + 1, end);
                if (values.size() >= MAX_FIELDS) {
                    throw new PySyntaxError("more than " + MAX_FIELDS + " f-string fields", line, 1);
                }
                addField(field, line, raw, literal, values);
                i = end + 1;
            } else if (c == '}') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '}') {
                    part.append('}');
                    i += 2;
                    continue;
                }
                throw new PySyntaxError("single '}' in an f-string", line, 1);
            } else {
                part.append(c);
                i++;
            }
        }
        literal.append(Lexer.decode(part.toString(), raw, line));
    }

    /**
     * The index of the '}' closing the field that starts at {@code from}. The expression may hold
     * brackets, strings and (3.12) comments; after its '!' or ':' come a conversion and a format spec,
     * which are text (a '#', a quote or a '=' there is a character of the spec) but for nested fields.
     */
    private static int fieldEnd(String text, int from, int line) throws PySyntaxError {
        int i = topLevel(text, from, "}!:");
        while (i >= 0 && i < text.length()) {
            char c = text.charAt(i);
            if (c == '}') {
                return i;
            }
            if (c == '{') {
                int nested = topLevel(text, i + 1, "}");
                if (nested < 0) {
                    break;
                }
                i = nested;
            }
            i++;
        }
        throw new PySyntaxError("unterminated f-string field", line, 1);
    }

    /**
     * The index of the first of {@code stops} outside quotes, brackets and comments, from {@code from};
     * -1 when none. A '!' followed by '=' is the operator, not a conversion, and never stops.
     */
    private static int topLevel(String text, int from, String stops) {
        int depth = 0;
        String quote = null;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != null) {
                if (c == '\\') {
                    i++; // an escaped character in a nested string never closes it
                } else if (text.startsWith(quote, i)) {
                    i += quote.length() - 1;
                    quote = null;
                }
            } else if (c == '#' && stops.indexOf('#') < 0) {
                int eol = text.indexOf('\n', i);
                if (eol < 0) {
                    return -1;
                }
                i = eol; // a comment runs to the end of its line (PEP 701)
            } else if (c == '\'' || c == '"') {
                // a triple-quoted string in a field may hold its quote character alone: eric's
                quote = text.startsWith(String.valueOf(c).repeat(3), i) ? String.valueOf(c).repeat(3) : String.valueOf(c);
                i += quote.length() - 1;
            } else if ((depth == 0 || c == '#') && stops.indexOf(c) >= 0
                    && !(c == '!' && i + 1 < text.length() && text.charAt(i + 1) == '=')) {
                return i;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
        }
        return -1;
    }

    /** A field's expression text without its comments (3.12), line breaks kept. */
    private static String withoutComments(String text) {
        if (text.indexOf('#') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int hash = topLevel(text, i, "#");
            if (hash < 0) {
                out.append(text, i, text.length());
                break;
            }
            out.append(text, i, hash);
            int eol = text.indexOf('\n', hash);
            i = eol < 0 ? text.length() : eol;
        }
        return out.toString();
    }

    /** {@code expr[=][!conv][:spec]}; the spec may hold nested fields. */
    private static void addField(String field, int line, boolean raw, StringBuilder literal, List<Expr> values)
            throws PySyntaxError {
        int cut = topLevel(field, 0, "!:");
        String spec = null;
        if (cut < 0) {
            cut = field.length();
        } else if (field.charAt(cut) == '!') {
            int colon = field.indexOf(':', cut);
            spec = colon < 0 ? null : field.substring(colon + 1);
        } else {
            spec = field.substring(cut + 1);
        }
        String source = withoutComments(field.substring(0, cut));
        String expr = source.strip();
        if (expr.endsWith("=") && !expr.endsWith("==") && !expr.endsWith("!=") && !expr.endsWith("<=")
                && !expr.endsWith(">=")) {
            // a debug field: CPython keeps its source text, '=' and spaces included, comments not, as text
            literal.append(source);
            expr = expr.substring(0, expr.length() - 1);
        }
        if (expr.isEmpty()) {
            throw new PySyntaxError("empty f-string field", line, 1);
        }
        values.add(Parser.expression(expr, line));
        if (spec != null) {
            // a format spec is text of the string too (CPython's JoinedStr holds it), nested fields included
            split(spec, line, raw, literal, values);
        }
    }
}
