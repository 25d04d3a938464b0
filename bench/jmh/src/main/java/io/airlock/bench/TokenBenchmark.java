package io.airlock.bench;

import io.airlock.identity.Revocations;
import io.airlock.identity.Roles;
import io.airlock.identity.SigningKey;
import io.airlock.identity.Tokens;
import io.airlock.stack.RedisEndpoint;
import io.airlock.stack.Resp;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the gateway and the registry add to every request for identity: SmallRye JWT's parse and
 * RS256 verification of a token (the same parser class and checks the services configure), and the
 * deny-list read, one MGET of two keys against the real Redis on 127.0.0.1:6379 (db 3).
 * Run: bench/token.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class TokenBenchmark {
    private DefaultJWTParser parser;
    private String token;
    private Resp redis;

    @Setup
    public void setup() throws IOException {
        SigningKey key = SigningKey.generate();
        token = Tokens.issue(key, Tokens.LOCAL_ISSUER, "alice", Roles.SUBMITTER, Duration.ofHours(1));
        JWTAuthContextInfo info = new JWTAuthContextInfo(key.publicKey(), Tokens.LOCAL_ISSUER);
        info.setExpectedAudience(Set.of(Tokens.AUDIENCE));
        parser = new DefaultJWTParser(info);
        redis = Resp.connect(new RedisEndpoint("127.0.0.1", 6379, false), 3);
    }

    @TearDown
    public void close() throws IOException {
        redis.close();
    }

    @Benchmark
    public JsonWebToken verifyToken() throws Exception {
        return parser.parse(token);
    }

    @Benchmark
    public Object readDenyList() throws IOException {
        return redis.call("MGET", Revocations.tokenKey("some-jti"), Revocations.userKey("alice"));
    }
}
