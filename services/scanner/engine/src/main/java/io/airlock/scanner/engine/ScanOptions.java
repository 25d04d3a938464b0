package io.airlock.scanner.engine;

import io.airlock.contracts.Kind;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one scan checks against.
 *
 * @param expectedSha256 the digest the submitter promised, "" when none; normalised to lower-case hex
 *                       ("sha256:" prefix and blanks dropped). A value that is not 64 hex digits can
 *                       match nothing, so the integrity stage fails it.
 * @param allowedFormats formats a model may be (kernels must be Python source)
 * @param deniedFormats  formats rejected outright, named as denied; wins over allowed
 * @param kind           model or kernel
 * @param maxBytes       largest artifact scanned; larger ones fail integrity without being hashed
 */
public record ScanOptions(String expectedSha256, Set<Format> allowedFormats, Set<Format> deniedFormats, Kind kind,
                          long maxBytes) {

    /** 20 GiB: the largest model file the default policy takes. */
    public static final long DEFAULT_MAX_MODEL_BYTES = 20L * 1024 * 1024 * 1024;
    /** 1 MiB: a kernel submission is source code. */
    public static final long DEFAULT_MAX_KERNEL_BYTES = 1024 * 1024;

    public ScanOptions {
        expectedSha256 = normalise(expectedSha256);
        allowedFormats = Set.copyOf(Objects.requireNonNull(allowedFormats, "allowedFormats"));
        deniedFormats = Set.copyOf(Objects.requireNonNull(deniedFormats, "deniedFormats"));
        Objects.requireNonNull(kind, "kind");
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
    }

    /**
     * The default policy: models may be GGUF, safetensors, ONNX, an Airlock model package or a model
     * folder (whose members are each judged by this same policy) and nothing pickle-based;
     * kernels must be Python source; sizes as {@link #DEFAULT_MAX_MODEL_BYTES} and {@link #DEFAULT_MAX_KERNEL_BYTES}.
     */
    public static ScanOptions defaults(Kind kind) {
        Set<Format> denied = Arrays.stream(Format.values()).filter(Format::pickleBased)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Format.class)));
        return switch (kind) {
            case MODEL -> new ScanOptions("", EnumSet.of(Format.GGUF, Format.SAFETENSORS, Format.ONNX, Format.MODEL_PACKAGE,
                    Format.MODEL_FOLDER), denied, kind,
                    DEFAULT_MAX_MODEL_BYTES);
            case KERNEL -> new ScanOptions("", EnumSet.of(Format.PYTHON_SOURCE), denied, kind, DEFAULT_MAX_KERNEL_BYTES);
        };
    }

    /** The same options with this expected digest. */
    public ScanOptions withExpectedSha256(String sha256) {
        return new ScanOptions(sha256, allowedFormats, deniedFormats, kind, maxBytes);
    }

    /** The same options with this size limit. */
    public ScanOptions withMaxBytes(long max) {
        return new ScanOptions(expectedSha256, allowedFormats, deniedFormats, kind, max);
    }

    /** Whether {@code s} (after normalisation) is a SHA-256 hex digest. */
    public static boolean isSha256Hex(String s) {
        String n = normalise(s);
        return n.length() == 64 && n.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }

    static String normalise(String s) {
        String n = Objects.requireNonNullElse(s, "").strip().toLowerCase(Locale.ROOT);
        return n.startsWith("sha256:") ? n.substring("sha256:".length()).strip() : n;
    }
}
