package io.airlock.gateway.submission;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlock.contracts.v1.Event;
import io.airlock.contracts.v1.Finding;
import io.airlock.contracts.v1.Severity;
import io.airlock.contracts.v1.StageResult;
import io.airlock.contracts.v1.Submission;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's own reads (a submission and its event stream, relayed from the registry's gRPC API
 * with the service's token) leave evidence out for a reader who may not see it: the registry cannot
 * filter for the caller there, the gateway must.
 */
class SubmissionViewsTest {
    private static final String EVIDENCE = "matched-bytes-os.system";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void submissionsAndEventsCarryEvidenceOnlyForReadersWhoMaySeeIt() throws Exception {
        StageResult stage = StageResult.newBuilder().setStage("static_scan").setStatus("FAIL")
                .addFindings(Finding.newBuilder().setRule("pickle.global_os_system")
                        .setSeverity(Severity.SEVERITY_CRITICAL).setEvidence(EVIDENCE))
                .build();
        Event event = Event.newBuilder().setSeq(3).setType("stage").setStage(stage).build();
        Submission s = Submission.newBuilder().setSubmissionId("id").setKind(io.airlock.contracts.v1.Kind.KIND_MODEL).addStages(stage).addHistory(event).build();

        String hidden = JSON.writeValueAsString(SubmissionViews.SubmissionView.of(s, false));
        assertThat(hidden).contains("pickle.global_os_system").doesNotContain(EVIDENCE)
                .contains("\"evidenceWithheld\":true");
        assertThat(JSON.writeValueAsString(SubmissionViews.EventView.of(event, false)))
                .contains("pickle.global_os_system").doesNotContain(EVIDENCE);

        assertThat(JSON.writeValueAsString(SubmissionViews.SubmissionView.of(s, true))).contains(EVIDENCE)
                .contains("\"evidenceWithheld\":false");
        assertThat(JSON.writeValueAsString(SubmissionViews.EventView.of(event, true))).contains(EVIDENCE);
    }
}
