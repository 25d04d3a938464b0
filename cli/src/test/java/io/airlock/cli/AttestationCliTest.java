package io.airlock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.signing.Dsse;
import io.airlock.signing.InToto;
import io.airlock.signing.Keys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static io.airlock.cli.CliTest.airlock;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code airlock attestation verify}: each way an admission can fail to vouch for a file is a refusal (exit 1). */
class AttestationCliTest {
    @TempDir
    Path dir;
    String[] registryKey;
    Path model;
    Path pub;
    String sha;

    @BeforeEach
    void setUp() throws Exception {
        registryKey = Keys.generateEc("secp256r1");
        pub = Files.writeString(dir.resolve("registry.pub"), registryKey[1]);
        model = Files.write(dir.resolve("model.onnx"), new byte[]{8, 7, 18, 3, 'a', 'b', 'c'});
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(model)));
    }

    private Path envelope(String digest, String verdict, String predicateType, String[] key) throws Exception {
        ObjectNode p = new ObjectMapper().createObjectNode().put("verdict", verdict).put("modelId", "m-1")
                .put("policyVersion", "scanner-policy 2026.11").put("issuedAt", "2026-11-24T20:00:00Z");
        InToto st = new InToto(List.of(new InToto.Subject("model.onnx", Map.of("sha256", digest))), predicateType, p);
        Dsse env = Dsse.sign(Dsse.IN_TOTO, st.toBytes(), Keys.signer(key[0], key[1]));
        return Files.writeString(Files.createTempFile(dir, "adm", ".json"), env.toJson().toString());
    }

    private CliTest.Run verify(Path envelope) {
        return airlock("attestation", "verify", model.toString(), "--admission", envelope.toString(), "--key", pub.toString());
    }

    @Test
    void anAdmissionOfThisFileSignedByThePinnedKeyIsAccepted() throws Exception {
        CliTest.Run r = verify(envelope(sha, "promoted", AttestationCommand.PREDICATE_TYPE, registryKey));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("admitted: model.onnx sha256:" + sha).contains("model m-1");
    }

    @Test
    void everyOtherAdmissionIsRefused() throws Exception {
        CliTest.Run other = verify(envelope("0".repeat(64), "promoted", AttestationCommand.PREDICATE_TYPE, registryKey));
        assertThat(other.code()).isEqualTo(1);
        assertThat(other.err()).contains("names another digest");

        CliTest.Run wrongKey = verify(envelope(sha, "promoted", AttestationCommand.PREDICATE_TYPE,
                Keys.generateEc("secp256r1")));
        assertThat(wrongKey.code()).isEqualTo(1);
        assertThat(wrongKey.err()).contains("does not verify");

        assertThat(verify(envelope(sha, "rejected", AttestationCommand.PREDICATE_TYPE, registryKey)).err())
                .contains("not promoted");
        assertThat(verify(envelope(sha, "promoted", "https://example.com/other", registryKey)).err())
                .contains("not an Airlock admission");

        // a payload swapped after signing: the signature is checked before anything in it is believed
        Path good = envelope(sha, "promoted", AttestationCommand.PREDICATE_TYPE, registryKey);
        ObjectNode env = (ObjectNode) new ObjectMapper().readTree(good.toFile());
        String payload = new String(Base64.getDecoder().decode(env.path("payload").asText()));
        env.put("payload", Base64.getEncoder().encodeToString(payload.replace("m-1", "m-2").getBytes()));
        Files.writeString(good, env.toString());
        assertThat(verify(good).code()).isEqualTo(1);

        Files.writeString(good, "{not json");
        assertThat(verify(good).code()).isEqualTo(1);
    }

    @Test
    void aMissingKeyOrFileIsAToolError() throws Exception {
        Path env = envelope(sha, "promoted", AttestationCommand.PREDICATE_TYPE, registryKey);
        assertThat(airlock("attestation", "verify", model.toString(), "--admission", env.toString(), "--key",
                dir.resolve("none.pem").toString()).code()).isEqualTo(2);
        assertThat(airlock("attestation", "verify", model.toString(), "--key", pub.toString()).code()).isEqualTo(2);
    }
}
