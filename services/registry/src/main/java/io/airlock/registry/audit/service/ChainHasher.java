package io.airlock.registry.audit.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Hashes audit entries: {@code hex(SHA-256(c))}, or {@code hex(HMAC-SHA256(key, c))} when a key is
 * configured, where {@code c} is the canonical JSON ({@link Canonical}) of
 * {@code {action, actor, alg, at, details, prevHash, seq, subject}} with {@code at} written as
 * {@code yyyy-MM-ddTHH:mm:ss.SSSSSSZ}. Without the key, anyone able to rewrite the table can also
 * recompute every hash after an edit; with it, they cannot.
 */
public final class ChainHasher {
    public static final String SHA256 = "sha256";
    public static final String HMAC_SHA256 = "hmac-sha256";
    /** The prev_hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final Optional<byte[]> key;

    public ChainHasher(Optional<String> hmacKey) {
        this.key = hmacKey.filter(k -> !k.isEmpty()).map(k -> k.getBytes(StandardCharsets.UTF_8));
    }

    /** The algorithm new entries are hashed with. */
    public String alg() {
        return key.isPresent() ? HMAC_SHA256 : SHA256;
    }

    public boolean keyed() {
        return key.isPresent();
    }

    /** The hash of {@code e} under its own {@code alg}; fails for a keyed entry when no key is configured. */
    public String hash(AuditEntry e) {
        byte[] canonical = canonical(e);
        try {
            return switch (e.alg()) {
                case SHA256 -> HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
                case HMAC_SHA256 -> {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(new SecretKeySpec(key.orElseThrow(() -> new IllegalStateException(
                            "entry " + e.seq() + " is HMAC-keyed and no airlock.audit.hmac-key is configured")),
                            "HmacSHA256"));
                    yield HexFormat.of().formatHex(mac.doFinal(canonical));
                }
                default -> throw new IllegalStateException("entry " + e.seq() + " has unknown hash_alg '" + e.alg() + "'");
            };
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("SHA-256 and HmacSHA256 are required of every JVM", ex);
        }
    }

    static byte[] canonical(AuditEntry e) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("seq", e.seq());
        o.put("at", at(e.at()));
        o.put("actor", e.actor());
        o.put("action", e.action());
        o.put("subject", e.subject());
        o.set("details", e.details() == null ? JsonNodeFactory.instance.objectNode() : e.details());
        o.put("alg", e.alg());
        o.put("prevHash", e.prevHash());
        return Canonical.bytes(o);
    }

    static String at(Instant at) {
        return AT.format(at);
    }
}
