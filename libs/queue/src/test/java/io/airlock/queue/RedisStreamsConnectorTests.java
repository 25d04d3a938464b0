package io.airlock.queue;

import io.airlock.contracts.Kind;
import io.airlock.contracts.WorkItem;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.airlock.queue.StreamConsumerTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connector wired into a Quarkus application against real Redis: emitter -> stream ->
 * {@code @Incoming(WorkItem)} -> ack; failures and unreadable payloads end in the dead-letter
 * stream; metadata both ways; readiness and metrics endpoints.
 */
@QuarkusTest
@QuarkusTestResource(QueueTestResource.class)
class RedisStreamsConnectorTests {
    @Inject
    TestWorker worker;
    @Inject
    QueueStats stats;
    @Inject
    QueueRedis redis;
    @ConfigProperty(name = "mp.messaging.incoming.work-in.stream")
    String workStream;
    @ConfigProperty(name = "mp.messaging.incoming.work-in.dead-letter-stream")
    String workDead;
    @ConfigProperty(name = "mp.messaging.incoming.meta-in.stream")
    String metaStream;
    @TestHTTPResource("/q")
    URL q;

    private static WorkItem item(String name) {
        return new WorkItem("sub-" + UUID.randomUUID(), 1, Kind.MODEL, name, "sha256:" + "ab".repeat(32), 1234,
                "model.safetensors", "", "", "");
    }

    @Test
    void anEmittedWorkItemReachesTheHandlerAndIsAcknowledged() {
        WorkItem sent = item("plain");
        // completes only once Redis stored the entry
        worker.send(sent);
        await(() -> worker.handled().contains(sent), "the handler got the same record");
        await(() -> pending(workStream, "workers") == 0 && length(workStream) == 0, "acknowledged and deleted");
    }

    @Test
    void metadataTravelsBothWays() {
        WorkItem sent = item("with-headers");
        worker.sendWithHeaders(sent, Map.of("trace", "t-42"));
        await(() -> !worker.metas().isEmpty(), "delivery with metadata");
        IncomingStreamMetadata m = worker.metas().get(0);
        assertThat(m.stream()).isEqualTo(metaStream);
        assertThat(m.group()).isEqualTo("meta");
        assertThat(m.consumer()).isEqualTo("test-worker");
        assertThat(m.id()).matches("\\d+-\\d+");
        assertThat(m.deliveries()).isEqualTo(1);
        assertThat(m.type()).isEqualTo("WorkItem");
        assertThat(m.headers()).containsEntry("trace", "t-42").doesNotContainKeys("payload", "type");
    }

    @Test
    void aHandlerThatAlwaysFailsEndsInTheDeadLetterStreamAfterMaxDeliveries() {
        WorkItem poison = item("explode");
        worker.send(poison);
        await(() -> deadLetterOf(poison.submissionId()).isPresent(), "dead letter");
        Map<String, String> dead = deadLetterOf(poison.submissionId()).orElseThrow();
        assertThat(dead).containsEntry("dead.stream", workStream).containsEntry("dead.group", "workers")
                .containsEntry("dead.deliveries", "3")
                .containsEntry("dead.error", "java.lang.IllegalStateException: cannot handle " + poison.submissionId());
        // max-deliveries=2: handled twice, never acknowledged as if it had worked
        assertThat(worker.attempts().stream().filter("explode"::equals).count()).isEqualTo(2);
        assertThat(worker.handled()).doesNotContain(poison);
        await(() -> pending(workStream, "workers") == 0, "no longer pending");
    }

    @Test
    void anUnreadablePayloadIsDeadLetteredAndTheChannelKeepsGoing() {
        String marker = "not json " + UUID.randomUUID();
        send(Request.cmd(Command.XADD).arg(workStream).arg("*").arg("payload").arg(marker).arg("type").arg("WorkItem"));
        await(() -> deadLetters().stream().anyMatch(f -> marker.equals(f.get("payload"))), "unreadable payload dead-lettered");
        WorkItem after = item("after-garbage");
        worker.send(after);
        await(() -> worker.handled().contains(after), "the next message is still handled");
    }

    @Test
    void readinessAndMetricsAreExposed() {
        worker.send(item("for-metrics"));
        await(() -> metrics().contains("airlock_queue_acked_total{channel=\"work-in\""), "acked counter");
        String metrics = metrics();
        assertThat(metrics).contains("airlock_queue_stream_length{", "airlock_queue_pending{", "airlock_queue_in_flight{",
                "airlock_queue_delivered_total{", "airlock_queue_handling_seconds_bucket{", "airlock_queue_sent_total{");

        JsonPath ready = RestAssured.given().get(q + "/health/ready").then().statusCode(200).extract().jsonPath();
        assertThat(ready.getString("checks.find { it.name == 'redis-streams' }.status")).isEqualTo("UP");
        assertThat(ready.getString("checks.find { it.name == 'redis-streams' }.data.'work-in'")).isEqualTo("reading");
        assertThat(ready.getString("checks.find { it.name == 'redis-streams' }.data.ping")).isEqualTo("PONG");
    }

    @Test
    void queueStatsAnswersForAConfiguredStream() {
        assertThat(stats.length(workStream).await().atMost(Duration.ofSeconds(5))).isGreaterThanOrEqualTo(0);
        assertThat(stats.pending(workStream, "workers").await().atMost(Duration.ofSeconds(5))).isGreaterThanOrEqualTo(0);
        assertThat(stats.pending(workStream, "no-such-group").await().atMost(Duration.ofSeconds(5))).isZero();
    }

    private String metrics() {
        return RestAssured.given().get(q + "/metrics").then().statusCode(200).extract().asString();
    }

    private java.util.Optional<Map<String, String>> deadLetterOf(String submissionId) {
        return deadLetters().stream().filter(f -> f.getOrDefault("payload", "").contains(submissionId)).findFirst();
    }

    private java.util.List<Map<String, String>> deadLetters() {
        java.util.List<Map<String, String>> out = new java.util.ArrayList<>();
        for (Response e : send(Request.cmd(Command.XRANGE).arg(workDead).arg("-").arg("+"))) {
            out.add(Replies.fields(e.get(1)));
        }
        return out;
    }

    private long length(String stream) {
        return stats.length(stream).await().atMost(Duration.ofSeconds(5));
    }

    private long pending(String stream, String group) {
        return stats.pending(stream, group).await().atMost(Duration.ofSeconds(5));
    }

    private Response send(Request r) {
        return redis.client().send(r).await().atMost(Duration.ofSeconds(5));
    }
}
