package io.airlock.cli;

/** How the local commands print their report. */
public enum OutputFormat {
    /** One line per stage, then the verdict: for people. */
    text,
    /** The report record as JSON: for tools. */
    json,
    /** SARIF 2.1.0: for code-scanning viewers and CI annotations. */
    sarif
}
