package io.airlock.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keys in PEM, and what they can do. EC keys choose their hash by curve (P-256/SHA-256,
 * P-384/SHA-384, P-521/SHA-512), as sigstore and model signing do; Ed25519 is supported too.
 * Nothing else is accepted: an unsupported key is an error, never a pass.
 */
public final class Keys {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private Keys() {
    }

    /** Checks signatures. */
    public interface Verifier {
        boolean verify(byte[] data, byte[] signature);

        /** Verifies over a stream (a whole artifact), read in 1 MiB chunks, never held in memory. */
        boolean verify(java.io.InputStream data, byte[] signature) throws java.io.IOException;

        /** The public-key hint of model signing: hex SHA-256 of the PEM text. */
        String hint();
    }

    /** Makes signatures. */
    public interface Signer {
        byte[] sign(byte[] data) throws SigningException;

        String keyId();

        String publicKeyPem();
    }

    public static Verifier verifier(String publicKeyPem) throws SigningException {
        PublicKey key = publicKey(publicKeyPem);
        String algorithm = algorithm(key);
        String hint = HexFormat.of().formatHex(sha256(publicKeyPem.strip().getBytes(StandardCharsets.US_ASCII)));
        return new Verifier() {
            @Override
            public boolean verify(byte[] data, byte[] signature) {
                try {
                    java.security.Signature s = java.security.Signature.getInstance(algorithm);
                    s.initVerify(key);
                    s.update(data);
                    return s.verify(signature);
                } catch (GeneralSecurityException | RuntimeException e) {
                    return false; // a malformed signature is simply not a valid one
                }
            }

            @Override
            public boolean verify(java.io.InputStream data, byte[] signature) throws java.io.IOException {
                try {
                    java.security.Signature s = java.security.Signature.getInstance(algorithm);
                    s.initVerify(key);
                    byte[] buf = new byte[1 << 20];
                    int n;
                    while ((n = data.read(buf)) > 0) {
                        s.update(buf, 0, n);
                    }
                    return s.verify(signature);
                } catch (GeneralSecurityException | RuntimeException e) {
                    return false;
                }
            }

            @Override
            public String hint() {
                return hint;
            }
        };
    }

    public static Signer signer(String privateKeyPem, String publicKeyPem) throws SigningException {
        PublicKey pub = publicKey(publicKeyPem);
        String algorithm = algorithm(pub);
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(pub.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der(privateKeyPem, "PRIVATE KEY")));
        } catch (GeneralSecurityException e) {
            throw new SigningException("cannot read the private key (PKCS#8 PEM expected)", e);
        }
        String id = HexFormat.of().formatHex(sha256(publicKeyPem.strip().getBytes(StandardCharsets.US_ASCII)));
        return new Signer() {
            @Override
            public byte[] sign(byte[] data) throws SigningException {
                try {
                    java.security.Signature s = java.security.Signature.getInstance(algorithm);
                    s.initSign(key);
                    s.update(data);
                    return s.sign();
                } catch (GeneralSecurityException e) {
                    throw new SigningException("signing failed", e);
                }
            }

            @Override
            public String keyId() {
                return id;
            }

            @Override
            public String publicKeyPem() {
                return publicKeyPem;
            }
        };
    }

    /** A fresh EC key pair as PEM {private, public}; for tests and for a registry without a configured key. */
    public static String[] generateEc(String curve) throws SigningException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            KeyPair kp = g.generateKeyPair();
            return new String[]{pem("PRIVATE KEY", kp.getPrivate().getEncoded()), pem("PUBLIC KEY", kp.getPublic().getEncoded())};
        } catch (GeneralSecurityException e) {
            throw new SigningException("cannot generate an EC key on " + curve, e);
        }
    }

    public static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    static PublicKey publicKey(String pem) throws SigningException {
        byte[] der = der(pem, "PUBLIC KEY");
        for (String alg : new String[]{"EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new SigningException("unsupported public key (EC P-256/P-384/P-521 or Ed25519 expected)");
    }

    private static String algorithm(PublicKey key) throws SigningException {
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return switch (bits) {
                case 256 -> "SHA256withECDSA";
                case 384 -> "SHA384withECDSA";
                case 521 -> "SHA512withECDSA";
                default -> throw new SigningException("unsupported EC curve of " + bits + " bits");
            };
        }
        if ("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) {
            return "Ed25519";
        }
        throw new SigningException("unsupported key algorithm " + key.getAlgorithm());
    }

    private static byte[] der(String pem, String type) throws SigningException {
        Matcher m = PEM.matcher(pem == null ? "" : pem);
        if (!m.find() || !m.group(1).equals(type)) {
            throw new SigningException("not a PEM " + type);
        }
        try {
            return Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new SigningException("PEM body is not base64", e);
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
