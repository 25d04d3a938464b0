package io.airlock.gateway.security;

import io.airlock.gateway.GatewayConfig;
import io.airlock.gateway.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Operator actions need a bearer token whose SHA-256 is configured
 * ({@code airlock.gateway.operator-token-sha256}); only digests are configured, so the config
 * never holds a usable secret. Until roles exist this is the whole of operator access control.
 */
@ApplicationScoped
public class Operators {
    @Inject
    GatewayConfig config;

    /** Returns the actor name for the audit trail ("operator:" + a digest prefix), or throws 401/403. */
    public String require(String authorization) {
        List<String> digests = config.operatorTokenSha256().orElse(List.of());
        if (digests.isEmpty()) {
            throw new ProblemException(403, "forbidden", "Forbidden",
                    "operator actions are disabled: no airlock.gateway.operator-token-sha256 is configured");
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ProblemException(401, "unauthorized", "Unauthorized", "an operator bearer token is required");
        }
        byte[] given = sha256(authorization.substring(7).strip());
        for (String d : digests) {
            byte[] want;
            try {
                want = HexFormat.of().parseHex(d.strip().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(given, want)) {
                return "operator:" + HexFormat.of().formatHex(given).substring(0, 12);
            }
        }
        throw new ProblemException(401, "unauthorized", "Unauthorized", "the operator token is not valid");
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
