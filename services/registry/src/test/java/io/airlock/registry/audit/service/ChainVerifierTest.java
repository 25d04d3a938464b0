package io.airlock.registry.audit.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The chain's hashing and verification as pure functions: every kind of tampering is found, at the right seq. */
class ChainVerifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ChainHasher PLAIN = new ChainHasher(Optional.empty());
    private static final ChainHasher KEYED = new ChainHasher(Optional.of("0123456789abcdef0123456789abcdef"));

    @Test
    void anIntactChainVerifiesAgainstItsHead() {
        List<AuditEntry> chain = chain(PLAIN, 5);
        ChainReport r = verify(PLAIN, chain, 5, chain.get(4).entryHash());
        assertThat(r.ok()).isTrue();
        assertThat(r.checked()).isEqualTo(5);
        assertThat(r.lastSeq()).isEqualTo(5);
        assertThat(r.brokenSeq()).isNull();
        assertThat(chain.get(0).prevHash()).isEqualTo(ChainHasher.GENESIS);
    }

    @Test
    void anEditedEntryIsFoundAtItsSeq() {
        List<AuditEntry> chain = chain(PLAIN, 5);
        AuditEntry e = chain.get(2);
        ObjectNode details = ((ObjectNode) e.details()).deepCopy().put("to", "promoted");
        chain.set(2, new AuditEntry(e.seq(), e.at(), e.actor(), e.action(), e.subject(), details, e.alg(), e.prevHash(),
                e.entryHash()));
        ChainReport r = verify(PLAIN, chain, 5, chain.get(4).entryHash());
        assertThat(r.ok()).isFalse();
        assertThat(r.brokenSeq()).isEqualTo(3);
        assertThat(r.reason()).contains("edited");
    }

    @Test
    void anEditWithARecomputedHashIsFoundAtTheNextEntry() {
        List<AuditEntry> chain = chain(PLAIN, 5);
        AuditEntry e = chain.get(2);
        AuditEntry forged = new AuditEntry(e.seq(), e.at(), "someone else", e.action(), e.subject(), e.details(),
                e.alg(), e.prevHash(), "");
        chain.set(2, forged.withHash(PLAIN.hash(forged)));
        ChainReport r = verify(PLAIN, chain, 5, chain.get(4).entryHash());
        assertThat(r.brokenSeq()).isEqualTo(4);
        assertThat(r.reason()).contains("prev_hash of entry 4");
    }

    @Test
    void aRemovedEntryIsFoundAsAHoleAndARemovedTailAgainstTheHead() {
        List<AuditEntry> chain = chain(PLAIN, 5);
        String head = chain.get(4).entryHash();
        List<AuditEntry> holed = new ArrayList<>(chain);
        holed.remove(1);
        ChainReport r = verify(PLAIN, holed, 5, head);
        assertThat(r.brokenSeq()).isEqualTo(2);
        assertThat(r.reason()).contains("entry 2 is missing");

        ChainReport tail = verify(PLAIN, chain.subList(0, 3), 5, head);
        assertThat(tail.ok()).isFalse();
        assertThat(tail.brokenSeq()).isEqualTo(4);
        assertThat(tail.reason()).contains("4..5 are missing");
    }

    @Test
    void reorderedEntriesAreFound() {
        List<AuditEntry> chain = chain(PLAIN, 5);
        AuditEntry a = chain.get(1);
        AuditEntry b = chain.get(2);
        // swap their seq numbers (and so their order), keeping everything else
        List<AuditEntry> swapped = new ArrayList<>(chain);
        swapped.set(1, new AuditEntry(2, b.at(), b.actor(), b.action(), b.subject(), b.details(), b.alg(), b.prevHash(),
                b.entryHash()));
        swapped.set(2, new AuditEntry(3, a.at(), a.actor(), a.action(), a.subject(), a.details(), a.alg(), a.prevHash(),
                a.entryHash()));
        ChainReport r = verify(PLAIN, swapped, 5, chain.get(4).entryHash());
        assertThat(r.brokenSeq()).isEqualTo(2);
    }

    @Test
    void anEntryAppendedBehindTheHeadsBackIsFound() {
        List<AuditEntry> chain = chain(PLAIN, 4);
        ChainReport r = verify(PLAIN, chain, 3, chain.get(2).entryHash());
        assertThat(r.brokenSeq()).isEqualTo(4);
        assertThat(r.reason()).contains("beyond the chain head");
    }

    @Test
    void aKeyedChainNeedsTheKeyAndRefusesADowngrade() {
        List<AuditEntry> chain = chain(KEYED, 3);
        assertThat(chain).extracting(AuditEntry::alg).containsOnly(ChainHasher.HMAC_SHA256);
        assertThat(verify(KEYED, chain, 3, chain.get(2).entryHash()).ok()).isTrue();
        // without the key, or with another one, nothing verifies
        assertThat(verify(PLAIN, chain, 3, chain.get(2).entryHash()).reason()).contains("no airlock.audit.hmac-key");
        ChainHasher wrong = new ChainHasher(Optional.of("another key, same length........"));
        assertThat(verify(wrong, chain, 3, chain.get(2).entryHash()).brokenSeq()).isEqualTo(1);
        // an attacker without the key rewrites entry 3 as plain SHA-256
        AuditEntry e = chain.get(2);
        AuditEntry plain = new AuditEntry(e.seq(), e.at(), "attacker", e.action(), e.subject(), e.details(),
                ChainHasher.SHA256, e.prevHash(), "");
        chain.set(2, plain.withHash(PLAIN.hash(plain)));
        ChainReport r = verify(KEYED, chain, 3, chain.get(2).entryHash());
        assertThat(r.brokenSeq()).isEqualTo(3);
        assertThat(r.reason()).contains("downgraded");
    }

    @Test
    void theHashDoesNotDependOnHowPostgresqlPrintsTheJson() throws Exception {
        AuditEntry e = chain(PLAIN, 1).get(0);
        // jsonb reorders keys (shorter first) and puts spaces after ':' and ','
        JsonNode reprinted = JSON.readTree("{\"to\": \"queued\", \"from\": \"received\", \"note\": \"a\\nb \\u0001 é\"}");
        AuditEntry again = new AuditEntry(e.seq(), e.at(), e.actor(), e.action(), e.subject(), reprinted, e.alg(),
                e.prevHash(), "");
        assertThat(PLAIN.hash(again)).isEqualTo(e.entryHash());
        assertThat(new String(ChainHasher.canonical(e), java.nio.charset.StandardCharsets.UTF_8))
                .startsWith("{\"action\":\"submission.transition\",\"actor\":\"tests\",\"alg\":\"sha256\",\"at\":\"")
                .contains("\"details\":{\"from\":\"received\",\"note\":\"a\\nb \\u0001 é\",\"to\":\"queued\"}");
        // a value whose type changed is a change
        JsonNode numeric = JSON.readTree("{\"to\": \"queued\", \"from\": \"received\", \"note\": 5}");
        assertThat(PLAIN.hash(new AuditEntry(e.seq(), e.at(), e.actor(), e.action(), e.subject(), numeric, e.alg(),
                e.prevHash(), ""))).isNotEqualTo(e.entryHash());
    }

    @Test
    void textIsCleanedToWhatPostgresqlStores() {
        assertThat(Canonical.clean("a\u0000b")).isEqualTo("a\uFFFDb");
        assertThat(Canonical.clean("x\uD800")).isEqualTo("x\uFFFD");
        assertThat(Canonical.clean("\uD83D\uDE00 ok")).isEqualTo("\uD83D\uDE00 ok");
        assertThat(Canonical.clean((String) null)).isEmpty();
    }

    private static List<AuditEntry> chain(ChainHasher hasher, int n) {
        List<AuditEntry> out = new ArrayList<>();
        String prev = ChainHasher.GENESIS;
        Instant at = Instant.parse("2026-11-24T10:00:00.123456Z").truncatedTo(ChronoUnit.MICROS);
        for (int i = 1; i <= n; i++) {
            ObjectNode details = JSON.createObjectNode().put("from", "received").put("to", "queued")
                    .put("note", "a\nb \u0001 é");
            AuditEntry e = new AuditEntry(i, at.plusSeconds(i), "tests", "submission.transition", "submission/s" + i,
                    details, hasher.alg(), prev, "");
            e = e.withHash(hasher.hash(e));
            out.add(e);
            prev = e.entryHash();
        }
        return out;
    }

    private static ChainReport verify(ChainHasher hasher, List<AuditEntry> entries, long headSeq, String headHash) {
        ChainVerifier v = new ChainVerifier(hasher, 1, ChainHasher.GENESIS);
        for (AuditEntry e : entries) {
            if (!v.accept(e)) {
                break;
            }
        }
        return v.report(headSeq, headHash, true);
    }
}
