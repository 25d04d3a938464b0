package io.airlock.signing;

import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.BCPGOutputStream;
import org.bouncycastle.bcpg.PacketFormat;
import org.bouncycastle.bcpg.SignatureSubpacketTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.api.KeyPairGeneratorCallback;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPKeyGenerator;
import org.bouncycastle.openpgp.api.SignatureParameters;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPImplementation;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** OpenPGP keys and detached signatures made in test code, so no gpg binary and no committed key material. */
final class PgpFixtures {
    static final BcOpenPGPImplementation BC = new BcOpenPGPImplementation();

    private PgpFixtures() {
    }

    /** A key created an hour ago (so a signature made now is never older than its key). */
    static OpenPGPKey rsa3072() throws Exception {
        return generator(4, hoursAgo(1)).withPrimaryKey(g -> g.generateRsaKeyPair(3072), signingPrimary(0))
                .addUserId("RSA <rsa@airlock.invalid>").build();
    }

    /** v4: a legacy EdDSA primary that certifies, and a legacy EdDSA subkey that signs. */
    static OpenPGPKey eddsaWithSigningSubkey() throws Exception {
        return generator(4, hoursAgo(1)).withPrimaryKey(g -> g.generateLegacyEd25519KeyPair()).addUserId("Ed <ed@airlock.invalid>")
                .addSigningSubkey(g -> g.generateLegacyEd25519KeyPair()).build();
    }

    /** v6 (RFC 9580): an Ed25519 primary. */
    static OpenPGPKey v6Ed25519() throws Exception {
        return generator(6, hoursAgo(1)).withPrimaryKey(g -> g.generateEd25519KeyPair(), signingPrimary(0))
                .addUserId("v6 <v6@airlock.invalid>").build();
    }

    static OpenPGPKeyGenerator generator(int version, Date created) throws Exception {
        return new OpenPGPKeyGenerator(BC, version, version == 6, created);
    }

    static OpenPGPKey key(int version, Date created, KeyPairGeneratorCallback primary) throws Exception {
        return generator(version, created).withPrimaryKey(primary, signingPrimary(0)).addUserId("k <k@airlock.invalid>").build();
    }

    /**
     * The primary key's self-signature parameters: certify and sign (BC's generator gives a primary
     * only the certify flag), and a key expiration {@code validSeconds} after creation when not 0.
     */
    static SignatureParameters.Callback signingPrimary(long validSeconds) {
        return new SignatureParameters.Callback() {
            @Override
            public SignatureParameters apply(SignatureParameters p) {
                return p.setHashedSubpacketsFunction(s -> {
                    s.removePacketsOfType(SignatureSubpacketTags.KEY_FLAGS);
                    s.setKeyFlags(true, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
                    if (validSeconds > 0) {
                        s.setKeyExpirationTime(true, validSeconds);
                    }
                    return s;
                });
            }
        };
    }

    static Date hoursAgo(int h) {
        return Date.from(Instant.now().minus(Duration.ofHours(h)));
    }

    static String armoredCertificate(OpenPGPCertificate cert) throws IOException {
        OpenPGPCertificate pub = cert instanceof OpenPGPKey k ? k.toCertificate() : cert;
        return pub.toAsciiArmoredString();
    }

    /** A detached signature by {@code signer}, SHA-256, binary document, made now. */
    static byte[] sign(OpenPGPKey key, OpenPGPCertificate.OpenPGPComponentKey signer, byte[] data, boolean armor) throws Exception {
        return sign(key, signer, data, armor, org.bouncycastle.bcpg.HashAlgorithmTags.SHA256, PGPSignature.BINARY_DOCUMENT, new Date());
    }

    static byte[] sign(OpenPGPKey key, OpenPGPCertificate.OpenPGPComponentKey signer, byte[] data, boolean armor,
                       int hash, int type, Date created) throws Exception {
        PGPPrivateKey priv = key.getSecretKey(signer).unlock().getKeyPair().getPrivateKey();
        PGPPublicKey pub = signer.getPGPPublicKey();
        PGPSignatureGenerator gen = new PGPSignatureGenerator(new BcPGPContentSignerBuilder(pub.getAlgorithm(), hash), pub);
        gen.init(type, priv);
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(created);
        hashed.setIssuerFingerprint(false, pub);
        gen.setHashedSubpackets(hashed.generate());
        gen.update(data);
        return encode(gen.generate(), armor);
    }

    static byte[] encode(PGPSignature sig, boolean armor) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (armor) {
            try (ArmoredOutputStream a = ArmoredOutputStream.builder().clearHeaders().build(out);
                 BCPGOutputStream p = new BCPGOutputStream(a, PacketFormat.CURRENT)) {
                sig.encode(p);
            }
        } else {
            try (BCPGOutputStream p = new BCPGOutputStream(out, PacketFormat.CURRENT)) {
                sig.encode(p);
            }
        }
        return out.toByteArray();
    }
}
