package io.airlock.formats.jinja;

/**
 * A template that jinja2 3.x would refuse to parse (so transformers could not render it), or one
 * past this parser's bounds. Carries the line where parsing stopped.
 */
public class JinjaSyntaxException extends Exception {
    private final int line;

    public JinjaSyntaxException(String message, int line) {
        super(message + " (line " + line + ")");
        this.line = line;
    }

    /** The 1-based line of the template where parsing stopped. */
    public int line() {
        return line;
    }
}
