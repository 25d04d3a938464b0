package io.airlock.scanner.engine;

import io.airlock.contracts.Kind;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What one scan checks against.
 *
 * @param expectedSha256 the digest the submitter pinned, or "" when none
 * @param allowedFormats formats a model may have (default gguf, safetensors, onnx)
 * @param deniedFormats  formats refused outright (default: every pickle-based one); still analyzed and reported
 */
public record ScanOptions(String expectedSha256, Set<Format> allowedFormats, Set<Format> deniedFormats, Kind kind,
                          long maxBytes) {
    public ScanOptions {
        expectedSha256 = Objects.requireNonNullElse(expectedSha256, "").strip().toLowerCase(java.util.Locale.ROOT);
        allowedFormats = Set.copyOf(allowedFormats);
        deniedFormats = Set.copyOf(deniedFormats);
        Objects.requireNonNull(kind, "kind");
    }

    public static ScanOptions defaults(Kind kind) {
        Set<Format> denied = EnumSet.noneOf(Format.class);
        for (Format f : Format.values()) {
            if (f.pickleBased()) {
                denied.add(f);
            }
        }
        return new ScanOptions("", EnumSet.of(Format.GGUF, Format.SAFETENSORS, Format.ONNX), denied, kind,
                20L * 1024 * 1024 * 1024);
    }

    public ScanOptions withExpectedSha256(String sha256) {
        return new ScanOptions(sha256, allowedFormats, deniedFormats, kind, maxBytes);
    }
}
