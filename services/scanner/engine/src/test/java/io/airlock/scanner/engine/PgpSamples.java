package io.airlock.scanner.engine;

import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.BCPGOutputStream;
import org.bouncycastle.bcpg.PacketFormat;
import org.bouncycastle.bcpg.SignatureSubpacketTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.api.KeyPairGeneratorCallback;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.OpenPGPKeyGenerator;
import org.bouncycastle.openpgp.api.SignatureParameters;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPImplementation;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Date;

/** OpenPGP keys and detached signatures made in test code with Bouncy Castle (no gpg binary), each key made once per run. */
final class PgpSamples {
    private static OpenPGPKey rsa;
    private static OpenPGPKey ed;

    static synchronized OpenPGPKey rsa() throws Exception {
        if (rsa == null) {
            rsa = generate(g -> g.generateRsaKeyPair(3072));
        }
        return rsa;
    }

    static synchronized OpenPGPKey ed() throws Exception {
        if (ed == null) {
            ed = generate(g -> g.generateLegacyEd25519KeyPair());
        }
        return ed;
    }

    static String armored(OpenPGPKey key) throws Exception {
        return key.toCertificate().toAsciiArmoredString();
    }

    /** A detached binary-document signature by the primary key, made now. */
    static byte[] sign(OpenPGPKey key, byte[] data, boolean armor, int hash) throws Exception {
        PGPPublicKey pub = key.getPrimaryKey().getPGPPublicKey();
        PGPSignatureGenerator gen = new PGPSignatureGenerator(new BcPGPContentSignerBuilder(pub.getAlgorithm(), hash), pub);
        gen.init(PGPSignature.BINARY_DOCUMENT, key.getPrimarySecretKey().unlock().getKeyPair().getPrivateKey());
        PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
        hashed.setSignatureCreationTime(new Date());
        hashed.setIssuerFingerprint(false, pub);
        gen.setHashedSubpackets(hashed.generate());
        gen.update(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream target = armor ? ArmoredOutputStream.builder().clearHeaders().build(out) : out;
        try (BCPGOutputStream p = new BCPGOutputStream(target, PacketFormat.CURRENT)) {
            gen.generate().encode(p);
        }
        return out.toByteArray();
    }

    private static OpenPGPKey generate(KeyPairGeneratorCallback primary) throws Exception {
        Date anHourAgo = new Date(System.currentTimeMillis() - 3_600_000L);
        // BC gives a generated primary key only the certify flag; these keys sign with their primary
        SignatureParameters.Callback certifyAndSign = new SignatureParameters.Callback() {
            @Override
            public SignatureParameters apply(SignatureParameters params) {
                return params.setHashedSubpacketsFunction(sp -> {
                    sp.removePacketsOfType(SignatureSubpacketTags.KEY_FLAGS);
                    sp.setKeyFlags(true, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
                    return sp;
                });
            }
        };
        return new OpenPGPKeyGenerator(new BcOpenPGPImplementation(), 4, false, anHourAgo)
                .withPrimaryKey(primary, certifyAndSign).addUserId("Airlock test <test@airlock.invalid>").build();
    }
}
