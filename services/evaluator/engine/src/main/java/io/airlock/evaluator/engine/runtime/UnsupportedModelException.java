package io.airlock.evaluator.engine.runtime;

/** The model loads but is not a decoder the evaluator knows how to drive; the message says why. */
public final class UnsupportedModelException extends Exception {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
