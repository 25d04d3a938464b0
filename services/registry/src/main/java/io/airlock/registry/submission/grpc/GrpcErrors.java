package io.airlock.registry.submission.grpc;

import io.airlock.registry.common.DatabaseUnavailable;
import io.airlock.registry.common.RegistryException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.logging.Log;

/** Failures to gRPC statuses. Callers retry UNAVAILABLE; they must not retry INVALID_ARGUMENT or NOT_FOUND. */
final class GrpcErrors {
    private GrpcErrors() {
    }

    static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof RegistryException r) {
            Status status = switch (r.reason()) {
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            };
            return status.withDescription(r.getMessage()).asRuntimeException();
        }
        if (DatabaseUnavailable.matches(t)) {
            Log.warnf("registry call failed, database unreachable: %s", t.toString());
            return Status.UNAVAILABLE.withDescription("the registry's database is unavailable; try again")
                    .withCause(t).asRuntimeException();
        }
        Log.errorf(t, "registry call failed");
        // no internals to the caller; the log has them
        return Status.INTERNAL.withDescription("internal error in the registry").withCause(t).asRuntimeException();
    }
}
