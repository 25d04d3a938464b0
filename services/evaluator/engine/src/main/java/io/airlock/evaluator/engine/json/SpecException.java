package io.airlock.evaluator.engine.json;

/**
 * An input document (corpus, package config, options) does not follow its specification. The
 * message names the document and the JSON path, e.g. {@code corpus jb: $.cases[3].severity: ...}.
 */
public class SpecException extends Exception {
    public SpecException(String message) {
        super(message);
    }

    public SpecException(String message, Throwable cause) {
        super(message, cause);
    }
}
