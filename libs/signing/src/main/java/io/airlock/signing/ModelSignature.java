package io.airlock.signing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verifies an OpenSSF model-signing v1.0 signature: a Sigstore bundle holding a DSSE envelope
 * whose payload is an in-toto statement over the model's resources. Verification recomputes the
 * manifest: every resource named must match the artifact's files exactly (no extra, no missing),
 * and the subject digest must equal SHA-256 over the resources' raw digests in name order.
 */
public final class ModelSignature {
    public static final String PREDICATE = "https://model_signing/signature/v1.0";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BUNDLE = 1 << 20;

    private ModelSignature() {
    }

    /** What verification concluded. UNSUPPORTED is never a pass: it says what could not be checked. */
    public enum Status { VERIFIED, INVALID, UNSUPPORTED }

    public record Result(Status status, String detail, String keyHint) {
    }

    /**
     * @param files the artifact's files: name -> lowercase hex SHA-256 (one entry for a single-file model)
     */
    public static Result verify(byte[] bundle, Keys.Verifier key, Map<String, String> files) {
        if (bundle.length > MAX_BUNDLE) {
            return new Result(Status.INVALID, "signature bundle larger than " + MAX_BUNDLE + " bytes", key.hint());
        }
        JsonNode root;
        try {
            root = JSON.readTree(bundle);
        } catch (IOException e) {
            return new Result(Status.INVALID, "signature bundle is not JSON", key.hint());
        }
        if (root == null || !root.path("mediaType").asText("").startsWith("application/vnd.dev.sigstore.bundle")) {
            return new Result(Status.INVALID, "not a Sigstore bundle (mediaType)", key.hint());
        }
        JsonNode material = root.path("verificationMaterial");
        if (!material.has("publicKey") && (material.has("certificate") || material.has("x509CertificateChain"))) {
            return new Result(Status.UNSUPPORTED,
                    "keyless bundle (certificate): Fulcio chain and Rekor inclusion verification are not implemented",
                    key.hint());
        }
        Dsse envelope;
        InToto statement;
        try {
            envelope = Dsse.fromJson(root.path("dsseEnvelope"));
            if (!Dsse.IN_TOTO.equals(envelope.payloadType())) {
                return new Result(Status.INVALID, "DSSE payload type is " + envelope.payloadType(), key.hint());
            }
            if (!envelope.verifiedBy(key)) {
                return new Result(Status.INVALID, "signature does not verify with the configured key", key.hint());
            }
            statement = InToto.parse(envelope.payload());
        } catch (SigningException e) {
            return new Result(Status.INVALID, e.getMessage(), key.hint());
        }
        if (!PREDICATE.equals(statement.predicateType())) {
            return new Result(Status.UNSUPPORTED, "predicate type " + statement.predicateType(), key.hint());
        }
        Map<String, String> signed = new TreeMap<>();
        for (JsonNode r : statement.predicate().path("resources")) {
            String algorithm = r.path("algorithm").asText("").toLowerCase(Locale.ROOT);
            if (!algorithm.equals("sha256")) {
                return new Result(Status.UNSUPPORTED, "resource digest algorithm " + algorithm, key.hint());
            }
            if (signed.put(r.path("name").asText(""), r.path("digest").asText("").toLowerCase(Locale.ROOT)) != null) {
                return new Result(Status.INVALID, "resource named twice: " + r.path("name").asText(), key.hint());
            }
        }
        Map<String, String> actual = new TreeMap<>(files);
        if (!signed.equals(actual)) {
            return new Result(Status.INVALID, "the signed manifest does not match the artifact: signed "
                    + signed.keySet() + ", present " + actual.keySet(), key.hint());
        }
        // the subject digest binds the whole manifest
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        signed.values().forEach(hex -> raw.writeBytes(HexFormat.of().parseHex(hex)));
        String expected = HexFormat.of().formatHex(Keys.sha256(raw.toByteArray()));
        if (statement.subjects().size() != 1 || !expected.equals(statement.subjects().get(0).digest().get("sha256"))) {
            return new Result(Status.INVALID, "subject digest does not bind the resources", key.hint());
        }
        return new Result(Status.VERIFIED, "model_signing v1.0 over " + signed.size() + " resource(s)", key.hint());
    }
}
