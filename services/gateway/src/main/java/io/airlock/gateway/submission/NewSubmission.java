package io.airlock.gateway.submission;

import io.airlock.contracts.Kind;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A validated upload, its bytes still in the HTTP layer's spool file; {@code submitter} is the token's subject;
 * {@code task} is the kernel task version the submission pins (looked up at the registry), absent when none.
 */
public record NewSubmission(Kind kind, String name, String filename, Path upload, String sourceUrl,
                            String expectedSha256, String claimedFormat, Optional<Path> signature,
                            String submitter, Optional<PinnedTask> task) {

    /** A task's name and the digest of the version a submission is judged against. */
    public record PinnedTask(String name, String digest) {
    }
}
