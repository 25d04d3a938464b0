package io.airlock.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class InfraTest {
    @TempDir
    Path dir;

    @Test
    void findsOrStartsRealServers() throws Exception {
        try (Infra infra = Infra.findOrStart(dir, "airlock_infra_test", false, System.getenv())) {
            assertThat(Infra.redisAnswers(infra.redis().host(), infra.redis().port())).isTrue();
            try (var c = java.sql.DriverManager.getConnection(infra.postgres().jdbcUrl(), infra.postgres().user(),
                    infra.postgres().password())) {
                assertThat(c.isValid(2)).isTrue();
            }
            assertThat(infra.notes()).hasSize(2);
        }
    }

    @Test
    void startsEmbeddedServersWhenNoneIsConfiguredOrRunning() throws Exception {
        try (Infra infra = Infra.findOrStart(dir, "airlock_embedded", false, Map.of("AIRLOCK_INFRA", "embedded"))) {
            assertThat(infra.redis().embedded()).isTrue();
            assertThat(infra.postgres().embedded()).isTrue();
            assertThat(infra.redis().port()).isNotEqualTo(6379);
            assertThat(Infra.redisAnswers(infra.redis().host(), infra.redis().port())).isTrue();
            try (var c = java.sql.DriverManager.getConnection(infra.postgres().jdbcUrl(), "postgres", "");
                 var rs = c.createStatement().executeQuery("select current_database()")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("airlock_embedded");
            }
            int redisPort = infra.redis().port();
            infra.close();
            assertThat(Infra.redisAnswers("127.0.0.1", redisPort)).isFalse();
        }
    }

    @Test
    void aNamedRedisThatDoesNotAnswerIsAnError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                Infra.findOrStart(dir, "airlock_infra_test", false, Map.of("AIRLOCK_REDIS_URL", "redis://127.0.0.1:1")))
                .hasMessageContaining("does not answer PING");
    }

    @Test
    void parsesPostgresUrls() {
        PostgresEndpoint pg = Infra.parsePgUrl("postgresql://alice:s3cret@db.example:6543", "airlock");
        assertThat(pg.user()).isEqualTo("alice");
        assertThat(pg.password()).isEqualTo("s3cret");
        assertThat(pg.port()).isEqualTo(6543);
        assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/airlock");
    }
}
