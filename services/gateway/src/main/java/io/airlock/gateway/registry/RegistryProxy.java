package io.airlock.gateway.registry;

import io.airlock.gateway.GatewayConfig;
import io.airlock.gateway.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Passes a read request on to the registry's REST API as it is (path, query, Accept,
 * Authorization) and streams the answer back unchanged, so people and the CLI need one address
 * while the registry stays the one that decides what the answers contain.
 */
@ApplicationScoped
public class RegistryProxy {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    @Inject
    GatewayConfig config;

    /** Ids are checked before they become part of a URL. */
    public static String checked(String id) {
        if (!ID.matcher(id).matches()) {
            throw ProblemException.notFound("no such id '" + id + "'");
        }
        return id;
    }

    public Response pass(String method, String path, UriInfo uri, HttpHeaders headers) {
        return pass(method, path, uri, headers, null);
    }

    /**
     * As {@link #pass(String, String, UriInfo, HttpHeaders)}, with a body (already bounded by the caller)
     * sent with the request's Content-Type.
     */
    public Response pass(String method, String path, UriInfo uri, HttpHeaders headers, byte[] body) {
        String query = uri.getRequestUri().getRawQuery();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(config.registryUrl() + path + (query == null ? "" : "?" + query)))
                .timeout(config.registryDeadline())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null && headers.getHeaderString(HttpHeaders.CONTENT_TYPE) != null) {
            b.header(HttpHeaders.CONTENT_TYPE, headers.getHeaderString(HttpHeaders.CONTENT_TYPE));
        }
        for (String h : new String[]{HttpHeaders.ACCEPT, HttpHeaders.AUTHORIZATION}) {
            String v = headers.getHeaderString(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        try {
            HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            Response.ResponseBuilder out = Response.status(r.statusCode()).entity(r.body());
            r.headers().firstValue("content-type").ifPresent(ct -> out.header(HttpHeaders.CONTENT_TYPE, ct));
            r.headers().firstValue("retry-after").ifPresent(ra -> out.header("Retry-After", ra));
            return out.build();
        } catch (IOException e) {
            throw ProblemException.unavailable("registry-unavailable", "the registry is unavailable: " + e.getMessage(),
                    config.retryAfterSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.unavailable("registry-unavailable", "interrupted", config.retryAfterSeconds());
        }
    }
}
