package io.airlock.formats.python;

/** The source is not Python this parser accepts, or breaks a limit; says where. */
public final class PySyntaxError extends Exception {
    private final int line;
    private final int col;

    public PySyntaxError(String message, int line, int col) {
        super(message + " at line " + line + ", column " + col, null, false, false);
        this.line = line;
        this.col = col;
    }

    public int line() {
        return line;
    }

    public int col() {
        return col;
    }
}
