package io.airlock.registry.audit.service;

/**
 * The result of verifying the audit chain.
 *
 * @param ok        no break found in the checked stretch
 * @param from      first seq checked
 * @param checked   entries that verified
 * @param lastSeq   last seq that verified ({@code from - 1} when none)
 * @param headSeq   where the chain head says the chain ends
 * @param headHash  the head's hash: record it elsewhere to anchor the chain against a full rewrite
 * @param brokenSeq the first broken seq, null when ok
 * @param reason    why it is broken, empty when ok
 * @param alg       the algorithm new entries get
 * @param keyed     whether an HMAC key is configured
 */
public record ChainReport(boolean ok, long from, long checked, long lastSeq, long headSeq, String headHash,
                          Long brokenSeq, String reason, String alg, boolean keyed) {
}
