package io.airlock.cli;

/** The documented exit codes of every airlock command. */
public final class ExitCodes {
    /** Passed, allowed, or nothing decided against the artifact. */
    public static final int PASS = 0;
    /** Rejected or blocked, including a malformed or truncated artifact: that is a finding. */
    public static final int REJECT = 1;
    /** The tool failed: unreadable path, bad arguments, internal failure. */
    public static final int TOOL_ERROR = 2;

    private ExitCodes() {
    }
}
