package io.airlock.registry.report;

import io.airlock.registry.audit.service.AuditActions;
import io.airlock.registry.audit.service.AuditLog;
import io.airlock.registry.audit.service.AuditQuery;
import io.airlock.registry.model.service.ModelService;
import io.airlock.registry.common.RegistryException;
import io.airlock.registry.submission.service.SubmissionQueryService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** Gathers a report of one attempt of a submission (default: the current one). */
@ApplicationScoped
public class ReportService {
    /** Audit entries carried in a report; a submission has a handful, a runaway one is cut here. */
    static final int AUDIT_LIMIT = AuditQuery.MAX_LIMIT;

    @Inject
    SubmissionQueryService submissions;
    @Inject
    ModelService models;
    @Inject
    AuditLog audit;
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    public Uni<ReportData> report(String submissionId, Optional<Integer> attempt) {
        // the reads are chained: each service call holds its own session, one statement at a time
        return submissions.get(submissionId).flatMap(detail -> {
            int n = attempt.orElse(detail.submission().attempt());
            if (n < 1 || n > detail.submission().attempt()) {
                throw RegistryException.invalid("attempt must be between 1 and " + detail.submission().attempt()
                        + " for submission '" + submissionId + "', got " + n);
            }
            return models.forAttempt(submissionId, n).flatMap(model -> audit
                    .list(new AuditQuery(0, Optional.empty(), Optional.of(AuditActions.submission(submissionId)),
                            Optional.empty(), AUDIT_LIMIT))
                    .map(page -> new ReportData(detail, n, model, page.items(), version,
                            Instant.now().truncatedTo(ChronoUnit.MILLIS), false)));
        });
    }
}
