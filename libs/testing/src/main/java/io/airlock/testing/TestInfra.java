package io.airlock.testing;

import io.airlock.stack.Infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The Redis and PostgreSQL that tests run against: the ones already running on this machine
 * (or named by AIRLOCK_REDIS_URL / AIRLOCK_PG_URL), otherwise embedded ones started once per
 * test JVM and stopped when it exits. Never a mock.
 */
public final class TestInfra {
    /** Redis logical database for tests, so a developer's stack on database 0 is left alone. */
    public static final int REDIS_DB = 1;
    public static final String DATABASE = "airlock_test";

    private static Infra shared;

    private TestInfra() {
    }

    public static synchronized Infra shared() {
        if (shared == null) {
            try {
                Path data = Path.of(System.getProperty("java.io.tmpdir"), "airlock-test-infra");
                shared = Infra.findOrStart(data, DATABASE, false, System.getenv());
                shared.notes().forEach(n -> System.out.println("[test-infra] " + n));
                Infra s = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // the JVM is exiting; an embedded server dies with it anyway
                    }
                }));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find or start Redis/PostgreSQL for tests", e);
            }
        }
        return shared;
    }

    public static String redisUrl() {
        return shared().redis().url(REDIS_DB);
    }
}
