package io.airlock.e2e;

import io.airlock.fixtures.onnx.OnnxModels;
import io.airlock.stack.Resp;
import io.airlock.stack.Service;
import io.airlock.stack.Stack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of the scanner while it holds a message it has fully processed but not acknowledged:
 * another scanner instance must reclaim the message and the registry must still hold every
 * outcome exactly once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScannerCrashIT {
    Stack stack;

    @BeforeAll
    void start() throws Exception {
        Stack.Options o = E2eStack.options("scanner-crash")
                // the seam: every message is held 60 s after its writes, before its acknowledgement
                .withExtra(Service.SCANNER, "airlock.scanner.hold-before-ack", "60s")
                .withExtra(Service.SCANNER, "airlock.instance", "scanner-a")
                .withExtra(Service.SCANNER, "mp.messaging.incoming.scan-requests.min-idle-time", "2s")
                .withExtra(Service.SCANNER, "mp.messaging.incoming.scan-requests.reclaim-interval", "500ms")
                .withExtra(Service.SCANNER, "mp.messaging.incoming.scan-requests.max-deliveries", "3");
        stack = E2eStack.prepare(o);
        stack.startAll();
    }

    @AfterAll
    void stop() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aMessageHeldByAKilledScannerIsRedeliveredAndRecordedExactlyOnce() throws Exception {
        Path model = Files.write(stack.options().workDir().resolve("m.onnx"), OnnxModels.identityModel());
        String id = given().multiPart("file", model.toFile()).multiPart("kind", "model")
                .post(stack.url(Service.GATEWAY) + "/v1/submissions").then().statusCode(202).extract().path("id");

        awaitLog(Service.SCANNER, "submission=" + id + " holding before ack", Duration.ofSeconds(30));
        long pendingBefore = pending();
        assertThat(pendingBefore).isEqualTo(1);
        stack.kill(Service.SCANNER);

        // a different instance: it can only get the message by claiming the dead consumer's entry
        stack.start(Service.SCANNER, Map.of("airlock.instance", "scanner-b", "airlock.scanner.hold-before-ack", "0s"));
        awaitLog(Service.SCANNER, id, Duration.ofSeconds(30));
        awaitPending(0, Duration.ofSeconds(30));

        List<Client.Event> events = Client.followEvents(stack.url(Service.GATEWAY), id, Duration.ofSeconds(60));
        assertThat(events.get(events.size() - 1).data().path("status").asText()).isEqualTo("promoted");

        var submission = given().get(stack.url(Service.REGISTRY) + "/v1/submissions/" + id).then().statusCode(200)
                .extract().jsonPath();
        List<String> stages = submission.getList("stages.stage");
        assertThat(stages).doesNotHaveDuplicates()
                .contains("integrity", "format_gate", "static_scan", "model_load", "behavioral_test");
        List<String> statuses = submission.getList("history.status");
        assertThat(statuses).doesNotHaveDuplicates()
                .containsSubsequence("received", "queued", "scanning", "evaluating", "promoted");
        assertThat(stack.process(Service.SCANNER).logTail(400)).contains(id).contains("redelivered");
    }

    @Test
    void aPoisonMessageIsDeadLetteredAndItsSubmissionMarkedFailed() throws Exception {
        String id = java.util.UUID.randomUUID().toString();
        var channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", stack.process(Service.REGISTRY).port())
                .usePlaintext().build();
        try {
            // a caller of the registry's gRPC API without the service token is refused (UNAUTHENTICATED)
            io.grpc.Metadata auth = new io.grpc.Metadata();
            auth.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                    "Bearer " + E2eStack.SERVICE_TOKEN);
            var registry = io.airlock.contracts.v1.RegistryGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(auth));
            registry.createSubmission(io.airlock.contracts.v1.CreateSubmissionRequest.newBuilder()
                    .setSubmissionId(id).setKind(io.airlock.contracts.v1.Kind.KIND_MODEL).setName("poison")
                    .setArtifact(io.airlock.contracts.v1.ArtifactRef.newBuilder().setBlob("sha256:" + "a".repeat(64)).setSize(1))
                    .setInitialStatus("received").setPrecheck("passed").build());
            registry.transition(io.airlock.contracts.v1.TransitionRequest.newBuilder()
                    .setSubmissionId(id).setAttempt(1).setStatus("queued").setActor("test").build());
        } finally {
            channel.shutdownNow();
        }
        long deadBefore = E2eStack.streamLength(stack, "airlock:dead");
        // a work item whose blob reference can never be parsed: the scanner throws on every delivery
        String poison = "{\"submissionId\":\"" + id + "\",\"attempt\":1,\"kind\":\"MODEL\",\"name\":\"poison\","
                + "\"blob\":\"sha256:not-a-digest\",\"size\":1,\"filename\":\"p\",\"sourceUrl\":\"\",\"expectedSha256\":\"\"}";
        try (Resp r = E2eStack.redis(stack)) {
            r.call("XADD", "airlock:scan", "*", "payload", poison, "type", "WorkItem");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String status = "";
        while (System.nanoTime() < deadline && !"failed".equals(status)) {
            Thread.sleep(300);
            status = given().get(stack.url(Service.REGISTRY) + "/v1/submissions/" + id).then().extract().path("status");
        }
        assertThat(status).isEqualTo("failed");
        var submission = given().get(stack.url(Service.REGISTRY) + "/v1/submissions/" + id).then().extract().jsonPath();
        assertThat(submission.getString("history.find { it.status == 'failed' }.reason"))
                .contains("dead-lettered").contains("delivered 4 times").contains("IllegalArgumentException");
        assertThat(submission.getString("history.find { it.status == 'failed' }.actor")).isEqualTo("dead-letter");
        assertThat(E2eStack.streamLength(stack, "airlock:dead")).isEqualTo(deadBefore + 1);
        awaitPending(0, Duration.ofSeconds(10));
    }

    private long pending() throws Exception {
        try (Resp r = E2eStack.redis(stack)) {
            List<?> summary = (List<?>) r.call("XPENDING", "airlock:scan", "scanner");
            return (Long) summary.get(0);
        }
    }

    private void awaitPending(long expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending() != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("pending stayed " + pending() + ", expected " + expected);
            }
            Thread.sleep(200);
        }
    }

    private void awaitLog(Service s, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!stack.process(s).logTail(2000).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(s.id() + " never logged '" + text + "':\n" + stack.process(s).logTail(30));
            }
            Thread.sleep(200);
        }
    }
}
