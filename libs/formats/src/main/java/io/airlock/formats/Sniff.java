package io.airlock.formats;

import java.util.Objects;

/**
 * What {@link FormatSniffer} decided and why.
 *
 * @param format   the format by content
 * @param evidence the bytes or structure that decided it, e.g. {@code magic 'GGUF' v3 at offset 0}
 */
public record Sniff(Format format, String evidence) {
    public Sniff {
        Objects.requireNonNull(format, "format");
        evidence = Objects.requireNonNullElse(evidence, "");
    }
}
