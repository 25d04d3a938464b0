package io.airlock.registry;

import io.airlock.contracts.Streams;
import io.airlock.contracts.v1.GetSubmissionRequest;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.registry.submission.sweeper.PipelineSweeper;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestInfra;
import io.airlock.stack.Resp;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.airlock.registry.Requests.create;
import static io.airlock.registry.Requests.newId;
import static io.airlock.registry.Requests.transition;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sweeper against real PostgreSQL and Redis: a submission whose message was lost (a status
 * written, the XADD never done) gets its message again, once per stale period, on the stream its
 * status calls for, with its signature; one whose message is on a stream is left to the workers;
 * one that keeps losing it is failed.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class SweeperTests {
    @org.junit.jupiter.api.BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    static final String SIGNATURE = "sha256:" + "ab".repeat(32);

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @Inject
    PipelineSweeper sweeper;

    @AfterEach
    void dropStreams() throws Exception {
        redis("DEL", Streams.SCAN, Streams.EVAL);
    }

    private static Object redis(String... args) throws Exception {
        try (Resp r = Resp.connect(TestInfra.shared().redis(), TestInfra.REDIS_DB)) {
            return r.call(args);
        }
    }

    /** The payloads on a stream that name this submission. */
    private static List<String> entriesFor(String stream, String id) throws Exception {
        List<String> out = new ArrayList<>();
        Object all = redis("XRANGE", stream, "-", "+");
        for (Object e : (List<?>) all) {
            List<?> fields = (List<?>) ((List<?>) e).get(1);
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if ("payload".equals(fields.get(i)) && fields.get(i + 1).toString().contains(id)) {
                    out.add(fields.get(i + 1).toString());
                }
            }
        }
        return out;
    }

    private static void backdate(String id) {
        Db.update("update submissions set updated_at = now() - interval '1 hour' where id = ?", id);
    }

    @Test
    void aQueuedSubmissionWithoutAMessageIsReenqueuedOncePerStalePeriodWithItsSignature() throws Throwable {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL).toBuilder().setSignatureBlob(SIGNATURE).build());
        registry.transition(transition(id, 1, "queued")); // ...and the gateway died before its XADD
        backdate(id);

        sweeper.sweep();
        List<String> scan = entriesFor(Streams.SCAN, id);
        assertThat(scan).hasSize(1);
        assertThat(scan.get(0)).contains("\"attempt\":1").contains(SIGNATURE);
        given().get("/v1/audit?subject=submission/" + id).then().statusCode(200);
        assertThat(Db.count("select count(*) from audit_log where subject = ? and action = 'submission.requeue'",
                "submission/" + id)).isEqualTo(1);

        // not again before it is stale again
        sweeper.sweep();
        assertThat(entriesFor(Streams.SCAN, id)).hasSize(1);

        // stale again, but its message is on the stream: the workers own it
        backdate(id);
        sweeper.sweep();
        assertThat(entriesFor(Streams.SCAN, id)).hasSize(1);
        assertThat(registry.getSubmission(GetSubmissionRequest.newBuilder().setSubmissionId(id).build())
                .getSignatureBlob()).isEqualTo(SIGNATURE);
    }

    @Test
    void anEvaluatingSubmissionGoesBackToTheEvaluatorsStream() throws Throwable {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        Pipeline.toEvaluating(registry, id);
        backdate(id);
        sweeper.sweep();
        assertThat(entriesFor(Streams.EVAL, id)).hasSize(1);
        assertThat(entriesFor(Streams.SCAN, id)).isEmpty();
    }

    @Test
    void aSubmissionThatKeepsLosingItsMessageIsFailedAfterTheLimit() throws Throwable {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_KERNEL));
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));
        for (int i = 0; i < 3; i++) {
            backdate(id);
            sweeper.sweep();
            assertThat(entriesFor(Streams.SCAN, id)).hasSize(1);
            redis("DEL", Streams.SCAN); // lost again
        }
        backdate(id);
        sweeper.sweep();
        assertThat(entriesFor(Streams.SCAN, id)).isEmpty();
        assertThat(registry.getSubmission(GetSubmissionRequest.newBuilder().setSubmissionId(id).build()).getStatus())
                .isEqualTo("failed");
    }

    @Test
    void aSubmissionNeverQueuedIsFailedNotLeftWaiting() throws Throwable {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL)); // the gateway died before Transition(queued)
        backdate(id);
        sweeper.sweep();
        assertThat(registry.getSubmission(GetSubmissionRequest.newBuilder().setSubmissionId(id).build()).getStatus())
                .isEqualTo("failed");
        assertThat(entriesFor(Streams.SCAN, id)).isEmpty();
    }

    @Test
    void finishedSubmissionsAreNeverTouched() throws Throwable {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));
        registry.transition(transition(id, 1, "rejected"));
        backdate(id);
        sweeper.sweep();
        assertThat(entriesFor(Streams.SCAN, id)).isEmpty();
        assertThat(entriesFor(Streams.EVAL, id)).isEmpty();
    }
}
