package io.airlock.identity;

/**
 * Redis keys of the deny list, shared by the writers (the gateway's revocation endpoint) and the
 * readers (every service that verifies tokens). A token is refused when its {@code jti} is listed,
 * or when its subject is listed with a time at or after the token's {@code iat}.
 */
public final class Revocations {
    private Revocations() {
    }

    public static String tokenKey(String jti) {
        return "airlock:revoked:jti:" + jti;
    }

    public static String userKey(String sub) {
        return "airlock:revoked:sub:" + sub;
    }
}
