package io.airlock.registry.audit.service;

/**
 * Re-walks a stretch of the chain, entry by entry in seq order, and stops at the first break:
 * a missing seq (a removed entry), a prev_hash that is not the previous entry's hash (removed,
 * inserted or reordered entries), a hash that does not match the entry's content (an edit), or an
 * unkeyed entry after keyed ones (a downgrade). Pure: feed it entries, then ask for the report.
 */
public final class ChainVerifier {
    private final ChainHasher hasher;
    private final long from;
    private long expectedSeq;
    private String expectedPrev;
    private long checked;
    private boolean keyedSeen;
    private Long brokenSeq;
    private String reason;

    /**
     * @param from   the first seq to check
     * @param anchor the entry hash of entry {@code from - 1}, taken as given ({@link ChainHasher#GENESIS} for 1)
     */
    public ChainVerifier(ChainHasher hasher, long from, String anchor) {
        this.hasher = hasher;
        this.from = from;
        this.expectedSeq = from;
        this.expectedPrev = anchor;
    }

    /** Checks the next entry; false once the chain is broken (later entries are not looked at). */
    public boolean accept(AuditEntry e) {
        if (broken()) {
            return false;
        }
        if (e.seq() != expectedSeq) {
            return fail(expectedSeq, e.seq() > expectedSeq
                    ? "entry " + expectedSeq + " is missing (next entry is " + e.seq() + ")"
                    : "entry " + e.seq() + " is out of order (expected " + expectedSeq + ")");
        }
        if (!e.prevHash().equals(expectedPrev)) {
            return fail(e.seq(), "prev_hash of entry " + e.seq() + " is not the hash of entry " + (e.seq() - 1)
                    + ": an entry before it was removed, inserted, edited or reordered");
        }
        if (keyedSeen && ChainHasher.SHA256.equals(e.alg())) {
            return fail(e.seq(), "entry " + e.seq() + " is unkeyed after keyed entries (downgraded)");
        }
        String recomputed;
        try {
            recomputed = hasher.hash(e);
        } catch (IllegalStateException ex) {
            return fail(e.seq(), ex.getMessage());
        }
        if (!recomputed.equals(e.entryHash())) {
            return fail(e.seq(), "entry " + e.seq() + " does not match its hash: it was edited");
        }
        keyedSeen |= ChainHasher.HMAC_SHA256.equals(e.alg());
        expectedPrev = e.entryHash();
        expectedSeq++;
        checked++;
        return true;
    }

    /**
     * The report. With {@code head} (when the check ran to the end of the chain), the last entry must
     * be the head's: a chain that stops short of it lost its tail.
     */
    public ChainReport report(long headSeq, String headHash, boolean checkHead) {
        if (!broken() && checkHead) {
            long last = expectedSeq - 1;
            if (last < headSeq) {
                fail(last + 1, "entries " + (last + 1) + ".." + headSeq + " are missing (the chain head is at "
                        + headSeq + ")");
            } else if (last > headSeq) {
                fail(headSeq + 1, "entry " + (headSeq + 1) + " lies beyond the chain head (" + headSeq
                        + "): appended outside the registry");
            } else if (headSeq > 0 && !expectedPrev.equals(headHash)) {
                fail(headSeq, "the chain head's hash is not the hash of entry " + headSeq);
            }
        }
        return new ChainReport(!broken(), from, checked, expectedSeq - 1, headSeq, headHash, brokenSeq,
                broken() ? reason : "", hasher.alg(), hasher.keyed());
    }

    public boolean broken() {
        return brokenSeq != null;
    }

    private boolean fail(long seq, String why) {
        brokenSeq = seq;
        reason = why;
        return false;
    }
}
