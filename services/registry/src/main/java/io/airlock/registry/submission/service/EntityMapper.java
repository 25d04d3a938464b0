package io.airlock.registry.submission.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import io.airlock.contracts.SubmissionStatus;
import io.airlock.registry.submission.repository.StageResultEntity;
import io.airlock.registry.submission.repository.StatusHistoryEntity;
import io.airlock.registry.submission.repository.SubmissionEntity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.TreeMap;

/** Rows to records and back; findings and details as JSON. */
@ApplicationScoped
class EntityMapper {
    private static final TypeReference<List<Finding>> FINDINGS = new TypeReference<>() {
    };
    private static final TypeReference<TreeMap<String, String>> DETAILS = new TypeReference<>() {
    };

    @Inject
    ObjectMapper json;

    /** Now, at PostgreSQL's precision, so that what a write answers equals what a read returns. */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    SubmissionEntity entity(NewSubmission s, Instant at) {
        SubmissionEntity e = new SubmissionEntity();
        e.id = s.id();
        e.kind = s.kind().wire();
        e.name = s.name();
        e.filename = s.filename();
        e.blob = s.blob();
        e.size = s.size();
        e.sha256 = s.sha256();
        e.sourceUrl = s.sourceUrl();
        e.expectedSha256 = s.expectedSha256();
        e.hasSignature = s.hasSignature();
        e.signatureBlob = s.signatureBlob();
        e.submitter = s.submitter();
        e.task = s.task();
        e.taskDigest = s.taskDigest();
        e.status = s.initialStatus().wire();
        e.attempt = 1;
        e.precheck = s.precheck();
        e.createdAt = at;
        e.updatedAt = at;
        return e;
    }

    StatusHistoryEntity history(String submissionId, int attempt, SubmissionStatus status, String reason,
                                String actor, Instant at) {
        StatusHistoryEntity e = new StatusHistoryEntity();
        e.submissionId = submissionId;
        e.attempt = attempt;
        e.status = status.wire();
        e.reason = reason;
        e.actor = actor;
        e.at = at;
        return e;
    }

    StageResultEntity stage(StageReport r, Instant at) {
        StageResultEntity e = new StageResultEntity();
        e.submissionId = r.submissionId();
        e.attempt = r.attempt();
        e.stage = r.result().stage();
        e.status = r.result().status().name();
        e.durationMicros = r.result().durationMicros();
        e.findings = write(r.result().findings());
        e.details = write(r.result().details());
        e.service = r.service();
        e.recordedAt = at;
        return e;
    }

    SubmissionRecord record(SubmissionEntity e) {
        return new SubmissionRecord(e.id, Kind.parse(e.kind), e.name, e.filename, e.blob, e.size, e.sha256,
                e.sourceUrl, e.expectedSha256, e.hasSignature, SubmissionStatus.parse(e.status), e.attempt,
                e.precheck, e.createdAt, e.updatedAt, e.signatureBlob == null ? "" : e.signatureBlob,
                e.submitter == null ? "" : e.submitter, e.task == null ? "" : e.task,
                e.taskDigest == null ? "" : e.taskDigest);
    }

    RegistryEvent.StatusEvent event(StatusHistoryEntity e) {
        return new RegistryEvent.StatusEvent(e.seq, e.attempt, SubmissionStatus.parse(e.status), e.reason, e.actor,
                e.at);
    }

    RegistryEvent.StageEvent event(StageResultEntity e) {
        StageResult result = new StageResult(e.stage, StageStatus.valueOf(e.status), e.durationMicros,
                read(e.findings, FINDINGS), read(e.details, DETAILS));
        return new RegistryEvent.StageEvent(e.seq, e.attempt, result, e.service, e.recordedAt);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored JSON does not parse", e);
        }
    }
}
