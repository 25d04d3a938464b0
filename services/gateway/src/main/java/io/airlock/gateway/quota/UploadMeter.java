package io.airlock.gateway.quota;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.access.Caller;
import io.airlock.gateway.GatewayConfig;
import io.airlock.gateway.problem.Problem;
import io.airlock.gateway.problem.ProblemException;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Counts an upload's bytes against its user's daily byte limit while they arrive, so that the limit
 * holds across gateway replicas and concurrent uploads, and an upload that crosses it is stopped
 * mid-stream instead of being spooled whole first.
 *
 * <p>A route on {@code POST /v1/submissions}, after authentication and before the REST layer reads
 * the body: every {@code airlock.quota.meter-interval} it adds the request body bytes read since its
 * last count to the user's count of the day in Redis (one INCRBY at a time). Crossing the limit while
 * the body still arrives answers 429 ({@code limit: bytes-per-day}, Retry-After) and closes the
 * connection: the REST layer never gets a whole body, deletes its partial spool file, and nothing
 * reaches the blob store. Once the body is whole, {@link Quotas#admit} asks for the last count's
 * verdict ({@link Upload#finish}); a request that ends without reaching it (stopped here, Redis
 * failing (503), the client or the request deadline cutting it, a form refused as bad input) stored
 * nothing, and its bytes are given back. Bytes counted are the request body's: the artifact plus the
 * form's few hundred bytes.
 */
@ApplicationScoped
public class UploadMeter {
    /** Where the route leaves the request's {@link Upload} for {@link Quotas#admit}. */
    static final String KEY = "airlock.upload-meter";

    @Inject
    Quotas quotas;
    @Inject
    QuotaConfig config;
    @Inject
    GatewayConfig gateway;
    @Inject
    Vertx vertx;
    @Inject
    ObjectMapper json;

    void install(@Observes Router router) {
        // authentication is a filter at order -200; the REST routes, which start reading the body, come after this one
        router.post("/v1/submissions").order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::meter);
    }

    private void meter(RoutingContext ctx) {
        if (!(ctx.user() instanceof QuarkusHttpUser user) || user.getSecurityIdentity().isAnonymous()) {
            ctx.next(); // nobody to count it for (the REST layer answers 401)
            return;
        }
        SecurityIdentity identity = user.getSecurityIdentity();
        long day = Instant.now().getEpochSecond() / 86400;
        Upload upload = new Upload(ctx, Quotas.bytesKey(Caller.user(identity), day), vertx.getOrCreateContext());
        ctx.put(KEY, upload);
        long timer = vertx.setPeriodic(Math.max(1, config.meterInterval().toMillis()), t -> upload.on(upload::tick));
        ctx.addEndHandler(x -> upload.on(() -> {
            vertx.cancelTimer(timer);
            upload.ended();
        }));
        ctx.next();
        quotas.limits(Caller.user(identity), Caller.role(identity)).ifNoItem().after(java.time.Duration.ofSeconds(2)).fail()
                .subscribe().with(l -> upload.on(() -> upload.start(l.bytesPerDay().isPresent() ? l.bytesPerDay().getAsLong() : -1)),
                        e -> upload.on(() -> upload.refuse(new Verdict.Unavailable(
                                "the quota counters are unavailable (" + e.getMessage() + ")"))));
    }

    /** The outcome of an upload's count. */
    sealed interface Verdict {
        record Within() implements Verdict {
        }

        record Over(long limit) implements Verdict {
        }

        record Unavailable(String reason) implements Verdict {
        }
    }

    /**
     * One upload's count. Its state is confined to the request's event-loop context: the timer, Redis'
     * answers, the end of the request and the REST worker's {@link #finish} all hop onto it ({@link #on}),
     * so no lock is held while Vert.x takes the connection's own (a lock here deadlocked against a
     * worker ending the response under the connection's lock).
     */
    final class Upload {
        private final RoutingContext ctx;
        private final String key;
        private final Context context;
        private final List<Consumer<Verdict>> waiting = new ArrayList<>();
        private boolean limitKnown;
        private long limit = -1; // -1: none
        private long counted;    // this upload's bytes now in the day's count
        private boolean busy;    // an INCRBY is on its way
        private boolean whole;   // the REST layer has the whole body (it asked for the verdict)
        private Verdict verdict;

        Upload(RoutingContext ctx, String key, Context context) {
            this.ctx = ctx;
            this.key = key;
            this.context = context;
        }

        /** Runs {@code step} on the request's context. */
        void on(Runnable step) {
            context.runOnContext(v -> step.run());
        }

        void start(long bytesPerDay) {
            limitKnown = true;
            limit = bytesPerDay;
            if (limit < 0) {
                decide(new Verdict.Within());
            } else {
                tick();
            }
        }

        /** Counts what arrived since the last count; decides once the body is whole. */
        void tick() {
            if (verdict != null || !limitKnown || busy) {
                return;
            }
            HttpServerRequest req = ctx.request();
            long delta = req.bytesRead() - counted;
            if (delta <= 0) {
                if (whole) {
                    decide(new Verdict.Within());
                }
                return;
            }
            busy = true;
            quotas.addBytes(key, delta).subscribe().with(total -> on(() -> counted(delta, total)),
                    e -> on(() -> refuse(new Verdict.Unavailable("the quota counters are unavailable (" + e.getMessage() + ")"))));
        }

        private void counted(long delta, long total) {
            busy = false;
            counted += delta;
            if (verdict != null) {
                giveBack(); // stopped meanwhile: these bytes were not stored either
            } else if (total > limit) {
                refuse(new Verdict.Over(limit));
            } else {
                tick();
            }
        }

        /** The verdict on the whole body, once the last bytes are counted; called once the REST layer read it all. */
        Uni<Verdict> finish() {
            return Uni.createFrom().emitter(em -> on(() -> {
                whole = true;
                waiting.add(em::complete);
                if (verdict != null) {
                    decide(verdict);
                } else {
                    tick();
                }
            }));
        }

        /**
         * The request is over (answered, or its connection closed). A body that never reached the
         * quota check (cut off, or refused before it) stored nothing: its bytes are given back.
         */
        void ended() {
            if (!whole) {
                if (verdict == null) {
                    verdict = new Verdict.Unavailable("the upload stopped before its body was whole");
                }
                giveBack();
            }
        }

        void refuse(Verdict v) {
            if (verdict != null) {
                return;
            }
            busy = false;
            giveBack();
            if (!whole && !ctx.response().ended()) {
                // the body is still arriving: answer now and close, so nothing more is read or spooled
                long now = Instant.now().getEpochSecond();
                answer(v instanceof Verdict.Over o ? quotas.overBytes(o.limit(), now)
                        : ProblemException.unavailable("quota-unavailable", ((Verdict.Unavailable) v).reason()
                        + "; nothing was accepted", gateway.retryAfterSeconds()));
            }
            decide(v);
        }

        private void decide(Verdict v) {
            verdict = v;
            List<Consumer<Verdict>> ready = List.copyOf(waiting);
            waiting.clear();
            ready.forEach(w -> w.accept(v));
        }

        private void giveBack() {
            long n = counted;
            counted = 0;
            if (n > 0) {
                quotas.addBytes(key, -n).subscribe().with(x -> {
                }, e -> Log.warnf("could not give back %d bytes of a stopped upload to %s: %s", n, key, e.getMessage()));
            }
        }

        private void answer(ProblemException p) {
            HttpServerResponse r = ctx.response();
            String body;
            try {
                body = json.writeValueAsString(p.toProblem(ctx.request().path()));
            } catch (JsonProcessingException e) {
                body = "{}";
            }
            Log.infof("upload to %s stopped mid-stream after %d bytes: %s", ctx.request().path(),
                    ctx.request().bytesRead(), p.getMessage());
            r.setStatusCode(p.status()).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Connection", "close");
            p.headers().forEach(r::putHeader);
            r.end(body).onComplete(x -> ctx.request().connection().close());
        }
    }
}
