package io.airlock.signing;

import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.BCPGOutputStream;
import org.bouncycastle.bcpg.CompressionAlgorithmTags;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PacketFormat;
import org.bouncycastle.openpgp.PGPCompressedDataGenerator;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPKeyEditor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.airlock.signing.PgpFixtures.armoredCertificate;
import static io.airlock.signing.PgpFixtures.hoursAgo;
import static io.airlock.signing.PgpFixtures.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OpenPgpTest {
    static final byte[] ARTIFACT = artifact();
    static OpenPGPKey rsa;
    static OpenPGPKey eddsa;
    static OpenPGPKey v6;
    static OpenPgp.TrustedKeys trusted;

    @BeforeAll
    static void keys() throws Exception {
        rsa = PgpFixtures.rsa3072();
        eddsa = PgpFixtures.eddsaWithSigningSubkey();
        v6 = PgpFixtures.v6Ed25519();
        trusted = OpenPgp.trustedKeys(List.of(armoredCertificate(rsa), armoredCertificate(eddsa), armoredCertificate(v6)));
    }

    static Stream<Arguments> goodSignatures() {
        return Stream.of(true, false).flatMap(armor -> Stream.of(
                Arguments.of("RSA 3072 v4 primary", armor), Arguments.of("EdDSA v4 signing subkey", armor),
                Arguments.of("Ed25519 v6 primary", armor)));
    }

    @ParameterizedTest(name = "{0}, armored {1}")
    @MethodSource("goodSignatures")
    void aGoodSignatureVerifiesWithTheCertificateFingerprintAsHint(String which, boolean armor) throws Exception {
        OpenPGPKey key = which.startsWith("RSA") ? rsa : which.startsWith("EdDSA") ? eddsa : v6;
        OpenPGPCertificate.OpenPGPComponentKey signer = which.contains("subkey")
                ? key.getSubkeys().values().iterator().next() : key.getPrimaryKey();
        byte[] sig = sign(key, signer, ARTIFACT, armor);

        OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), trusted);

        assertThat(r.status()).as(r.detail()).isEqualTo(OpenPgp.Status.VERIFIED);
        assertThat(r.fingerprint()).isEqualTo(OpenPgp.hex(key.getFingerprint()));
        assertThat(r.detail()).contains("v" + key.getPrimaryKey().getVersion()).contains("SHA256");
        if (which.contains("subkey")) {
            assertThat(r.detail()).contains("signing subkey " + OpenPgp.hex(signer.getPGPPublicKey().getFingerprint()));
        }
    }

    @Test
    void oneChangedArtifactByteFails() throws Exception {
        byte[] sig = sign(rsa, rsa.getPrimaryKey(), ARTIFACT, true);
        for (int at : new int[]{0, ARTIFACT.length / 2, ARTIFACT.length - 1}) {
            byte[] changed = ARTIFACT.clone();
            changed[at] ^= 1;
            OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(changed), trusted);
            assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
            assertThat(r.detail()).contains("does not match this artifact");
        }
        byte[] longer = Arrays.copyOf(ARTIFACT, ARTIFACT.length + 1);
        assertThat(OpenPgp.verify(sig, new ByteArrayInputStream(longer), trusted).status()).isEqualTo(OpenPgp.Status.INVALID);
    }

    @Test
    void aSignatureByAKeyThatIsNotTrustedFailsAndTheArtifactIsNotRead() throws Exception {
        OpenPGPKey stranger = PgpFixtures.key(4, hoursAgo(1), g -> g.generateLegacyEd25519KeyPair());
        byte[] sig = sign(stranger, stranger.getPrimaryKey(), ARTIFACT, false);
        InputStream unreadable = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("the artifact must not be read for a signature no trusted key could have made");
            }
        };

        OpenPgp.Result r = OpenPgp.verify(sig, unreadable, trusted);

        assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(r.detail()).contains(OpenPgp.hex(stranger.getFingerprint())).contains("not a trusted key");
        assertThat(r.fingerprint()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {HashAlgorithmTags.SHA1, HashAlgorithmTags.MD5, HashAlgorithmTags.RIPEMD160, HashAlgorithmTags.SHA224})
    void signaturesOverWeakHashesAreRefusedByName(int hash) throws Exception {
        byte[] sig = sign(rsa, rsa.getPrimaryKey(), ARTIFACT, true, hash, PGPSignature.BINARY_DOCUMENT, new Date());

        OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), trusted);

        assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(r.detail()).contains(org.bouncycastle.openpgp.PGPUtil.getDigestName(hash)).contains("SHA-256 or stronger");
    }

    @ParameterizedTest
    @ValueSource(ints = {HashAlgorithmTags.SHA384, HashAlgorithmTags.SHA512, HashAlgorithmTags.SHA3_256, HashAlgorithmTags.SHA3_512})
    void strongerHashesVerify(int hash) throws Exception {
        byte[] sig = sign(rsa, rsa.getPrimaryKey(), ARTIFACT, false, hash, PGPSignature.BINARY_DOCUMENT, new Date());
        OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), trusted);
        assertThat(r.status()).as(r.detail()).isEqualTo(OpenPgp.Status.VERIFIED);
    }

    @Test
    void aCanonicalTextSignatureIsNotASignatureOverTheFilesBytes() throws Exception {
        byte[] sig = sign(rsa, rsa.getPrimaryKey(), ARTIFACT, true, HashAlgorithmTags.SHA256, PGPSignature.CANONICAL_TEXT_DOCUMENT, new Date());
        OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), trusted);
        assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(r.detail()).contains("0x01");
    }

    @Test
    void aKeyThatHadExpiredWhenItSignedIsRefused() throws Exception {
        // created three days ago, valid for one day: expired two days before the signature
        OpenPGPKey expired = PgpFixtures.generator(4, hoursAgo(72))
                .withPrimaryKey(g -> g.generateLegacyEd25519KeyPair(), PgpFixtures.signingPrimary(24 * 3600))
                .addUserId("exp <exp@airlock.invalid>").build();
        OpenPgp.TrustedKeys keys = OpenPgp.trustedKeys(List.of(armoredCertificate(expired)));

        OpenPgp.Result now = OpenPgp.verify(sign(expired, expired.getPrimaryKey(), ARTIFACT, true),
                new ByteArrayInputStream(ARTIFACT), keys);
        assertThat(now.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(now.detail()).contains("expired");

        // the same key while it was still valid: a signature made then verifies
        OpenPgp.Result then = OpenPgp.verify(sign(expired, expired.getPrimaryKey(), ARTIFACT, true,
                HashAlgorithmTags.SHA256, PGPSignature.BINARY_DOCUMENT, hoursAgo(60)), new ByteArrayInputStream(ARTIFACT), keys);
        assertThat(then.status()).as(then.detail()).isEqualTo(OpenPgp.Status.VERIFIED);
    }

    @Test
    void aRevokedKeyIsRefused() throws Exception {
        OpenPGPKey key = PgpFixtures.key(4, hoursAgo(2), g -> g.generateLegacyEd25519KeyPair());
        byte[] sig = sign(key, key.getPrimaryKey(), ARTIFACT, true, HashAlgorithmTags.SHA256, PGPSignature.BINARY_DOCUMENT, hoursAgo(1));
        assertThat(OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), OpenPgp.trustedKeys(List.of(armoredCertificate(key)))).status())
                .isEqualTo(OpenPgp.Status.VERIFIED);
        // a revocation with no reason is a hard one: it reaches back over signatures made before it
        OpenPGPKey revoked = new OpenPGPKeyEditor(key, k -> null, PgpFixtures.BC).revokeKey().done();

        OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), OpenPgp.trustedKeys(List.of(armoredCertificate(revoked))));

        assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(r.detail()).contains("revoked");
    }

    @Test
    void aSubkeyWithoutTheSignFlagCannotSign() throws Exception {
        OpenPGPKey key = PgpFixtures.generator(4, hoursAgo(1)).withPrimaryKey(g -> g.generateRsaKeyPair(3072))
                .addUserId("enc <enc@airlock.invalid>").addEncryptionSubkey(g -> g.generateRsaKeyPair(3072)).build();
        OpenPGPCertificate.OpenPGPComponentKey encryption = key.getSubkeys().values().iterator().next();

        OpenPgp.Result r = OpenPgp.verify(sign(key, encryption, ARTIFACT, true), new ByteArrayInputStream(ARTIFACT),
                OpenPgp.trustedKeys(List.of(armoredCertificate(key))));

        assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(r.detail()).contains("signing-capable");
    }

    @Test
    void aSubkeyGraftedOntoATrustedCertificateWithoutItsOwnersBindingIsRefused() throws Exception {
        // the attacker's signing subkey, bound by the attacker's primary, appended to the trusted certificate
        OpenPGPKey attacker = PgpFixtures.eddsaWithSigningSubkey();
        OpenPGPCertificate.OpenPGPComponentKey attackerSub = attacker.getSubkeys().values().iterator().next();
        OpenPGPKey victim = PgpFixtures.key(4, hoursAgo(1), g -> g.generateLegacyEd25519KeyPair());
        PGPPublicKeyRing grafted = PGPPublicKeyRing.insertPublicKey(victim.toCertificate().getPGPPublicKeyRing(), attackerSub.getPGPPublicKey());
        String armored = new OpenPGPCertificate(grafted, PgpFixtures.BC).toAsciiArmoredString();

        OpenPgp.Result r = OpenPgp.verify(sign(attacker, attackerSub, ARTIFACT, true), new ByteArrayInputStream(ARTIFACT),
                OpenPgp.trustedKeys(List.of(armored)));

        assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(r.detail()).contains("(subkey) had no valid self-signature");
    }

    @Test
    void aSignatureDatedInTheFutureIsRefused() throws Exception {
        Date later = new Date(System.currentTimeMillis() + 24 * 3600_000L);
        byte[] sig = sign(rsa, rsa.getPrimaryKey(), ARTIFACT, true, HashAlgorithmTags.SHA256, PGPSignature.BINARY_DOCUMENT, later);
        OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), trusted);
        assertThat(r.status()).isEqualTo(OpenPgp.Status.INVALID);
        assertThat(r.detail()).contains("future");
    }

    @Test
    void anyOneGoodSignatureAmongSeveralVerifies() throws Exception {
        OpenPGPKey stranger = PgpFixtures.key(4, hoursAgo(1), g -> g.generateLegacyEd25519KeyPair());
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(sign(stranger, stranger.getPrimaryKey(), ARTIFACT, false));
        both.writeBytes(sign(v6, v6.getPrimaryKey(), ARTIFACT, false));
        OpenPgp.Result r = OpenPgp.verify(both.toByteArray(), new ByteArrayInputStream(ARTIFACT), trusted);
        assertThat(r.status()).as(r.detail()).isEqualTo(OpenPgp.Status.VERIFIED);
        assertThat(r.fingerprint()).isEqualTo(OpenPgp.hex(v6.getFingerprint()));
    }

    static Stream<Arguments> hostile() throws Exception {
        byte[] good = sign(rsa, rsa.getPrimaryKey(), ARTIFACT, false);
        String armored = new String(sign(rsa, rsa.getPrimaryKey(), ARTIFACT, true), StandardCharsets.US_ASCII);
        byte[] random = new byte[300];
        new Random(7).nextBytes(random);
        random[0] = (byte) 0xC2;
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        for (int i = 0; i < 17; i++) {
            many.writeBytes(good);
        }
        String body = armored.substring(armored.indexOf("\n\n") + 2);
        char flip = body.charAt(10) == 'A' ? 'B' : 'A';
        String corrupted = armored.substring(0, armored.indexOf("\n\n") + 2) + body.substring(0, 10) + flip + body.substring(11);
        return Stream.of(
                Arguments.of("empty", new byte[0]),
                Arguments.of("random bytes behind a signature tag", random),
                Arguments.of("binary cut in half", Arrays.copyOf(good, good.length / 2)),
                Arguments.of("binary, last byte missing", Arrays.copyOf(good, good.length - 1)),
                Arguments.of("armor cut in half", armored.substring(0, armored.length() / 2).getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("armor with a changed character", corrupted.getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("armor of a message, not a signature",
                        armored.replace("PGP SIGNATURE", "PGP MESSAGE").getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("armor with no body", "-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----\n".getBytes(StandardCharsets.US_ASCII)),
                // v4 signature whose hashed area claims 65535 bytes and whose packet claims 2^31
                Arguments.of("v4 lengths past the end", bytes(0xC2, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 4, 0, 1, 8, 0xFF, 0xFF, 1, 2, 3)),
                // v6 signature whose four-byte hashed-area length claims 2 GiB
                Arguments.of("v6 hashed area of 2 GiB", bytes(0xC2, 0x20, 6, 0, 27, 10, 0x7F, 0xFF, 0xFF, 0xF0, 5, 2, 0, 0, 0, 0)),
                // a subpacket whose five-byte length claims 2 GiB inside a small hashed area
                Arguments.of("subpacket of 2 GiB", bytes(0xC2, 0x12, 4, 0, 1, 8, 0, 7, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0, 0, 0)),
                Arguments.of("old-format packet of indeterminate length", bytes(0x8B, 4, 0, 1, 8, 0, 0, 0, 0, 1, 2)),
                Arguments.of("partial body lengths", bytes(0xC2, 0xE0, 4, 0xE0, 0, 0xE0, 1, 0xE0)),
                Arguments.of("compressed packet inside signature armor", compressedSignatureArmor(good)),
                Arguments.of("17 signatures", many.toByteArray()),
                Arguments.of("larger than the cap", new byte[OpenPgp.MAX_SIGNATURE + 1]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void truncatedOrHostileSignaturesAreInvalidNeverAnException(String name, byte[] sig) {
        assertThatCode(() -> {
            OpenPgp.Result r = OpenPgp.verify(sig, new ByteArrayInputStream(ARTIFACT), trusted);
            assertThat(r.status()).as(r.detail()).isEqualTo(OpenPgp.Status.INVALID);
            assertThat(r.detail()).isNotBlank();
        }).doesNotThrowAnyException();
    }

    @Test
    void trustedKeysMustBeArmoredPublicCertificatesOfBoundedSize() throws Exception {
        assertThatThrownBy(() -> OpenPgp.trustedKeys(List.of(Keys.generateEc("secp256r1")[1])))
                .isInstanceOf(SigningException.class).hasMessageContaining("PUBLIC KEY BLOCK");
        assertThatThrownBy(() -> OpenPgp.trustedKeys(List.of(rsa.toAsciiArmoredString())))
                .isInstanceOf(SigningException.class);
        assertThatThrownBy(() -> OpenPgp.trustedKeys(List.of(OpenPgp.KEY_ARMOR + "\n\nnot base64 at all!\n-----END PGP PUBLIC KEY BLOCK-----\n")))
                .isInstanceOf(SigningException.class);
        String huge = armoredCertificate(rsa) + " ".repeat(OpenPgp.MAX_KEY_BLOCK);
        assertThatThrownBy(() -> OpenPgp.trustedKeys(List.of(huge))).isInstanceOf(SigningException.class).hasMessageContaining("larger");
        // text around the armor (a comment, a gpg listing) is tolerated
        assertThat(OpenPgp.trustedKeys(List.of("pub  rsa3072\n" + armoredCertificate(rsa))).fingerprints())
                .containsExactly(OpenPgp.hex(rsa.getFingerprint()));
        assertThat(trusted.fingerprints()).hasSize(3);
    }

    @Test
    void signaturesAreRecognisedByContent() throws Exception {
        assertThat(OpenPgp.looksLikeSignature(sign(v6, v6.getPrimaryKey(), ARTIFACT, false))).isTrue();
        assertThat(OpenPgp.looksLikeSignature(("\n" + OpenPgp.SIGNATURE_ARMOR).getBytes(StandardCharsets.US_ASCII))).isTrue();
        assertThat(OpenPgp.looksLikeSignature(bytes(0x88, 0x75))).as("old format, tag 2").isTrue();
        assertThat(OpenPgp.looksLikeSignature(bytes(0x99, 0x01))).as("old format, tag 6 (public key)").isFalse();
        assertThat(OpenPgp.looksLikeSignature(bytes(0xC6, 0x01))).as("new format, tag 6").isFalse();
        assertThat(OpenPgp.looksLikeSignature("{\"mediaType\":1}".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(OpenPgp.looksLikeSignature("MEUCIQDx".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(OpenPgp.looksLikeSignature(new byte[0])).isFalse();
    }

    private static byte[] compressedSignatureArmor(byte[] sig) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ArmoredOutputStream a = ArmoredOutputStream.builder().clearHeaders().build(out)) {
            BCPGOutputStream p = new BCPGOutputStream(a, PacketFormat.CURRENT);
            PGPCompressedDataGenerator z = new PGPCompressedDataGenerator(CompressionAlgorithmTags.ZIP);
            try (OutputStream zo = z.open(p)) {
                zo.write(sig);
            }
            p.flush();
        }
        // the armor names a message; relabel it so the packet check, not the header check, must refuse it
        return out.toString(StandardCharsets.US_ASCII).replace("PGP MESSAGE", "PGP SIGNATURE").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] artifact() {
        byte[] b = new byte[(3 << 20) + 17]; // more than one 1 MiB read
        new Random(42).nextBytes(b);
        return b;
    }
}
