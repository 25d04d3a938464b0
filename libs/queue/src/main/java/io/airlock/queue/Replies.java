package io.airlock.queue;

import io.vertx.mutiny.redis.client.Response;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reading stream replies. The connector's own client speaks RESP2 (it never negotiates RESP3), so
 * maps arrive as flat [key, value, ...] arrays. Redis 6.2 and 7 differ in what XAUTOCLAIM returns;
 * see {@link #autoClaimIds}. Every reader tolerates nil where Redis may send one.
 */
final class Replies {
    private Replies() {
    }

    /** Entries that still exist, and ids whose entry was deleted from the stream while pending. */
    record Read(List<StreamEntry> entries, List<String> deletedIds, String lastId) {
        static final Read EMPTY = new Read(List.of(), List.of(), "");

        boolean isEmpty() {
            return entries.isEmpty() && deletedIds.isEmpty();
        }
    }

    /** XREADGROUP: the entries of the one stream asked for; empty on timeout (nil reply). */
    static Read readGroup(Response reply, String stream) {
        if (reply == null) {
            return Read.EMPTY;
        }
        for (Response s : reply) {
            if (s != null && s.size() == 2 && s.get(0) != null && stream.equals(s.get(0).toString())) {
                return entries(s.get(1));
            }
        }
        return Read.EMPTY;
    }

    /**
     * A list of [id, [field, value, ...]] entries. A pending entry deleted from the stream reads as
     * [id, nil] (history reads, XCLAIM on 7) or as a bare nil (XCLAIM on 6.2, whose id is then unknown
     * here: callers compare with the ids they asked for).
     */
    static Read entries(Response list) {
        if (list == null) {
            return Read.EMPTY;
        }
        List<StreamEntry> out = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        String last = "";
        for (Response e : list) {
            if (e == null || e.size() < 1 || e.get(0) == null) {
                continue;
            }
            String id = e.get(0).toString();
            last = id;
            Response f = e.size() > 1 ? e.get(1) : null;
            if (f == null) {
                deleted.add(id);
            } else {
                out.add(new StreamEntry(id, fields(f), 0));
            }
        }
        return new Read(out, deleted, last);
    }

    static Map<String, String> fields(Response f) {
        Map<String, String> m = new LinkedHashMap<>();
        if (f == null) {
            return m;
        }
        for (int i = 0; i + 1 < f.size(); i += 2) {
            if (f.get(i) != null) {
                m.put(f.get(i).toString(), f.get(i + 1) == null ? "" : f.get(i + 1).toString());
            }
        }
        return m;
    }

    /** One page of XAUTOCLAIM ... JUSTID: next cursor, claimed ids, and ids Redis 7 reports deleted. */
    record AutoClaim(String cursor, List<String> ids, List<String> deletedIds) {
    }

    /**
     * XAUTOCLAIM with JUSTID. Redis 6.2 answers [cursor, ids] (an id whose entry was deleted is
     * claimed and listed like any other); Redis 7 answers [cursor, ids, deleted-ids] and has already
     * dropped the deleted ones from the pending list.
     */
    static AutoClaim autoClaimIds(Response reply) {
        if (reply == null || reply.size() < 2 || reply.get(0) == null) {
            throw new IllegalStateException("unexpected XAUTOCLAIM reply: " + reply);
        }
        return new AutoClaim(reply.get(0).toString(), ids(reply.get(1)), reply.size() > 2 ? ids(reply.get(2)) : List.of());
    }

    private static List<String> ids(Response list) {
        List<String> out = new ArrayList<>();
        if (list != null) {
            for (Response id : list) {
                if (id != null) {
                    out.add(id.toString());
                }
            }
        }
        return out;
    }

    /** XPENDING stream group id id 1: the entry's delivery count, empty when it is no longer pending. */
    static OptionalLong deliveryCount(Response reply) {
        if (reply == null || reply.size() == 0 || reply.get(0) == null || reply.get(0).size() < 4) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(reply.get(0).get(3).toLong());
    }

    /** XPENDING stream group (summary form): the number of pending entries. */
    static long pendingCount(Response reply) {
        return reply == null || reply.size() == 0 || reply.get(0) == null ? 0 : reply.get(0).toLong();
    }

    /** XINFO GROUPS: the group's {@code lag}, which Redis 6.2 never reports and 7 reports as nil when it cannot count. */
    static OptionalLong lag(Response groups, String group) {
        return groupInfo(groups, group)
                .map(g -> g.get("lag"))
                .filter(v -> v != null && !v.isBlank())
                .map(v -> OptionalLong.of(Long.parseLong(v)))
                .orElse(OptionalLong.empty());
    }

    private static Optional<Map<String, String>> groupInfo(Response groups, String group) {
        if (groups == null) {
            return Optional.empty();
        }
        for (Response g : groups) {
            Map<String, String> info = new LinkedHashMap<>();
            for (int i = 0; g != null && i + 1 < g.size(); i += 2) {
                Response v = g.get(i + 1);
                info.put(String.valueOf(g.get(i)), v == null ? null : v.toString());
            }
            if (group.equals(info.get("name"))) {
                return Optional.of(info);
            }
        }
        return Optional.empty();
    }
}
