package io.airlock.registry;

import io.airlock.blob.BlobStore;
import io.airlock.contracts.v1.Event;
import io.airlock.contracts.v1.Finding;
import io.airlock.contracts.v1.GetSubmissionRequest;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.ListEventsRequest;
import io.airlock.contracts.v1.ListEventsResponse;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.Severity;
import io.airlock.contracts.v1.Submission;
import io.airlock.contracts.v1.WriteAck;
import io.airlock.contracts.v1.WriteOutcome;
import io.airlock.registry.submission.service.SubmissionService;
import io.airlock.registry.submission.service.WriteResult;
import io.airlock.testing.RealServicesResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.airlock.registry.Requests.create;
import static io.airlock.registry.Requests.newId;
import static io.airlock.registry.Requests.rescan;
import static io.airlock.registry.Requests.stage;
import static io.airlock.registry.Requests.transition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The gRPC API over real gRPC (HTTP/2 on the HTTP port) and the real PostgreSQL. Row counts are
 * read with plain JDBC, behind the API's back.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class RegistryGrpcTests {
    private static final int PARALLEL = 8;

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @Inject
    SubmissionService service;
    @Inject
    BlobStore blobs;
    @Inject
    io.airlock.registry.audit.service.AuditLog auditLog;
    @Inject
    io.airlock.access.InFlight inFlight;

    @Test
    void aRepeatedCreateChangesNothingAndAnswersDuplicate() {
        String id = newId();
        WriteAck first = registry.createSubmission(create(id, Kind.KIND_MODEL));
        assertThat(first.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(first.getStatus()).isEqualTo("received");
        assertThat(first.getAttempt()).isEqualTo(1);

        // same id, different content: the first record stands
        WriteAck again = registry.createSubmission(create(id, Kind.KIND_KERNEL));
        assertThat(again.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(again.getStatus()).isEqualTo("received");
        assertThat(Db.count("select count(*) from submissions where id = ?", id)).isEqualTo(1);
        assertThat(Db.count("select count(*) from status_history where submission_id = ?", id)).isEqualTo(1);
        assertThat(Db.string("select kind from submissions where id = ?", id)).isEqualTo("model");

        Submission s = get(id);
        assertThat(s.getSha256()).hasSize(64);
        assertThat(s.getArtifact().getBlob()).isEqualTo("sha256:" + s.getSha256());
        assertThat(s.getHistoryList()).extracting(Event::getStatus).containsExactly("received");
    }

    @Test
    void aSubmissionCreatedQueuedIsRecordedAsReceivedThenQueuedInOneCall() throws Throwable {
        String id = newId();
        WriteAck ack = registry.createSubmission(create(id, Kind.KIND_KERNEL).toBuilder()
                .setInitialStatus("queued").setActor("gateway").build());
        assertThat(ack.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(ack.getStatus()).isEqualTo("queued");
        assertThat(ack.getAttempt()).isEqualTo(1);

        // history, events and audit read exactly as the two calls (create received, transition queued) wrote them
        Submission s = get(id);
        assertThat(s.getStatus()).isEqualTo("queued");
        assertThat(s.getHistoryList()).extracting(e -> e.getStatus() + ":" + e.getReason() + ":" + e.getActor())
                .containsExactly("received:submitted:gateway", "queued:accepted:gateway");
        assertThat(events(id, 0).getEventsList()).extracting(Event::getStatus).containsExactly("received", "queued");
        String subject = "submission/" + id;
        assertThat(Db.string("select string_agg(action, ',' order by seq) from audit_log where subject = ?", subject))
                .isEqualTo("submission.create,submission.transition");
        assertThat(Db.string("select details->>'status' from audit_log where subject = ? and action = 'submission.create'",
                subject)).isEqualTo("received");
        assertThat(Db.string("select (details->>'from') || '->' || (details->>'to') from audit_log where subject = ? "
                + "and action = 'submission.transition'", subject)).isEqualTo("received->queued");
        long first = Db.count("select min(seq) from audit_log where subject = ?", subject);
        long last = Db.count("select max(seq) from audit_log where subject = ?", subject);
        assertThat(last).as("the two entries follow each other in the chain").isEqualTo(first + 1);
        assertThat(VertxContextSupport.subscribeAndAwait(() -> auditLog.verify(first, last)).ok()).isTrue();

        // a repeat changes nothing; the scanner moves it on as before
        assertThat(registry.createSubmission(create(id, Kind.KIND_KERNEL).toBuilder().setInitialStatus("queued").build())
                .getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(Db.count("select count(*) from status_history where submission_id = ?", id)).isEqualTo(2);
        assertThat(registry.transition(transition(id, 1, "scanning")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
    }

    @Test
    void aFinalStatusFreesTheSubmittersInFlightSlotAndNothingElseDoes() throws Throwable {
        String user = "inflight-" + newId().substring(0, 8);
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL).toBuilder().setInitialStatus("queued")
                .setSubmitter(user).build());
        // the slot the gateway took for it
        assertThat(inFlight.reserve(user, id, 1, java.time.Duration.ofHours(1)).await().indefinitely()).isEqualTo(-1);
        String other = newId();
        registry.transition(transition(id, 1, "scanning"));
        assertThat(inFlight.reserve(user, other, 1, java.time.Duration.ofHours(1)).await().indefinitely())
                .as("scanning is not final: the slot is still held").isEqualTo(1);
        registry.transition(transition(id, 1, "rejected"));
        assertThat(inFlight.reserve(user, other, 1, java.time.Duration.ofHours(1)).await().indefinitely())
                .as("rejected is final: the slot was freed").isEqualTo(-1);

        // a submission recorded hacked is final at once; a dead-lettered one (the sweeper's path too) when marked failed
        String hacked = newId();
        assertThat(inFlight.reserve(user + "-b", hacked, 1, java.time.Duration.ofHours(1)).await().indefinitely()).isEqualTo(-1);
        registry.createSubmission(Requests.hacked(hacked));
        assertThat(inFlight.release(hacked).await().indefinitely()).as("already released by the registry").isFalse();
        String dead = newId();
        registry.createSubmission(create(dead, Kind.KIND_MODEL).toBuilder().setInitialStatus("queued").build());
        assertThat(inFlight.reserve(user + "-c", dead, 1, java.time.Duration.ofHours(1)).await().indefinitely()).isEqualTo(-1);
        VertxContextSupport.subscribeAndAwait(() -> service.markFailed(dead, 1, "delivered 5 times"));
        assertThat(inFlight.release(dead).await().indefinitely()).as("already released by the registry").isFalse();
    }

    @Test
    void parallelCreatesOfOneIdMakeOneRecord() throws Exception {
        String id = newId();
        List<WriteAck> acks = parallel(() -> registry.createSubmission(create(id, Kind.KIND_MODEL)));
        assertThat(acks).extracting(WriteAck::getOutcome)
                .containsOnlyOnce(WriteOutcome.WRITE_OUTCOME_APPLIED)
                .containsOnly(WriteOutcome.WRITE_OUTCOME_APPLIED, WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(Db.count("select count(*) from submissions where id = ?", id)).isEqualTo(1);
        assertThat(Db.count("select count(*) from status_history where submission_id = ?", id)).isEqualTo(1);
    }

    @Test
    void aBlockedSubmissionIsRecordedAsHackedWithThePrecheckFindings() {
        String id = newId();
        WriteAck ack = registry.createSubmission(Requests.hacked(id));
        assertThat(ack.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(ack.getStatus()).isEqualTo("hacked");

        Submission s = get(id);
        assertThat(s.getStatus()).isEqualTo("hacked");
        assertThat(s.getPrecheck()).isEqualTo("blocked");
        assertThat(s.getHistoryList()).extracting(Event::getStatus).containsExactly("hacked");
        assertThat(s.getStagesList()).singleElement().satisfies(stage -> {
            assertThat(stage.getStage()).isEqualTo("precheck");
            assertThat(stage.getStatus()).isEqualTo("FAIL");
            assertThat(stage.getFindingsList()).extracting(Finding::getRule).containsExactly("guard.format_mismatch");
            assertThat(stage.getFindings(0).getSeverity()).isEqualTo(Severity.SEVERITY_HIGH);
            assertThat(stage.getFindings(0).getEvidence()).isEqualTo("\\x80\\x02");
        });
        assertThat(Db.count("select count(*) from stage_results where submission_id = ? and attempt = 1 "
                + "and stage = 'precheck' and status = 'FAIL'", id)).isEqualTo(1);
        // hacked is final: nothing moves it on
        assertThat(registry.transition(transition(id, 1, "queued")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
    }

    @Test
    void aRepeatedStageIsADuplicateAndTheFirstRecordStands() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        assertThat(registry.recordStage(stage(id, 1, "format_gate", "PASS")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(registry.recordStage(stage(id, 1, "format_gate", "FAIL")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(Db.count("select count(*) from stage_results where submission_id = ?", id)).isEqualTo(1);
        assertThat(Db.string("select status from stage_results where submission_id = ?", id)).isEqualTo("PASS");
        // findings and details survive the jsonb round trip as JSON, not as a quoted string
        assertThat(Db.string("select jsonb_typeof(details) from stage_results where submission_id = ?", id))
                .isEqualTo("object");
        assertThat(get(id).getStages(0).getDetailsMap()).containsEntry("format", "onnx");
        assertThat(get(id).getStages(0).getService()).isEqualTo("scanner");

        // a stage that did not run is recorded with its reason, never as passed
        RecordStageRequest notRun = stage(id, 1, "behavioral_test", "NOT_RUN");
        notRun = notRun.toBuilder().setStage(notRun.getStage().toBuilder().putDetails("reason", "no corpus")).build();
        assertThat(registry.recordStage(notRun).getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        // an attempt that has not started has no stages
        assertThat(code(() -> registry.recordStage(stage(id, 2, "integrity", "PASS"))))
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void aRepeatedTransitionIsADuplicate() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        WriteAck queued = registry.transition(transition(id, 1, "queued"));
        assertThat(queued.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(queued.getStatus()).isEqualTo("queued");
        WriteAck again = registry.transition(transition(id, 1, "queued"));
        assertThat(again.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(again.getStatus()).isEqualTo("queued");
        assertThat(again.getAttempt()).isEqualTo(1);
        assertThat(Db.count("select count(*) from status_history where submission_id = ? and status = 'queued'", id))
                .isEqualTo(1);
        assertThat(Db.string("select status from submissions where id = ?", id)).isEqualTo("queued");
    }

    @Test
    void illegalAndOldAttemptTransitionsAreStaleAndChangeNothing() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        registry.transition(transition(id, 1, "queued"));

        // not a successor of queued
        WriteAck skip = registry.transition(transition(id, 1, "promoted"));
        assertThat(skip.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        assertThat(skip.getStatus()).isEqualTo("queued");
        // an attempt that is not the current one
        assertThat(registry.transition(transition(id, 2, "scanning")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);

        // attempt 2 staged in the database (StartAttempt would refuse: queued is not final);
        // a late worker of attempt 1 must not move it
        Db.update("update submissions set attempt = 2 where id = ?", id);
        WriteAck late = registry.transition(transition(id, 1, "scanning"));
        assertThat(late.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        assertThat(late.getAttempt()).isEqualTo(2);
        assertThat(Db.string("select status from submissions where id = ?", id)).isEqualTo("queued");
        assertThat(Db.count("select count(*) from status_history where submission_id = ?", id)).isEqualTo(2);
        // while a repeat of what attempt 1 did record is still a duplicate, not stale
        assertThat(registry.transition(transition(id, 1, "queued")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
    }

    @Test
    void eightParallelIdenticalTransitionsWriteOneHistoryRow() throws Exception {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        registry.transition(transition(id, 1, "queued"));

        List<WriteAck> acks = parallel(() -> registry.transition(transition(id, 1, "scanning")));
        assertThat(acks).extracting(WriteAck::getOutcome)
                .containsOnlyOnce(WriteOutcome.WRITE_OUTCOME_APPLIED)
                .containsOnly(WriteOutcome.WRITE_OUTCOME_APPLIED, WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(acks).extracting(WriteAck::getStatus).containsOnly("scanning");
        assertThat(Db.count("select count(*) from status_history where submission_id = ? and status = 'scanning'", id))
                .isEqualTo(1);
    }

    @Test
    void eventsComeInSeqOrderAfterTheGivenSeqAndSayWhenTheSubmissionIsFinal() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_KERNEL));
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));
        registry.recordStage(stage(id, 1, "integrity", "PASS"));
        registry.recordStage(stage(id, 1, "format_gate", "PASS"));

        ListEventsResponse all = events(id, 0);
        assertThat(all.getEventsList()).extracting(e -> e.getType() + ":" + e.getStatus() + e.getStage().getStage())
                .containsExactly("status:received", "status:queued", "status:scanning", "stage:integrity",
                        "stage:format_gate");
        assertThat(all.getEventsList()).extracting(Event::getSeq).isSorted().doesNotHaveDuplicates();
        assertThat(all.getStatus()).isEqualTo("scanning");
        assertThat(all.getTerminal()).isFalse();

        long last = all.getEvents(all.getEventsCount() - 1).getSeq();
        assertThat(events(id, last).getEventsList()).isEmpty();
        registry.transition(transition(id, 1, "admitted"));
        ListEventsResponse after = events(id, last);
        assertThat(after.getEventsList()).extracting(Event::getStatus).containsExactly("admitted");
        assertThat(after.getTerminal()).isTrue();
        assertThat(events(id, all.getEvents(2).getSeq()).getEventsList()).extracting(Event::getType)
                .containsExactly("stage", "stage", "status");
    }

    @Test
    void unknownSubmissionsAreNotFound() {
        String id = newId();
        assertThat(code(() -> get(id))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> events(id, 0))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> registry.recordStage(stage(id, 1, "integrity", "PASS")))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(code(() -> registry.transition(transition(id, 1, "queued")))).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(Db.count("select count(*) from stage_results where submission_id = ?", id)).isZero();
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        assertInvalid(() -> registry.transition(transition(id, 1, "approved")), "unknown submission status 'approved'");
        assertInvalid(() -> registry.transition(transition("", 1, "queued")), "submission_id is required");
        assertInvalid(() -> registry.transition(transition(id, 0, "queued")), "attempt must be >= 1");
        assertInvalid(() -> registry.createSubmission(create(newId(), Kind.KIND_UNSPECIFIED)), "kind must be");
        assertInvalid(() -> registry.createSubmission(create(newId(), Kind.KIND_MODEL).toBuilder()
                .setInitialStatus("promoted").build()), "initial_status must be received, queued or hacked");
        assertInvalid(() -> registry.createSubmission(create(newId(), Kind.KIND_MODEL).toBuilder()
                .setArtifact(create(id, Kind.KIND_MODEL).getArtifact().toBuilder().setBlob("md5:abc")).build()),
                "content address");
        assertInvalid(() -> registry.createSubmission(create("../etc/passwd", Kind.KIND_MODEL)), "not valid");
        assertInvalid(() -> registry.recordStage(stage(id, 1, "integrity", "MAYBE")), "unknown stage status 'MAYBE'");
        assertInvalid(() -> registry.recordStage(stage(id, 1, "integrity", "SKIPPED")), "must say why");
        assertInvalid(() -> registry.getSubmission(GetSubmissionRequest.getDefaultInstance()), "submission_id is required");
        // nothing of the refused calls was written
        assertThat(Db.count("select count(*) from stage_results where submission_id = ?", id)).isZero();
        assertThat(Db.count("select count(*) from status_history where submission_id = ?", id)).isEqualTo(1);
    }

    @Test
    void markFailedMovesALiveSubmissionToFailedAsTheDeadLetterActor() throws Throwable {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL));
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));

        // Hibernate Reactive needs a Vert.x context, which a JUnit thread is not
        WriteResult failed = VertxContextSupport.subscribeAndAwait(() -> service.markFailed(id, 1, "5 deliveries"));
        assertThat(failed.outcome()).isEqualTo(io.airlock.registry.common.WriteOutcome.APPLIED);
        assertThat(VertxContextSupport.subscribeAndAwait(() -> service.markFailed(id, 1, "5 deliveries")).outcome())
                .isEqualTo(io.airlock.registry.common.WriteOutcome.DUPLICATE);
        assertThat(Db.string("select actor from status_history where submission_id = ? and status = 'failed'", id))
                .isEqualTo(SubmissionService.DEAD_LETTER_ACTOR);
        assertThat(Db.count("select count(*) from audit_log where subject = ? and action = 'submission.dead-letter' "
                + "and details->>'to' = 'failed'", "submission/" + id)).isEqualTo(1);
        assertThat(get(id).getStatus()).isEqualTo("failed");
        assertThat(events(id, 0).getTerminal()).isTrue();

        // a submission that already reached a final status keeps it
        String done = newId();
        registry.createSubmission(Requests.hacked(done));
        assertThat(VertxContextSupport.subscribeAndAwait(() -> service.markFailed(done, 1, "late")).outcome())
                .isEqualTo(io.airlock.registry.common.WriteOutcome.STALE);
        assertThat(get(done).getStatus()).isEqualTo("hacked");
    }

    @Test
    void startAttemptReScansAFinalSubmissionOnceAndIsIdempotentOnItsKey() throws Exception {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_KERNEL));
        registry.transition(transition(id, 1, "queued"));
        // not final yet: nothing to re-scan
        assertThat(registry.startAttempt(rescan(id, 1)).getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        registry.transition(transition(id, 1, "scanning"));
        registry.recordStage(stage(id, 1, "integrity", "PASS"));
        registry.transition(transition(id, 1, "admitted"));

        WriteAck started = registry.startAttempt(rescan(id, 1));
        assertThat(started.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(started.getStatus()).isEqualTo("queued");
        assertThat(started.getAttempt()).isEqualTo(2);
        // redelivered: the attempt it started stands, also once attempt 2 moved on
        WriteAck again = registry.startAttempt(rescan(id, 1));
        assertThat(again.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(again.getAttempt()).isEqualTo(2);
        registry.transition(transition(id, 2, "scanning"));
        assertThat(registry.startAttempt(rescan(id, 1)).getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        // attempt 2 is not final; attempt 3 does not exist
        assertThat(registry.startAttempt(rescan(id, 2)).getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        assertThat(registry.startAttempt(rescan(id, 3)).getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        // a late worker of attempt 1 does not move attempt 2
        assertThat(registry.transition(transition(id, 1, "rejected")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        // attempt 2 records its own stages: same stage name, new key
        assertThat(registry.recordStage(stage(id, 2, "integrity", "FAIL")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);

        assertThat(Db.count("select count(*) from status_history where submission_id = ? and attempt = 2 "
                + "and status = 'queued' and actor = 'operator:tests' and reason = 'rule set v2'", id)).isEqualTo(1);
        assertThat(Db.count("select count(*) from audit_log where subject = ? and action = 'submission.rescan'",
                "submission/" + id)).isEqualTo(1);
        Submission s = get(id);
        assertThat(s.getAttempt()).isEqualTo(2);
        assertThat(s.getStatus()).isEqualTo("scanning");
        // reads say which attempt each stage belongs to
        assertThat(s.getStagesList()).extracting(st -> st.getStage() + "@" + st.getAttempt() + ":" + st.getStatus())
                .containsExactly("integrity@1:PASS", "integrity@2:FAIL");

        // parallel re-scans of one final attempt start one attempt
        registry.transition(transition(id, 2, "rejected"));
        List<WriteAck> acks = parallel(() -> registry.startAttempt(rescan(id, 2)));
        assertThat(acks).extracting(WriteAck::getOutcome)
                .containsOnlyOnce(WriteOutcome.WRITE_OUTCOME_APPLIED)
                .containsOnly(WriteOutcome.WRITE_OUTCOME_APPLIED, WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(acks).extracting(WriteAck::getAttempt).containsOnly(3);
        assertThat(Db.count("select count(*) from status_history where submission_id = ? and attempt = 3", id))
                .isEqualTo(1);
    }

    @Test
    void aHackedSubmissionIsNotReScannedAndBadReScansAreRefused() {
        String id = newId();
        registry.createSubmission(Requests.hacked(id));
        assertThatThrownBy(() -> registry.startAttempt(rescan(id, 1))).isInstanceOfSatisfying(
                StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("kept as evidence");
                });
        assertThat(get(id).getStatus()).isEqualTo("hacked");
        assertThat(get(id).getAttempt()).isEqualTo(1);
        assertThat(code(() -> registry.startAttempt(rescan(newId(), 1)))).isEqualTo(Status.Code.NOT_FOUND);
        assertInvalid(() -> registry.startAttempt(rescan(id, 0)), "from_attempt must be >= 1");
    }

    @Test
    void eventsNameTheirActorAndStagesTheirAttempt() {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_MODEL).toBuilder().setActor("gateway-7").build());
        registry.transition(transition(id, 1, "queued"));
        registry.recordStage(stage(id, 1, "integrity", "PASS"));
        ListEventsResponse events = events(id, 0);
        assertThat(events.getEventsList()).extracting(e -> e.getType() + ":" + e.getActor())
                .containsExactly("status:gateway-7", "status:tests", "stage:scanner");
        assertThat(events.getEvents(2).getStage().getAttempt()).isEqualTo(1);
        assertThat(get(id).getHistoryList()).extracting(Event::getActor).containsExactly("gateway-7", "tests");
        assertThat(Db.string("select actor from audit_log where subject = ? and action = 'submission.create'",
                "submission/" + id)).isEqualTo("gateway-7");
    }

    @Test
    void promotionReHashesTheBlobAndRecordsOneModelInTheSameTransaction() {
        byte[] bytes = Pipeline.randomBytes(64 * 1024);
        String blob = Pipeline.storedBlob(blobs, bytes);
        String id = newId();
        registry.createSubmission(Requests.model(id, blob, bytes.length));
        Pipeline.toEvaluating(registry, id);

        WriteAck promoted = registry.transition(transition(id, 1, "promoted"));
        assertThat(promoted.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_APPLIED);
        assertThat(promoted.getStatus()).isEqualTo("promoted");
        assertThat(registry.transition(transition(id, 1, "promoted")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_DUPLICATE);

        assertThat(Db.count("select count(*) from models where submission_id = ?", id)).isEqualTo(1);
        assertThat(Db.string("select sha256 from models where submission_id = ?", id))
                .isEqualTo(blob.substring("sha256:".length()));
        assertThat(Db.count("select size from models where submission_id = ?", id)).isEqualTo(bytes.length);
        assertThat(Db.string("select policy_version from models where submission_id = ?", id)).isEqualTo(Pipeline.POLICY);
        assertThat(Db.string("select promoted_by from models where submission_id = ?", id)).isEqualTo("tests");
        assertThat(Db.string("select string_agg(e->>'stage' || ':' || (e->>'status'), ',' order by o) from models, "
                + "jsonb_array_elements(stage_summary) with ordinality as t(e, o) where submission_id = ?", id))
                .isEqualTo("format_gate:PASS,integrity:PASS,model_load:PASS");
        assertThat(Db.count("select count(*) from audit_log where subject = ? and action = 'submission.promote' "
                + "and details->>'modelId' = (select id from models where submission_id = ?)", "submission/" + id, id))
                .isEqualTo(1);
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestIsNeverPromoted() {
        // the recorded digest is of other bytes than the ones now on the volume
        String blob = Requests.randomBlob();
        byte[] forged = Pipeline.randomBytes(2048);
        Pipeline.forgeBlob(blobs, blob, forged);
        String id = newId();
        registry.createSubmission(Requests.model(id, blob, forged.length));
        Pipeline.toEvaluating(registry, id);

        WriteAck refused = registry.transition(transition(id, 1, "promoted"));
        assertThat(refused.getOutcome()).isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        assertThat(refused.getStatus()).isEqualTo("failed");
        assertThat(Db.count("select count(*) from models where submission_id = ?", id)).isZero();
        assertThat(Db.string("select reason from status_history where submission_id = ? and status = 'failed'", id))
                .startsWith("promotion refused: blob " + blob + " hashes to sha256:")
                .contains("not the recorded " + blob);
        assertThat(Db.string("select actor from status_history where submission_id = ? and status = 'failed'", id))
                .isEqualTo(SubmissionService.REGISTRY_ACTOR);
        assertThat(Db.count("select count(*) from audit_log where subject = ? and action = "
                + "'submission.promotion-refused'", "submission/" + id)).isEqualTo(1);
        // a redelivered promotion changes nothing
        assertThat(registry.transition(transition(id, 1, "promoted")).getOutcome())
                .isEqualTo(WriteOutcome.WRITE_OUTCOME_STALE);
        assertThat(get(id).getStatus()).isEqualTo("failed");

        // bytes that are gone are not promoted either
        String missing = newId();
        registry.createSubmission(Requests.model(missing, Requests.randomBlob(), 10));
        Pipeline.toEvaluating(registry, missing);
        assertThat(registry.transition(transition(missing, 1, "promoted")).getStatus()).isEqualTo("failed");
        assertThat(Db.string("select reason from status_history where submission_id = ? and status = 'failed'", missing))
                .contains("missing from the blob store");
    }

    @Test
    void parallelPromotionsOfOneSubmissionMakeOneModel() throws Exception {
        byte[] bytes = Pipeline.randomBytes(8192);
        String id = newId();
        registry.createSubmission(Requests.model(id, Pipeline.storedBlob(blobs, bytes), bytes.length));
        Pipeline.toEvaluating(registry, id);
        List<WriteAck> acks = parallel(() -> registry.transition(transition(id, 1, "promoted")));
        assertThat(acks).extracting(WriteAck::getOutcome)
                .containsOnlyOnce(WriteOutcome.WRITE_OUTCOME_APPLIED)
                .containsOnly(WriteOutcome.WRITE_OUTCOME_APPLIED, WriteOutcome.WRITE_OUTCOME_DUPLICATE);
        assertThat(Db.count("select count(*) from models where submission_id = ?", id)).isEqualTo(1);
        assertThat(Db.count("select count(*) from audit_log where subject = ? and action = 'submission.promote'",
                "submission/" + id)).isEqualTo(1);
    }

    private Submission get(String id) {
        return registry.getSubmission(GetSubmissionRequest.newBuilder().setSubmissionId(id).build());
    }

    private ListEventsResponse events(String id, long afterSeq) {
        return registry.listEvents(ListEventsRequest.newBuilder().setSubmissionId(id).setAfterSeq(afterSeq).build());
    }

    /** Runs {@code call} on {@link #PARALLEL} threads released at once. */
    private static <T> List<T> parallel(Callable<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < PARALLEL; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return call.call();
                }));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    private static void assertInvalid(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }
}
