package io.airlock.queue;

import io.vertx.mutiny.redis.client.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading stream replies. The connector's own client speaks RESP2 (it never negotiates RESP3), so
 * maps arrive as flat [key, value, ...] arrays. Redis 6.2 and 7 differ in what XAUTOCLAIM returns;
 * see {@link #autoClaim}.
 */
final class Replies {
    private Replies() {
    }

    /** XREADGROUP: the entries of the one stream asked for; empty on timeout. */
    static List<StreamEntry> readGroup(Response reply, String stream) {
        if (reply == null) {
            return List.of();
        }
        Response entries = null;
        for (Response s : reply) {
            if (s != null && s.size() == 2 && stream.equals(s.get(0).toString())) {
                entries = s.get(1);
            }
        }
        return entries == null ? List.of() : entries(entries);
    }

    /** A list of [id, [field, value, ...]] entries; an entry whose fields are nil (deleted) keeps its id. */
    static List<StreamEntry> entries(Response list) {
        List<StreamEntry> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (Response e : list) {
            if (e == null || e.size() < 1) {
                continue; // Redis 6.2 reports an entry deleted from the stream as nil
            }
            String id = e.get(0).toString();
            Response f = e.size() > 1 ? e.get(1) : null;
            out.add(new StreamEntry(id, fields(f), 0));
        }
        return out;
    }

    static Map<String, String> fields(Response f) {
        Map<String, String> m = new LinkedHashMap<>();
        if (f == null) {
            return m;
        }
        for (int i = 0; i + 1 < f.size(); i += 2) {
            m.put(f.get(i).toString(), f.get(i + 1) == null ? "" : f.get(i + 1).toString());
        }
        return m;
    }

    /** XAUTOCLAIM: next cursor and claimed entries (6.2: [cursor, entries]; 7: [cursor, entries, deleted ids]). */
    record AutoClaim(String cursor, List<StreamEntry> entries, List<String> deletedIds) {
    }

    static AutoClaim autoClaim(Response reply) {
        String cursor = reply.get(0).toString();
        List<StreamEntry> entries = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        for (Response e : reply.get(1)) {
            if (e == null) {
                continue;
            }
            Response f = e.size() > 1 ? e.get(1) : null;
            if (f == null) {
                deleted.add(e.get(0).toString()); // 6.2: claimed, but gone from the stream
            } else {
                entries.add(new StreamEntry(e.get(0).toString(), fields(f), 0));
            }
        }
        if (reply.size() > 2 && reply.get(2) != null) {
            for (Response id : reply.get(2)) {
                deleted.add(id.toString());
            }
        }
        return new AutoClaim(cursor, entries, deleted);
    }
}
