package io.airlock.registry.model.service;

import io.airlock.blob.BlobRef;
import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Re-computes a blob's SHA-256 from the blob store before a promotion commits, so what is promoted
 * is what was scanned, whatever happened to the bytes on the shared volume in between.
 */
@ApplicationScoped
public class BlobVerifier {
    /** 1 MiB heap buffers: the SHA-NI intrinsic is fastest on byte[] (docs/BENCHMARKS.md). */
    private static final int CHUNK = 1 << 20;

    @Inject
    BlobStore store;

    /**
     * Hashes the blob on a worker thread (a multi-GB model takes seconds; the event loop must not
     * wait on it) and emits the result back on the caller's Vert.x context, where Hibernate Reactive
     * needs the next step to run.
     *
     * @param expectedSha256 the digest the submitter pinned, empty when none
     */
    public Uni<BlobCheck> verify(String blob, String sha256, long size, String expectedSha256) {
        return Uni.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            Uni<BlobCheck> work = Uni.createFrom().item(() -> check(blob, sha256, size, expectedSha256))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
            return caller == null ? work : work.emitOn(task -> caller.runOnContext(x -> task.run()));
        });
    }

    BlobCheck check(String blob, String sha256, long size, String expectedSha256) {
        if (!expectedSha256.isEmpty() && !expectedSha256.equalsIgnoreCase(sha256)
                && !expectedSha256.equalsIgnoreCase("sha256:" + sha256)) {
            return BlobCheck.refused("", -1, "the artifact's sha256 " + sha256
                    + " is not the digest the submitter pinned (" + expectedSha256 + ")");
        }
        long t0 = System.nanoTime();
        BlobRef ref = BlobRef.parse(blob);
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
        long read = 0;
        // fail closed: bytes the registry cannot read are bytes it cannot vouch for
        try (InputStream in = store.open(ref)) {
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                read += n;
            }
        } catch (BlobStoreException.NotFound e) {
            return BlobCheck.refused("", -1, "blob " + blob + " is missing from the blob store");
        } catch (IOException e) {
            return BlobCheck.refused("", -1, "blob " + blob + " could not be read: " + e.getMessage());
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        Log.infof("blob=%s re-hashed for promotion: %d bytes in %d ms", blob, read, (System.nanoTime() - t0) / 1_000_000);
        if (!actual.equals(sha256)) {
            return BlobCheck.refused(actual, read, "blob " + blob + " hashes to sha256:" + actual
                    + ", not the recorded sha256:" + sha256);
        }
        if (read != size) {
            return BlobCheck.refused(actual, read, "blob " + blob + " holds " + read + " bytes, not the recorded " + size);
        }
        return BlobCheck.ok(actual, read);
    }
}
