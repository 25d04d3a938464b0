package io.airlock.registry.model.service;

import java.util.List;

/** One page of listed models and the number of all that matched. */
public record ModelPage(long total, int limit, int offset, List<ModelRecord> items) {
    public ModelPage {
        items = List.copyOf(items);
    }
}
