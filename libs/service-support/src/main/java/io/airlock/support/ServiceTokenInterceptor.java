package io.airlock.support;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Every gRPC call this service makes carries its service token ({@code authorization: Bearer},
 * the token read from {@code airlock.identity.service-token-file}, a 0600 file the stack or a
 * Secret provides; never a command-line property, which {@code ps} would show). The registry's
 * write API refuses calls without one. The file is re-read when it changes, so a rotated token
 * is picked up without a restart.
 */
@GlobalInterceptor
@ApplicationScoped
public class ServiceTokenInterceptor implements ClientInterceptor {
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @ConfigProperty(name = "airlock.identity.service-token-file")
    Optional<Path> tokenFile;

    private long readAt = Long.MIN_VALUE;
    private String token = "";

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        String t = token();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<A> listener, Metadata headers) {
                if (!t.isEmpty()) {
                    headers.put(AUTHORIZATION, "Bearer " + t);
                }
                super.start(listener, headers);
            }
        };
    }

    private synchronized String token() {
        if (tokenFile.isEmpty()) {
            return "";
        }
        try {
            long modified = Files.getLastModifiedTime(tokenFile.get()).toMillis();
            if (modified != readAt) {
                token = Files.readString(tokenFile.get()).strip();
                readAt = modified;
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the service token " + tokenFile.get(), e);
        }
    }
}
