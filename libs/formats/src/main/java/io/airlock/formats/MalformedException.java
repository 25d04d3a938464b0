package io.airlock.formats;

/**
 * The bytes are not a well-formed instance of the format a parser expected. Carries the offset
 * where parsing stopped, so findings can point at it.
 */
public class MalformedException extends Exception {
    private final long offset;

    public MalformedException(String message, long offset) {
        super(message + " (at offset " + offset + ")");
        this.offset = offset;
    }

    /** Where in the artifact the parser gave up. */
    public long offset() {
        return offset;
    }
}
