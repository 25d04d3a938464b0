package io.airlock.testing;

import io.airlock.stack.PostgresEndpoint;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at real Redis and PostgreSQL ({@link TestInfra}) and at the test
 * signing key's JWKS ({@link TestIdentity}).
 * Use with {@code @QuarkusTestResource(value = RealServicesResource.class, restrictToAnnotatedClass = false)}.
 */
public class RealServicesResource implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.redis.hosts", TestInfra.redisUrl());
        PostgresEndpoint pg = TestInfra.shared().postgres();
        config.put("quarkus.datasource.reactive.url", pg.reactiveUrl());
        config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl());
        config.put("quarkus.datasource.username", pg.user());
        config.put("quarkus.datasource.password", pg.password());
        // services that verify tokens trust this JVM's test key (TestIdentity)
        config.put("mp.jwt.verify.publickey.location", TestIdentity.jwks().toUri().toString());
        // and their gRPC clients call as a service, as in the stack
        config.put("airlock.identity.service-token-file", TestIdentity.serviceTokenFile().toString());
        return config;
    }

    @Override
    public void stop() {
        // shared for the whole test JVM; TestInfra stops embedded servers at exit
    }
}
