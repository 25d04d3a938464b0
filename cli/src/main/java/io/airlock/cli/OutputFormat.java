package io.airlock.cli;

/** How a command prints its report. */
public enum OutputFormat {
    /** One line per stage, then the verdict: for people. */
    text,
    /** The report record as JSON: for tools. */
    json
}
