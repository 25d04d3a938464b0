package io.airlock.queue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Channel attributes: durations as written in properties, and settings refused at start. */
class ConsumerOptionsTest {

    @ParameterizedTest
    @CsvSource({"500ms,500", "2s,2000", "1.5s,1500", "1m,60000", "PT3S,3000", "250,250"})
    void durations(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource({"stream,stream is required", "batch,batch-size", "inflight,max-in-flight", "deliveries,max-deliveries",
            "start,start-id", "deadsame,dead-letter-stream", "refresh,claim-refresh-interval must be shorter",
            "block,must be > 0", "grace,shutdown-grace"})
    void invalidSettingsAreRefused(String which, String message) {
        UnaryOperator<Object[]> change = a -> {
            switch (which) {
                case "stream" -> a[0] = " ";
                case "batch" -> a[4] = 0;
                case "inflight" -> a[6] = 0;
                case "deliveries" -> a[10] = 0;
                case "start" -> a[3] = "0; FLUSHALL";
                case "deadsame" -> a[11] = "s";
                case "refresh" -> a[9] = Duration.ofSeconds(60);
                case "block" -> a[5] = Duration.ZERO;
                case "grace" -> a[13] = Duration.ofSeconds(-1);
                default -> throw new IllegalArgumentException(which);
            }
            return a;
        };
        Object[] a = change.apply(new Object[]{"s", "g", "c", "0", 16, Duration.ofSeconds(1), 8, Duration.ofSeconds(60),
                Duration.ofSeconds(5), Duration.ofSeconds(20), 5, "airlock:dead", true, Duration.ofSeconds(20)});
        assertThatThrownBy(() -> new ConsumerOptions((String) a[0], (String) a[1], (String) a[2], (String) a[3], (int) a[4],
                (Duration) a[5], (int) a[6], (Duration) a[7], (Duration) a[8], (Duration) a[9], (int) a[10], (String) a[11],
                (boolean) a[12], (Duration) a[13]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @org.junit.jupiter.api.Test
    void defaultsMatchTheReadme() {
        ConsumerOptions o = ConsumerOptions.of("airlock:scan", "scanner", "w1");
        assertThat(o.startId()).isEqualTo("0");
        assertThat(o.minIdle()).isEqualTo(Duration.ofSeconds(60));
        assertThat(o.claimRefresh()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.maxDeliveries()).isEqualTo(5);
        assertThat(o.maxInFlight()).isEqualTo(8);
        assertThat(o.deadLetterStream()).isEqualTo("airlock:dead");
        assertThat(o.errorsKey()).isEqualTo("airlock:scan:errors:scanner");
    }
}
