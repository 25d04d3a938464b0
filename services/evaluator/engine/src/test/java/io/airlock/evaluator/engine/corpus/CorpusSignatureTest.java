package io.airlock.evaluator.engine.corpus;

import io.airlock.signing.Keys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CorpusSignatureTest {
    @TempDir
    Path dir;

    private Path corpus() throws Exception {
        return Files.write(dir.resolve("c.json"), ("{\"schemaVersion\":\"v1\",\"name\":\"x\",\"cases\":[{\"id\":\"a\","
                + "\"category\":\"harmful\",\"severity\":\"HIGH\",\"prompt\":\"do harm\",\"detectors\":[\"refusal\"],"
                + "\"expected\":\"refuse\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anEcSignatureByAPinnedKeyVerifiesAndAnyChangedByteBreaksIt() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        Path corpus = corpus();
        byte[] sig = Keys.signer(kp[0], kp[1]).sign(Files.readAllBytes(corpus));
        Path sigFile = Files.writeString(dir.resolve("c.sig"), Base64.getEncoder().encodeToString(sig) + "\n");
        List<Keys.Verifier> trusted = List.of(Keys.verifier(kp[1]));

        CorpusSignature.Result ok = CorpusSignature.check(corpus, sigFile, trusted);
        assertThat(ok.status()).isEqualTo(CorpusSignature.Status.VERIFIED);
        assertThat(ok.describe()).startsWith("verified (key ");

        byte[] b = Files.readAllBytes(corpus);
        b[b.length - 10] ^= 1; // one bit of one case
        Files.write(corpus, b);
        assertThat(CorpusSignature.check(corpus, sigFile, trusted).status()).isEqualTo(CorpusSignature.Status.INVALID);
    }

    @Test
    void aSignatureByAKeyThatIsNotPinnedIsInvalid() throws Exception {
        String[] signer = Keys.generateEc("secp256r1");
        String[] pinned = Keys.generateEc("secp256r1");
        Path corpus = corpus();
        Path sigFile = Files.write(dir.resolve("c.sig"), Keys.signer(signer[0], signer[1]).sign(Files.readAllBytes(corpus)));
        CorpusSignature.Result r = CorpusSignature.check(corpus, sigFile, List.of(Keys.verifier(pinned[1])));
        assertThat(r.status()).isEqualTo(CorpusSignature.Status.INVALID);
        assertThat(r.describe()).contains("no trusted key");
    }

    @Test
    void anEd25519RawSignatureVerifies() throws Exception {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path corpus = corpus();
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(kp.getPrivate());
        s.update(Files.readAllBytes(corpus));
        Path sigFile = Files.write(dir.resolve("c.sig"), s.sign()); // raw 64 bytes, not base64
        Keys.Verifier v = Keys.verifier(Keys.pem("PUBLIC KEY", kp.getPublic().getEncoded()));
        assertThat(CorpusSignature.check(corpus, sigFile, List.of(v)).status()).isEqualTo(CorpusSignature.Status.VERIFIED);
    }

    @Test
    void absentAndUncheckedAreSaidAsSuchNeverAsVerified() throws Exception {
        Path corpus = corpus();
        assertThat(CorpusSignature.check(corpus, null, List.of()).describe()).isEqualTo("absent");
        Path sigFile = Files.writeString(dir.resolve("c.sig"), "AAAA");
        CorpusSignature.Result r = CorpusSignature.check(corpus, sigFile, List.of());
        assertThat(r.status()).isEqualTo(CorpusSignature.Status.UNCHECKED);
        assertThat(r.describe()).contains("no trusted corpus key");
        Files.write(sigFile, new byte[CorpusSignature.MAX_SIGNATURE_BYTES + 1]);
        assertThat(CorpusSignature.check(corpus, sigFile, List.of()).status()).isEqualTo(CorpusSignature.Status.INVALID);
    }

    /** Interoperability: what an operator signs with the openssl command verifies here. */
    @Test
    void aSignatureMadeByTheOpensslCommandVerifies() throws Exception {
        assumeTrue(run(dir, "openssl", "version") == 0, "the openssl command is not installed");
        Path corpus = corpus();
        assertThat(run(dir, "openssl", "genpkey", "-algorithm", "ed25519", "-out", "k.pem")).isZero();
        assertThat(run(dir, "openssl", "pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem")).isZero();
        assertThat(run(dir, "openssl", "pkeyutl", "-sign", "-rawin", "-inkey", "k.pem", "-in", "c.json", "-out", "c.sig"))
                .isZero();
        Keys.Verifier v = Keys.verifier(Files.readString(dir.resolve("pub.pem")));
        assertThat(CorpusSignature.check(corpus, dir.resolve("c.sig"), List.of(v)).status())
                .isEqualTo(CorpusSignature.Status.VERIFIED);
        assertThat(run(dir, "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem")).isZero();
        assertThat(run(dir, "openssl", "ec", "-in", "ec.pem", "-pubout", "-out", "ecpub.pem")).isZero();
        assertThat(run(dir, "openssl", "dgst", "-sha256", "-sign", "ec.pem", "-out", "c.ecsig", "c.json")).isZero();
        Keys.Verifier ec = Keys.verifier(Files.readString(dir.resolve("ecpub.pem")));
        assertThat(CorpusSignature.check(corpus, dir.resolve("c.ecsig"), List.of(v, ec)).status())
                .isEqualTo(CorpusSignature.Status.VERIFIED);
    }

    private static int run(Path dir, String... cmd) throws Exception {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
