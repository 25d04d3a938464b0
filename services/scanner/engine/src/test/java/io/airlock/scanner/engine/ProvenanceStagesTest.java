package io.airlock.scanner.engine;

import io.airlock.fixtures.Samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.signing.Dsse;
import io.airlock.signing.InToto;
import io.airlock.signing.Keys;
import io.airlock.signing.ModelSignature;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ProvenanceStagesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Provenance.SourcePolicy HF = new Provenance.SourcePolicy(Set.of("huggingface.co"), false);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "https://huggingface.co/org/model/resolve/main/model.gguf | PASS |",
            "https://HuggingFace.co./org/model | PASS |",
            "https://huggingface.co:443/org/model | PASS |",
            "http://huggingface.co/org/model | FAIL | source.not_https",
            "https://huggingface.co.evil.example/org/model | FAIL | source.host_not_allowed",
            "https://evilhuggingface.co/org/model | FAIL | source.host_not_allowed",
            "https://huggingface.co@evil.example/org/model | FAIL | source.credentials",
            "https://user:pw@huggingface.co/org/model | FAIL | source.credentials",
            "https://huggingface.co:8443/org/model | FAIL | source.host_not_allowed",
            "ftp://huggingface.co/x | FAIL | source.not_https",
            "not a url at all | FAIL | source.malformed"})
    void originsMustBeHttpsOnExactlyAnAllowedHost(String url, StageStatus status, String rule) {
        StageResult r = ProvenanceStages.sourcePolicy(new Provenance(url, HF, Optional.empty(), List.of(), false, ""));
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        if (rule != null) {
            assertThat(r.findings()).extracting(Finding::rule).contains(rule.strip());
        }
    }

    @Test
    void aMissingOriginFollowsRequireSourceAndNoPolicyIsSkippedNotPassed() {
        assertThat(ProvenanceStages.sourcePolicy(new Provenance("", new Provenance.SourcePolicy(Set.of("huggingface.co"), true),
                Optional.empty(), List.of(), false, "")).findings()).extracting(Finding::rule).containsExactly("source.missing");
        assertThat(ProvenanceStages.sourcePolicy(new Provenance("", HF, Optional.empty(), List.of(), false, "")).status())
                .isEqualTo(StageStatus.PASS);
        StageResult none = ProvenanceStages.sourcePolicy(Provenance.none());
        assertThat(none.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(none.details()).containsKey("reason");
    }

    @Test
    void noSignatureIsReportedAbsentAndFailsOnlyWhenRequired() throws Exception {
        Path f = Files.write(dir.resolve("m.gguf"), Samples.gguf(3));
        StageResult optional = ProvenanceStages.provenance(Provenance.none(), f, sha(f));
        assertThat(optional.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(optional.details()).containsEntry("signature", "absent");
        StageResult required = ProvenanceStages.provenance(new Provenance("", HF, Optional.empty(), List.of(), true, ""), f, sha(f));
        assertThat(required.findings()).extracting(Finding::rule).containsExactly("provenance.signature_missing");
    }

    @Test
    void aSignatureWithoutTrustedKeysIsNotRunNeverVerified() throws Exception {
        Path f = Files.write(dir.resolve("m.gguf"), Samples.gguf(3));
        Path sig = Files.writeString(dir.resolve("m.sig"), "MEUCIQ==");
        StageResult r = ProvenanceStages.provenance(new Provenance("", HF, Optional.of(sig), List.of(), false, "m.gguf"), f, sha(f));
        assertThat(r.status()).isEqualTo(StageStatus.NOT_RUN);
        assertThat(r.details()).containsEntry("signature", "present, unverified");
    }

    @Test
    void aModelSigningBundleVerifiesWithTheTrustedKeyAndOnlyForThisArtifact() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        Path f = Files.write(dir.resolve("m.gguf"), Samples.gguf(3));
        Path bundle = Files.write(dir.resolve("m.sigstore.json"), bundle(kp, "m.gguf", sha(f)));
        Provenance p = new Provenance("", HF, Optional.of(bundle), List.of(kp[1]), true, "m.gguf");
        StageResult ok = ProvenanceStages.provenance(p, f, sha(f));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(StageStatus.PASS);
        assertThat(ok.details()).containsEntry("signature", "verified").containsKey("keyHint");

        Path other = Files.write(dir.resolve("other.gguf"), Samples.safetensors());
        StageResult wrongArtifact = ProvenanceStages.provenance(p, other, sha(other));
        assertThat(wrongArtifact.findings()).extracting(Finding::rule).containsExactly("provenance.signature_invalid");

        Provenance wrongKey = new Provenance("", HF, Optional.of(bundle), List.of(Keys.generateEc("secp256r1")[1]), true, "m.gguf");
        assertThat(ProvenanceStages.provenance(wrongKey, f, sha(f)).status()).isEqualTo(StageStatus.FAIL);
    }

    @Test
    void aCosignBlobSignatureVerifiesOverTheWholeArtifact() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        byte[] bytes = Samples.gguf(3);
        Path f = Files.write(dir.resolve("m.gguf"), bytes);
        Path sig = Files.writeString(dir.resolve("m.sig"),
                Base64.getEncoder().encodeToString(Keys.signer(kp[0], kp[1]).sign(bytes)));
        Provenance p = new Provenance("", HF, Optional.of(sig), List.of(kp[1]), true, "m.gguf");
        assertThat(ProvenanceStages.provenance(p, f, sha(f)).status()).isEqualTo(StageStatus.PASS);
        bytes[bytes.length - 1] ^= 1;
        Files.write(f, bytes);
        assertThat(ProvenanceStages.provenance(p, f, sha(f)).status()).isEqualTo(StageStatus.FAIL);
    }

    @ParameterizedTest(name = "armored {0}")
    @ValueSource(booleans = {true, false})
    void anOpenPgpSignatureVerifiesWithAPinnedKeyBesidePemKeysAndOnlyOverThisArtifact(boolean armor) throws Exception {
        byte[] bytes = Samples.gguf(3);
        Path f = Files.write(dir.resolve("m.gguf"), bytes);
        Path sig = Files.write(dir.resolve("m.gguf.sig"), PgpSamples.sign(PgpSamples.rsa(), bytes, armor, HashAlgorithmTags.SHA256));
        Provenance p = new Provenance("", HF, Optional.of(sig), List.of(Keys.generateEc("secp256r1")[1], PgpSamples.armored(PgpSamples.rsa())), true, "m.gguf");

        StageResult ok = ProvenanceStages.provenance(p, f, sha(f));

        assertThat(ok.status()).as(ok.toString()).isEqualTo(StageStatus.PASS);
        assertThat(ok.details()).containsEntry("signature", "verified")
                .containsEntry("signatureFormat", "openpgp detached signature")
                .containsEntry("keyHint", HexFormat.of().withUpperCase().formatHex(PgpSamples.rsa().getFingerprint()));

        bytes[bytes.length / 2] ^= 1;
        Files.write(f, bytes);
        StageResult changed = ProvenanceStages.provenance(p, f, sha(f));
        assertThat(changed.findings()).extracting(Finding::rule).containsExactly("provenance.signature_invalid");
        assertThat(changed.details()).containsEntry("signature", "invalid");
    }

    @Test
    void anOpenPgpSignatureByAnotherKeyOrOverSha1Fails() throws Exception {
        byte[] bytes = Samples.gguf(3);
        Path f = Files.write(dir.resolve("m.gguf"), bytes);
        Path sig = Files.write(dir.resolve("m.gguf.asc"), PgpSamples.sign(PgpSamples.ed(), bytes, true, HashAlgorithmTags.SHA256));
        StageResult otherKey = ProvenanceStages.provenance(
                new Provenance("", HF, Optional.of(sig), List.of(PgpSamples.armored(PgpSamples.rsa())), false, "m.gguf"), f, sha(f));
        assertThat(otherKey.status()).isEqualTo(StageStatus.FAIL);
        assertThat(otherKey.findings()).extracting(Finding::rule).containsExactly("provenance.signature_invalid");
        assertThat(otherKey.details().get("reason")).contains("not a trusted key");

        Files.write(sig, PgpSamples.sign(PgpSamples.rsa(), bytes, true, HashAlgorithmTags.SHA1));
        StageResult sha1 = ProvenanceStages.provenance(
                new Provenance("", HF, Optional.of(sig), List.of(PgpSamples.armored(PgpSamples.rsa())), false, "m.gguf"), f, sha(f));
        assertThat(sha1.findings()).extracting(Finding::rule).containsExactly("provenance.signature_invalid");
        assertThat(sha1.details().get("reason")).contains("SHA1").contains("SHA-256 or stronger");
    }

    @Test
    void anOpenPgpSignatureWithoutATrustedOpenPgpKeyIsNotRunNeverVerified() throws Exception {
        byte[] bytes = Samples.gguf(3);
        Path f = Files.write(dir.resolve("m.gguf"), bytes);
        Path sig = Files.write(dir.resolve("m.gguf.sig"), PgpSamples.sign(PgpSamples.ed(), bytes, false, HashAlgorithmTags.SHA256));
        for (List<String> keys : List.of(List.<String>of(), List.of(Keys.generateEc("secp256r1")[1]))) {
            StageResult r = ProvenanceStages.provenance(new Provenance("", HF, Optional.of(sig), keys, false, "m.gguf"), f, sha(f));
            assertThat(r.status()).as(r.toString()).isEqualTo(StageStatus.NOT_RUN);
            assertThat(r.details()).containsEntry("signature", "present, unverified")
                    .containsEntry("signatureFormat", "openpgp detached signature");
            StageResult required = ProvenanceStages.provenance(new Provenance("", HF, Optional.of(sig), keys, true, "m.gguf"), f, sha(f));
            assertThat(required.findings()).extracting(Finding::rule).containsExactly("provenance.no_trusted_keys");
        }
        // and an unsigned file stays unsigned however many keys are pinned
        StageResult unsigned = ProvenanceStages.provenance(
                new Provenance("", HF, Optional.empty(), List.of(PgpSamples.armored(PgpSamples.ed())), false, "m.gguf"), f, sha(f));
        assertThat(unsigned.status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(unsigned.details()).containsEntry("signature", "absent");
    }

    @Test
    void aCosignSignatureStillVerifiesWhenOpenPgpKeysArePinnedBesideItsKey() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        byte[] bytes = Samples.gguf(3);
        Path f = Files.write(dir.resolve("m.gguf"), bytes);
        Path sig = Files.writeString(dir.resolve("m.sig"), Base64.getEncoder().encodeToString(Keys.signer(kp[0], kp[1]).sign(bytes)));
        StageResult r = ProvenanceStages.provenance(
                new Provenance("", HF, Optional.of(sig), List.of(PgpSamples.armored(PgpSamples.ed()), kp[1]), true, "m.gguf"), f, sha(f));
        assertThat(r.status()).as(r.toString()).isEqualTo(StageStatus.PASS);
        assertThat(r.details()).containsEntry("signatureFormat", "cosign blob signature");
        StageResult pgpOnly = ProvenanceStages.provenance(
                new Provenance("", HF, Optional.of(sig), List.of(PgpSamples.armored(PgpSamples.ed())), false, "m.gguf"), f, sha(f));
        assertThat(pgpOnly.status()).isEqualTo(StageStatus.NOT_RUN);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"binary garbage", "truncated armor", "message armor"})
    void aMalformedOpenPgpSignatureIsInvalidNeverAnException(String kind) throws Exception {
        byte[] bytes = Samples.gguf(3);
        Path f = Files.write(dir.resolve("m.gguf"), bytes);
        String armored = new String(PgpSamples.sign(PgpSamples.ed(), bytes, true, HashAlgorithmTags.SHA256), StandardCharsets.US_ASCII);
        byte[] sig = switch (kind) {
            case "binary garbage" -> new byte[]{(byte) 0xC2, 0x05, 4, 0, 22, 8, 0, 0x7F};
            case "truncated armor" -> armored.substring(0, armored.length() - 40).getBytes(StandardCharsets.US_ASCII);
            default -> armored.replace("PGP SIGNATURE", "PGP MESSAGE").getBytes(StandardCharsets.US_ASCII);
        };
        Path sigFile = Files.write(dir.resolve("m.gguf.sig"), sig);
        StageResult r = ProvenanceStages.provenance(
                new Provenance("", HF, Optional.of(sigFile), List.of(PgpSamples.armored(PgpSamples.ed())), false, "m.gguf"), f, sha(f));
        assertThat(r.status()).as(r.toString()).isEqualTo(StageStatus.FAIL);
        assertThat(r.findings()).extracting(Finding::rule).containsExactly("provenance.signature_invalid");
        assertThat(r.details()).containsEntry("signatureFormat", "openpgp detached signature");
    }

    @Test
    void theEngineRunsBothStagesInOrderAndABadOriginRejects() throws Exception {
        Path f = Files.write(dir.resolve("m.gguf"), Samples.gguf(3));
        ScanReport r = new ScanEngine().scan(f, ScanOptions.defaults(Kind.MODEL),
                new Provenance("http://evil.example/m.gguf", HF, Optional.empty(), List.of(), false, "m.gguf"), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stages()).extracting(StageResult::stage)
                .containsExactly("source_policy", "integrity", "format_gate", "provenance", "static_scan", "folder_scan");
        assertThat(r.stage("source_policy").orElseThrow().status()).isEqualTo(StageStatus.FAIL);
    }

    static String sha(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    static byte[] bundle(String[] kp, String name, String sha256) throws Exception {
        ObjectNode predicate = JSON.createObjectNode();
        predicate.putObject("serialization").put("method", "files").put("hash_type", "sha256");
        predicate.putArray("resources").addObject().put("name", name).put("algorithm", "sha256").put("digest", sha256);
        String subject = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(HexFormat.of().parseHex(sha256)));
        InToto st = new InToto(List.of(new InToto.Subject("model", Map.of("sha256", subject))), ModelSignature.PREDICATE, predicate);
        ObjectNode b = JSON.createObjectNode();
        b.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
        b.putObject("verificationMaterial").putObject("publicKey").put("hint", "x");
        b.set("dsseEnvelope", Dsse.sign(Dsse.IN_TOTO, st.toBytes(), Keys.signer(kp[0], kp[1])).toJson());
        return JSON.writeValueAsString(b).getBytes(StandardCharsets.UTF_8);
    }
}
