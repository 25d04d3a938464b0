package io.airlock.signing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class SigningTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void paeCountsBytesNotChars() {
        byte[] pae = Dsse.pae("tÿpe", "é".getBytes(StandardCharsets.UTF_8));
        // "tÿpe" is 5 bytes in UTF-8, "é" is 2: a String.length() count would say 4 and 1
        assertThat(new String(pae, StandardCharsets.UTF_8)).isEqualTo("DSSEv1 5 tÿpe 2 é");
    }

    @ParameterizedTest
    @ValueSource(strings = {"secp256r1", "secp384r1", "secp521r1"})
    void aDsseEnvelopeVerifiesOnlyWithItsKeyAndItsPayload(String curve) throws Exception {
        String[] kp = Keys.generateEc(curve);
        Keys.Signer signer = Keys.signer(kp[0], kp[1]);
        Dsse env = Dsse.sign(Dsse.IN_TOTO, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), signer);
        Dsse back = Dsse.fromJson(env.toJson());
        assertThat(back.verifiedBy(Keys.verifier(kp[1]))).isTrue();
        Dsse tampered = new Dsse(back.payloadType(), "{\"a\":2}".getBytes(StandardCharsets.UTF_8), back.signatures());
        assertThat(tampered.verifiedBy(Keys.verifier(kp[1]))).isFalse();
        assertThat(back.verifiedBy(Keys.verifier(Keys.generateEc(curve)[1]))).isFalse();
    }

    @Test
    void aStreamedSignatureOverABlobVerifies() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        byte[] blob = new byte[3 << 20];
        blob[123] = 7;
        byte[] sig = Keys.signer(kp[0], kp[1]).sign(blob);
        assertThat(Keys.verifier(kp[1]).verify(new ByteArrayInputStream(blob), sig)).isTrue();
        blob[5] = 1;
        assertThat(Keys.verifier(kp[1]).verify(new ByteArrayInputStream(blob), sig)).isFalse();
    }

    @Test
    void aModelSigningBundleVerifiesAgainstTheArtifactsDigests() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        Map<String, String> files = Map.of("model.gguf", "ab".repeat(32));
        byte[] bundle = bundle(kp, files, null);
        var ok = ModelSignature.verify(bundle, Keys.verifier(kp[1]), files);
        assertThat(ok.status()).as(ok.detail()).isEqualTo(ModelSignature.Status.VERIFIED);
        assertThat(ok.keyHint()).hasSize(64);

        var other = ModelSignature.verify(bundle, Keys.verifier(kp[1]), Map.of("model.gguf", "cd".repeat(32)));
        assertThat(other.status()).isEqualTo(ModelSignature.Status.INVALID);
        assertThat(other.detail()).contains("does not match");

        var extra = ModelSignature.verify(bundle, Keys.verifier(kp[1]),
                Map.of("model.gguf", "ab".repeat(32), "extra.bin", "00".repeat(32)));
        assertThat(extra.status()).isEqualTo(ModelSignature.Status.INVALID);

        var wrongKey = ModelSignature.verify(bundle, Keys.verifier(Keys.generateEc("secp256r1")[1]), files);
        assertThat(wrongKey.status()).isEqualTo(ModelSignature.Status.INVALID);
    }

    @Test
    void aSubjectThatDoesNotBindTheResourcesIsInvalid() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        Map<String, String> files = Map.of("model.gguf", "ab".repeat(32));
        var r = ModelSignature.verify(bundle(kp, files, "00".repeat(32)), Keys.verifier(kp[1]), files);
        assertThat(r.status()).isEqualTo(ModelSignature.Status.INVALID);
        assertThat(r.detail()).contains("subject digest");
    }

    @Test
    void keylessBundlesAreReportedUnsupportedNeverVerified() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        Map<String, String> files = Map.of("model.gguf", "ab".repeat(32));
        ObjectNode b = (ObjectNode) JSON.readTree(bundle(kp, files, null));
        b.putObject("verificationMaterial").putObject("certificate").put("rawBytes", "MIIB");
        var r = ModelSignature.verify(JSON.writeValueAsBytes(b), Keys.verifier(kp[1]), files);
        assertThat(r.status()).isEqualTo(ModelSignature.Status.UNSUPPORTED);
    }

    @Test
    void garbageIsInvalid() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        assertThat(ModelSignature.verify("nope".getBytes(), Keys.verifier(kp[1]), Map.of()).status())
                .isEqualTo(ModelSignature.Status.INVALID);
    }

    /** A model_signing v1.0 bundle over {@code files}; {@code subjectOverride} forges the subject digest. */
    static byte[] bundle(String[] kp, Map<String, String> files, String subjectOverride) throws Exception {
        ObjectNode predicate = JSON.createObjectNode();
        predicate.putObject("serialization").put("method", "files").put("hash_type", "sha256");
        var res = predicate.putArray("resources");
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        new TreeMap<>(files).forEach((name, hex) -> {
            res.addObject().put("name", name).put("algorithm", "sha256").put("digest", hex);
            raw.writeBytes(HexFormat.of().parseHex(hex));
        });
        String subject = subjectOverride != null ? subjectOverride
                : HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(raw.toByteArray()));
        InToto st = new InToto(java.util.List.of(new InToto.Subject("model", Map.of("sha256", subject))),
                ModelSignature.PREDICATE, predicate);
        Dsse env = Dsse.sign(Dsse.IN_TOTO, st.toBytes(), Keys.signer(kp[0], kp[1]));
        ObjectNode b = JSON.createObjectNode();
        b.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
        b.putObject("verificationMaterial").putObject("publicKey").put("hint", Keys.verifier(kp[1]).hint());
        b.set("dsseEnvelope", env.toJson());
        return JSON.writeValueAsBytes(b);
    }
}
