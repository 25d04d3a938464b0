package io.airlock.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;

/**
 * An RS256 token-signing key: the private key as a PKCS#8 PEM file readable by its owner only
 * (mode 0600), and the public half as a JWKS document the services are pointed at
 * ({@code mp.jwt.verify.publickey.location}). The {@code kid} is the RFC 7638 thumbprint, so a
 * rotated key gets a new kid and a JWKS holding both keys verifies tokens of either.
 */
public record SigningKey(String kid, RSAPrivateCrtKey privateKey, RSAPublicKey publicKey) {
    public static final String KEY_FILE = "token-signing-key.pem";
    public static final String JWKS_FILE = "token-jwks.json";

    public static SigningKey generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            var pair = g.generateKeyPair();
            return of((RSAPrivateCrtKey) pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is required of every JVM", e);
        }
    }

    /**
     * The key in {@code dir}, created with its JWKS beside it when absent. The key file is created
     * with mode 0600 from the start (never written first and narrowed after).
     */
    public static SigningKey createIfAbsent(Path dir) throws IOException {
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(keyFile)) {
            SigningKey k = load(keyFile);
            Files.writeString(dir.resolve(JWKS_FILE), k.jwks());
            return k;
        }
        Files.createDirectories(dir);
        SigningKey k = generate();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(k.privateKey.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        try {
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException raced) {
            return createIfAbsent(dir);
        }
        Files.writeString(keyFile, pem, StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(dir.resolve(JWKS_FILE), k.jwks());
        return k;
    }

    public static SigningKey load(Path keyFile) throws IOException {
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        String body = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            var key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
            if (!(key instanceof RSAPrivateCrtKey crt)) {
                throw new IOException(keyFile + " is not an RSA private key with its public exponent");
            }
            return of(crt);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(keyFile + " is not a PKCS#8 RSA private key (PEM): " + e.getMessage(), e);
        }
    }

    private static SigningKey of(RSAPrivateCrtKey key) {
        try {
            RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
            String thumbprintInput = "{\"e\":\"" + b64(pub.getPublicExponent()) + "\",\"kty\":\"RSA\",\"n\":\""
                    + b64(pub.getModulus()) + "\"}";
            String kid = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(thumbprintInput.getBytes(StandardCharsets.US_ASCII)));
            return new SigningKey(kid, key, pub);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key as a JWK (RS256, signature use). */
    public String jwk() {
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\""
                + b64(publicKey.getModulus()) + "\",\"e\":\"" + b64(publicKey.getPublicExponent()) + "\"}";
    }

    /** A JWKS document with this key alone. */
    public String jwks() {
        return "{\"keys\":[" + jwk() + "]}";
    }

    /** Unsigned big-endian bytes, base64url without padding (RFC 7518 6.3.1). */
    static String b64(BigInteger n) {
        byte[] bytes = n.toByteArray();
        int skip = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
        byte[] unsigned = new byte[bytes.length - skip];
        System.arraycopy(bytes, skip, unsigned, 0, unsigned.length);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(unsigned);
    }
}
