package io.airlock.evaluator.engine.corpus;

import io.airlock.signing.Keys;
import io.airlock.signing.SigningException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A detached signature over the exact bytes of an external corpus file, checked against keys the
 * operator pinned (EC P-256/P-384/P-521 with SHA-2, or Ed25519, as {@link Keys} reads them). The
 * signature file holds the signature in base64 (what {@code openssl pkeyutl}/{@code dgst -sign}
 * piped through {@code base64} and cosign's {@code sign-blob} write), or raw bytes.
 *
 * <p>The result is one of four, and every report carries it: {@code verified (key <hint>)},
 * {@code absent} (no signature given), {@code invalid} (no pinned key verifies it, or it is not
 * a signature), {@code unchecked} (a signature but no pinned key to check it against). Only
 * {@code verified} satisfies a policy that requires signed corpora.
 */
public final class CorpusSignature {
    /** A signature file is small; anything bigger is not one. */
    static final int MAX_SIGNATURE_BYTES = 16 * 1024;

    public enum Status { VERIFIED, ABSENT, INVALID, UNCHECKED }

    /**
     * @param status  what the check found
     * @param keyHint the verifying key's hint (hex SHA-256 of its PEM) when verified, else ""
     * @param detail  one line for the report
     */
    public record Result(Status status, String keyHint, String detail) {
        public Result {
            Objects.requireNonNull(status);
            keyHint = Objects.requireNonNullElse(keyHint, "");
            detail = Objects.requireNonNullElse(detail, "");
        }

        /** What reports print: {@code verified (key 1a2b3c4d…)}, {@code absent}, ... */
        public String describe() {
            return switch (status) {
                case VERIFIED -> "verified (key " + keyHint.substring(0, Math.min(16, keyHint.length())) + ")";
                case ABSENT -> "absent";
                case INVALID -> "invalid (" + detail + ")";
                case UNCHECKED -> "unchecked (" + detail + ")";
            };
        }
    }

    private CorpusSignature() {
    }

    /**
     * Checks {@code signature} (may be null: absent) over the bytes of {@code corpus}.
     *
     * @throws IOException when a file cannot be read
     */
    public static Result check(Path corpus, Path signature, List<Keys.Verifier> trusted) throws IOException {
        if (signature == null) {
            return new Result(Status.ABSENT, "", "no signature given");
        }
        if (Files.size(signature) > MAX_SIGNATURE_BYTES) {
            return new Result(Status.INVALID, "", "the signature file is over " + MAX_SIGNATURE_BYTES + " bytes");
        }
        byte[] sig = decode(Files.readAllBytes(signature));
        if (trusted.isEmpty()) {
            return new Result(Status.UNCHECKED, "", "no trusted corpus key is configured");
        }
        for (Keys.Verifier key : trusted) {
            // streamed: a corpus may be megabytes, never held twice
            try (var in = Files.newInputStream(corpus)) {
                if (key.verify(in, sig)) {
                    return new Result(Status.VERIFIED, key.hint(), "");
                }
            }
        }
        return new Result(Status.INVALID, "", "no trusted key (" + trusted.size() + " pinned) verifies it");
    }

    /** Reads pinned public keys from PEM files; a file that is not a supported public key is an error. */
    public static List<Keys.Verifier> keys(List<Path> pemFiles) throws IOException, SigningException {
        List<Keys.Verifier> out = new ArrayList<>();
        for (Path p : pemFiles) {
            if (Files.size(p) > MAX_SIGNATURE_BYTES) {
                throw new SigningException(p + " is too large to be a public key");
            }
            try {
                out.add(Keys.verifier(Files.readString(p, StandardCharsets.US_ASCII)));
            } catch (SigningException e) {
                throw new SigningException(p + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Base64 text (whitespace allowed) when it decodes as such, else the raw bytes. */
    static byte[] decode(byte[] file) {
        String text = new String(file, StandardCharsets.US_ASCII).strip();
        if (!text.isEmpty() && text.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '+' || c == '/'
                || c == '=' || c == '\n' || c == '\r')) {
            try {
                return Base64.getMimeDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // not base64 after all: a raw signature that happens to be printable
            }
        }
        return file;
    }
}
