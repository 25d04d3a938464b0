package io.airlock.guard.engine.py;

import io.airlock.guard.engine.py.Ast.Expr;

import java.util.List;

/**
 * Splits an f-string's text into its literal parts and the expressions of its replacement fields,
 * which are parsed like any other code: a call hidden in {@code f"{exec(x)}"} is a call.
 */
final class FString {
    static final int MAX_FIELDS = 1000;

    private FString() {
    }

    static void split(String text, int line, StringBuilder literal, List<Expr> values) throws PySyntaxError {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '{') {
                    literal.append('{');
                    i += 2;
                    continue;
                }
                int end = fieldEnd(text, i + 1, line);
                String field = text.substring(i + 1, end);
                if (values.size() >= MAX_FIELDS) {
                    throw new PySyntaxError("more than " + MAX_FIELDS + " f-string fields", line, 1);
                }
                addField(field, line, literal, values);
                i = end + 1;
            } else if (c == '}') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '}') {
                    literal.append('}');
                    i += 2;
                    continue;
                }
                throw new PySyntaxError("single '}' in an f-string", line, 1);
            } else {
                literal.append(c);
                i++;
            }
        }
    }

    /** The index of the '}' closing the field that starts at {@code from}, skipping nested brackets and strings. */
    private static int fieldEnd(String text, int from, int line) throws PySyntaxError {
        int depth = 0;
        char quote = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            }
        }
        throw new PySyntaxError("unterminated f-string field", line, 1);
    }

    /** {@code expr[=][!conv][:spec]}; the spec may hold nested fields. */
    private static void addField(String field, int line, StringBuilder literal, List<Expr> values) throws PySyntaxError {
        int depth = 0;
        char quote = 0;
        int cut = field.length();
        String spec = null;
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && c == '!' && i + 1 < field.length() && field.charAt(i + 1) != '=') {
                cut = i;
                int colon = field.indexOf(':', i);
                spec = colon < 0 ? null : field.substring(colon + 1);
                break;
            } else if (depth == 0 && c == ':') {
                cut = i;
                spec = field.substring(i + 1);
                break;
            }
        }
        String expr = field.substring(0, cut).strip();
        if (expr.endsWith("=") && !expr.endsWith("==") && !expr.endsWith("!=") && !expr.endsWith("<=")
                && !expr.endsWith(">=")) {
            expr = expr.substring(0, expr.length() - 1);
        }
        if (expr.isEmpty()) {
            throw new PySyntaxError("empty f-string field", line, 1);
        }
        values.add(Parser.expression(expr, line));
        if (spec != null && spec.contains("{")) {
            split(spec, line, literal, values);
        }
    }
}
