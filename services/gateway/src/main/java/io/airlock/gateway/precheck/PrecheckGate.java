package io.airlock.gateway.precheck;

import io.airlock.contracts.v1.CheckRequest;
import io.airlock.contracts.v1.CheckResponse;
import io.airlock.contracts.v1.GuardVerdict;
import io.airlock.gateway.GatewayConfig;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * The precheck gate: asks the guard and turns every possible answer — including no answer —
 * into exactly one {@link PrecheckOutcome}, following the configured failure mode.
 */
@ApplicationScoped
public class PrecheckGate {

    @Inject
    GuardCaller guard;
    @Inject
    GatewayConfig config;
    @Inject
    io.airlock.gateway.PrecheckConfig precheck;
    @Inject
    MeterRegistry meters;

    void validate(@Observes StartupEvent ev) {
        String mode = precheck.mode();
        if (!mode.equals("fail-closed") && !mode.equals("fail-open")) {
            throw new IllegalStateException("airlock.precheck.mode must be fail-closed or fail-open, not '" + mode + "'");
        }
        if (!precheck.enabled() || failOpen()) {
            // weaker than the default: allowed, never silent
            Log.warnf("precheck gate weakened: enabled=%s mode=%s", precheck.enabled(), mode);
        }
    }

    public PrecheckOutcome check(CheckRequest request) {
        if (!precheck.enabled()) {
            return count(new PrecheckOutcome.Skipped("precheck disabled by configuration"));
        }
        String reason;
        try {
            CheckResponse r = guard.call(request, precheck.deadline());
            if (r.getVerdict() == GuardVerdict.GUARD_VERDICT_ALLOW) {
                return count(new PrecheckOutcome.Allowed(r));
            }
            // anything but an explicit ALLOW (BLOCK, or a verdict this gateway does not know) blocks
            return count(new PrecheckOutcome.Blocked(r));
        } catch (CircuitBreakerOpenException e) {
            reason = "guard circuit open after repeated failures";
        } catch (StatusRuntimeException e) {
            reason = "guard " + e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                    : ": " + e.getStatus().getDescription());
        } catch (RuntimeException e) {
            reason = "guard call failed: " + e;
        }
        if (failOpen()) {
            // stands in for the audit entry until the registry's audit log exists (issue 6)
            Log.warnf("AUDIT precheck skipped submission=%s reason=\"%s\" mode=fail-open", request.getSubmissionId(), reason);
            return count(new PrecheckOutcome.Skipped(reason));
        }
        Log.warnf("precheck unavailable submission=%s reason=\"%s\" mode=fail-closed", request.getSubmissionId(), reason);
        return count(new PrecheckOutcome.Unavailable(reason));
    }

    private boolean failOpen() {
        return "fail-open".equals(precheck.mode());
    }

    private PrecheckOutcome count(PrecheckOutcome o) {
        meters.counter("airlock_precheck_total", "outcome", o.getClass().getSimpleName().toLowerCase()).increment();
        return o;
    }
}
