package io.airlock.registry.audit.service;

import java.util.List;
import java.util.OptionalLong;

/** One page of audit entries in seq order; {@code nextAfter} continues after it when the page was full. */
public record AuditPage(int limit, List<AuditEntry> items, OptionalLong nextAfter) {
    public AuditPage {
        items = List.copyOf(items);
    }
}
