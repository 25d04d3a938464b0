package io.airlock.registry.audit.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.registry.audit.repository.AuditEntryEntity;
import io.airlock.registry.audit.repository.AuditHeadRepository;
import io.airlock.registry.audit.repository.AuditRepository;
import io.airlock.registry.common.RegistryException;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The audit log: appends (inside the caller's transaction, so an entry exists exactly when the
 * decision it records was committed), pages of entries, and verification of the chain.
 */
@ApplicationScoped
public class AuditLog {
    /** Entries read per query while verifying. */
    static final int VERIFY_BATCH = 1000;

    @Inject
    AuditRepository entries;
    @Inject
    AuditHeadRepository heads;
    @Inject
    AuditConfig config;
    @Inject
    ObjectMapper json;

    private ChainHasher hasher;

    @PostConstruct
    void init() {
        hasher = new ChainHasher(config.hmacKey());
    }

    /**
     * Appends one entry. Must run inside the caller's transaction: it locks the chain head, which the
     * transaction then holds until it commits, so call it as the transaction's last read.
     */
    public Uni<AuditEntry> append(String actor, String action, String subject, Map<String, String> details) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        Canonical.clean(details).forEach(d::put);
        return heads.lockHead().flatMap(head -> {
            // taken under the lock, so entry times follow seq order (on one clock)
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            AuditEntry e = new AuditEntry(head.seq + 1, now, Canonical.clean(actor), Canonical.clean(action),
                    Canonical.clean(subject), d, hasher.alg(), head.entryHash, "");
            e = e.withHash(hasher.hash(e));
            // the managed head row: written at commit, together with the entry
            head.seq = e.seq();
            head.entryHash = e.entryHash();
            return entries.persist(entity(e)).replaceWith(e);
        });
    }

    /** A page of entries in seq order. */
    @WithSession
    public Uni<AuditPage> list(AuditQuery q) {
        var filter = new AuditRepository.Filter(q.after(), q.since(), q.subject(), q.action());
        return entries.page(filter, q.limit()).map(rows -> {
            List<AuditEntry> items = rows.stream().map(this::entry).toList();
            OptionalLong next = items.size() < q.limit() ? OptionalLong.empty()
                    : OptionalLong.of(items.get(items.size() - 1).seq());
            return new AuditPage(q.limit(), items, next);
        });
    }

    /**
     * Recomputes the chain from {@code from} to {@code to} (inclusive; null: to the end, checked
     * against the head) and reports the first broken seq. Entry {@code from - 1}'s hash is taken as
     * the anchor; only a check from 1 proves the whole chain.
     */
    @WithSession
    public Uni<ChainReport> verify(long from, Long to) {
        if (from < 1) {
            throw RegistryException.invalid("from must be >= 1, got " + from);
        }
        if (to != null && to < from) {
            throw RegistryException.invalid("to must be >= from, got " + to);
        }
        return heads.head().flatMap(head -> {
            long headSeq = head.seq;
            String headHash = head.entryHash;
            // entries beyond the head are read too when checking to the end: they were not appended by us
            long last = to == null ? Long.MAX_VALUE : to;
            boolean checkHead = to == null || to >= headSeq;
            Uni<String> anchor = from == 1 ? Uni.createFrom().item(ChainHasher.GENESIS)
                    : entries.findById(from - 1).map(e -> e == null ? null : e.entryHash);
            return anchor.flatMap(a -> {
                if (a == null) {
                    return Uni.createFrom().item(new ChainReport(false, from, 0, from - 1, headSeq, headHash, from - 1,
                            "entry " + (from - 1) + ", the anchor of this check, is missing", hasher.alg(),
                            hasher.keyed()));
                }
                ChainVerifier v = new ChainVerifier(hasher, from, a);
                return walk(v, from, last).map(x -> v.report(headSeq, headHash, checkHead));
            });
        });
    }

    /** Feeds entries {@code next..last} to the verifier in keyset pages, stopping at the first break. */
    private Uni<Void> walk(ChainVerifier v, long next, long last) {
        return entries.range(next, last, VERIFY_BATCH).flatMap(rows -> {
            for (AuditEntryEntity row : rows) {
                if (!v.accept(entry(row))) {
                    return Uni.createFrom().voidItem();
                }
            }
            if (rows.size() < VERIFY_BATCH) {
                return Uni.createFrom().voidItem();
            }
            return walk(v, rows.get(rows.size() - 1).seq + 1, last);
        });
    }

    private AuditEntryEntity entity(AuditEntry e) {
        AuditEntryEntity row = new AuditEntryEntity();
        row.seq = e.seq();
        row.at = e.at();
        row.actor = e.actor();
        row.action = e.action();
        row.subject = e.subject();
        try {
            row.details = json.writeValueAsString(e.details());
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
        row.hashAlg = e.alg();
        row.prevHash = e.prevHash();
        row.entryHash = e.entryHash();
        return row;
    }

    private AuditEntry entry(AuditEntryEntity row) {
        JsonNode details;
        try {
            details = json.readTree(row.details);
        } catch (JsonProcessingException ex) {
            // jsonb always parses; keep the verifier going to report the entry rather than crash
            details = JsonNodeFactory.instance.textNode(row.details);
        }
        return new AuditEntry(row.seq, row.at, row.actor, row.action, row.subject, details, row.hashAlg,
                row.prevHash, row.entryHash);
    }
}
