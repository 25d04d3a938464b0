package io.airlock.registry.model.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.airlock.registry.model.service.ModelPage;
import io.airlock.registry.model.service.ModelRecord;
import io.airlock.registry.model.service.StageSummary;

import java.util.List;

/** JSON shapes of the models API. */
public final class ModelViews {
    private ModelViews() {
    }

    /** One page of listed models, newest first; {@code total} counts every match. */
    public record PageView(long total, int limit, int offset, List<ModelView> items) {
        static PageView of(ModelPage p) {
            return new PageView(p.total(), p.limit(), p.offset(), p.items().stream().map(ModelView::of).toList());
        }
    }

    /**
     * A promoted model. {@code state}: active (listed), degraded (promoted, held out of the listing by a
     * failing conformance evaluation with failModelOnDrift), superseded (its submission was sent for
     * re-scan), deleted (with who, when and why).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelView(String id, String submissionId, int attempt, String name, String filename, String blob,
                            String sha256, long size, String promotedAt, String promotedBy, String verifiedAt,
                            String policyVersion, String state, List<StageSummary> stages, String deletedAt,
                            String deletedBy, String deleteReason) {
        static ModelView of(ModelRecord m) {
            boolean deleted = m.deletedAt().isPresent();
            return new ModelView(m.id(), m.submissionId(), m.attempt(), m.name(), m.filename(), m.blob(), m.sha256(),
                    m.size(), m.promotedAt().toString(), m.promotedBy(), m.verifiedAt().toString(), m.policyVersion(),
                    m.state().wire(), m.stages(), m.deletedAt().map(Object::toString).orElse(null),
                    deleted ? m.deletedBy() : null, deleted ? m.deleteReason() : null);
        }
    }
}
