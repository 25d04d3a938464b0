package io.airlock.blob;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** A content address: the SHA-256 of the bytes, written {@code sha256:<64 lowercase hex>}. */
public record BlobRef(String sha256) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public BlobRef {
        Objects.requireNonNull(sha256, "sha256");
        if (!HEX64.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256 digest: '" + sha256 + "'");
        }
    }

    /** Parses {@code sha256:<hex>} or a bare hex digest; upper-case hex is accepted and normalized. */
    public static BlobRef parse(String text) {
        Objects.requireNonNull(text, "blob reference");
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("sha256:")) {
            t = t.substring("sha256:".length());
        }
        return new BlobRef(t);
    }

    public String uri() {
        return "sha256:" + sha256;
    }

    @Override
    public String toString() {
        return uri();
    }
}
