package io.airlock.gateway.http;

import io.airlock.gateway.GatewayConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Bounds the time a request may take to arrive. The HTTP layer's idle timeout closes a connection
 * on which nothing moves; a slowloris client sends a byte now and then and is never idle. This
 * route, first of all, starts a timer with each request and closes the connection if the request
 * has not been read whole by {@code airlock.gateway.request-deadline}; the upload's partial file
 * is then deleted by the HTTP layer, and nothing was recorded, since recording starts only after
 * the whole body arrived.
 */
@ApplicationScoped
public class RequestDeadline {
    @Inject
    GatewayConfig config;
    @Inject
    Vertx vertx;

    void install(@Observes Router router) {
        long ms = config.requestDeadline().toMillis();
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            HttpServerRequest req = ctx.request();
            if (req.isEnded()) {
                ctx.next();
                return;
            }
            long timer = vertx.setTimer(ms, id -> {
                if (!req.isEnded()) {
                    Log.warnf("request %s %s from %s not received whole within %s: connection closed", req.method(),
                            req.path(), req.remoteAddress(), config.requestDeadline());
                    req.connection().close();
                }
            });
            ctx.addEndHandler(x -> vertx.cancelTimer(timer));
            req.connection().closeHandler(x -> vertx.cancelTimer(timer));
            ctx.next();
        });
    }

    void log(@Observes StartupEvent ev) {
        Log.infof("requests must arrive whole within %s", config.requestDeadline());
    }
}
