package io.airlock.registry.audit.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.registry.audit.service.AuditEntry;
import io.airlock.registry.audit.service.AuditPage;
import io.airlock.registry.audit.service.ChainReport;

import java.util.List;

/** JSON shapes of the audit API. */
public final class AuditViews {
    private AuditViews() {
    }

    /** A page of entries in seq order; pass {@code nextAfter} as {@code after} for the next one (absent at the end). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PageView(int limit, List<EntryView> items, Long nextAfter) {
        static PageView of(AuditPage p) {
            return new PageView(p.limit(), p.items().stream().map(EntryView::of).toList(),
                    p.nextAfter().isPresent() ? p.nextAfter().getAsLong() : null);
        }
    }

    /** One entry, with the hashes that chain it, so a client can re-verify on its own. */
    public record EntryView(long seq, String at, String actor, String action, String subject, JsonNode details,
                            String alg, String prevHash, String entryHash) {
        public static EntryView of(AuditEntry e) {
            return new EntryView(e.seq(), e.at().toString(), e.actor(), e.action(), e.subject(), e.details(), e.alg(),
                    e.prevHash(), e.entryHash());
        }
    }

    /** The verdict on the chain; {@code brokenSeq} and {@code reason} only when it is broken. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VerifyView(boolean ok, long from, long checked, long lastSeq, long headSeq, String headHash,
                             Long brokenSeq, String reason, String alg, boolean keyed) {
        static VerifyView of(ChainReport r) {
            return new VerifyView(r.ok(), r.from(), r.checked(), r.lastSeq(), r.headSeq(), r.headHash(), r.brokenSeq(),
                    r.ok() ? null : r.reason(), r.alg(), r.keyed());
        }
    }
}
