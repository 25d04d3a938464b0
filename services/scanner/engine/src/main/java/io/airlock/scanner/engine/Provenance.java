package io.airlock.scanner.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where an artifact says it came from and who says they made it: the inputs of the
 * {@code source_policy} and {@code provenance} stages.
 *
 * @param sourceUrl        the origin the submitter recorded, "" when none
 * @param sources          which origins are acceptable
 * @param signature        a detached signature (a Sigstore bundle for OpenSSF model signing, a
 *                         cosign blob signature: base64 DER, or an OpenPGP detached signature,
 *                         armored or binary), when one was submitted; its format is told by content
 * @param trustedKeysPem   public keys whose signatures are trusted: PEM (EC, Ed25519) for bundles and
 *                         cosign, ASCII-armored OpenPGP public key blocks for OpenPGP signatures
 * @param requireSignature whether an artifact without a verified signature fails
 * @param artifactName     the name the signature's manifest must list the artifact under
 */
public record Provenance(String sourceUrl, SourcePolicy sources, Optional<Path> signature, List<String> trustedKeysPem,
                         boolean requireSignature, String artifactName) {
    public Provenance {
        sourceUrl = Objects.requireNonNullElse(sourceUrl, "").strip();
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(signature, "signature");
        trustedKeysPem = List.copyOf(trustedKeysPem);
        artifactName = Objects.requireNonNullElse(artifactName, "");
    }

    /** Nothing recorded, nothing required: both stages report that they had nothing to check. */
    public static Provenance none() {
        return new Provenance("", SourcePolicy.none(), Optional.empty(), List.of(), false, "");
    }

    /**
     * Acceptable origins: https URLs whose host is exactly one of {@code allowedHosts} (no
     * suffix or prefix matching), without credentials.
     *
     * @param requireSource whether an artifact with no recorded origin fails
     */
    public record SourcePolicy(Set<String> allowedHosts, boolean requireSource) {
        public SourcePolicy {
            allowedHosts = allowedHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT))
                    .filter(h -> !h.isEmpty()).collect(Collectors.toUnmodifiableSet());
        }

        public static SourcePolicy none() {
            return new SourcePolicy(Set.of(), false);
        }

        public boolean configured() {
            return !allowedHosts.isEmpty() || requireSource;
        }
    }
}
