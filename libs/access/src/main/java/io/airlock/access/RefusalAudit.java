package io.airlock.access;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.InvalidJwtSignatureException;
import org.jose4j.lang.UnresolvableKeyException;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes an audit line for every refused token (logger {@code airlock.audit}: {@code AUDIT auth-refused
 * reason=expired path=/v1/audit}), naming why it was refused and never the token itself (a stolen
 * but expired token in a log is still a credential for its signature). A flood of bad tokens must not
 * flood the log: at most {@code airlock.access.refusal-audit.lines} lines are written per
 * {@code airlock.access.refusal-audit.interval}; the rest are counted, and the first refusal of the
 * next interval writes how many were suppressed before its own line.
 */
@ApplicationScoped
public class RefusalAudit {
    private static final Logger AUDIT = Logger.getLogger("airlock.audit");
    private static final int MAX_PATH = 120;

    @ConfigProperty(name = "airlock.access.refusal-audit.lines", defaultValue = "20")
    int linesPerInterval;
    @ConfigProperty(name = "airlock.access.refusal-audit.interval", defaultValue = "PT1M")
    Duration interval;

    private long windowStart = System.nanoTime();
    private int written;
    private long suppressedInWindow;
    private final AtomicLong suppressedTotal = new AtomicLong();

    /** Records a refused authentication; {@code where} is the path or gRPC method it was refused at. */
    public void refused(String reason, String where) {
        long suppressedBefore = 0;
        boolean write;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart >= interval.toNanos()) {
                suppressedBefore = suppressedInWindow;
                windowStart = now;
                written = 0;
                suppressedInWindow = 0;
            }
            write = written < linesPerInterval;
            if (write) {
                written++;
            } else {
                suppressedInWindow++;
                suppressedTotal.incrementAndGet();
            }
        }
        if (suppressedBefore > 0) {
            AUDIT.warnf("AUDIT auth-refused suppressed=%d (more than %d refusals in an interval of %s)",
                    suppressedBefore, linesPerInterval, interval);
        }
        if (write) {
            AUDIT.warnf("AUDIT auth-refused reason=%s at=%s", reason, printable(where));
        }
    }

    /** Refusals not written as lines since the service started. */
    public long suppressed() {
        return suppressedTotal.get();
    }

    /**
     * Why a token was refused, from the failure SmallRye JWT (jose4j) or the deny list raised: revoked,
     * expired, not-yet-valid, too-old, wrong-audience, wrong-issuer, bad-signature, unknown-key or
     * malformed. The verifier's own message is not used: it can quote the token's claims.
     */
    public static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TokenRevokedException) {
                return "revoked";
            }
            if (t instanceof UnresolvableKeyException) {
                return "unknown-key";
            }
            if (t instanceof InvalidJwtSignatureException) {
                return "bad-signature";
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidJwtException j) {
                if (j.hasExpired()) {
                    return "expired";
                }
                if (j.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || j.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
                    return "wrong-audience";
                }
                if (j.hasErrorCode(ErrorCodes.ISSUER_INVALID) || j.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
                    return "wrong-issuer";
                }
                if (j.hasErrorCode(ErrorCodes.SIGNATURE_INVALID) || j.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
                    return "bad-signature";
                }
                if (j.hasErrorCode(ErrorCodes.NOT_YET_VALID) || j.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_FUTURE)) {
                    return "not-yet-valid";
                }
                if (j.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_PAST)) {
                    return "too-old";
                }
            }
        }
        return "malformed";
    }

    private static String printable(String s) {
        // paths and method names come from the caller: no line breaks or control bytes into the log
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < MAX_PATH; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x21 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
