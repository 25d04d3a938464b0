package io.airlock.support;

import io.airlock.blob.BlobStore;
import io.airlock.blob.BlobStoreException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.nio.file.Files;

/** Ready only while the blob store's directory is there, writable and not full. */
@Readiness
@ApplicationScoped
public class BlobStoreHealth implements HealthCheck {
    @Inject
    BlobStore store;

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("blob-store");
        if (!Files.isDirectory(store.uploadsDirectory()) || !Files.isWritable(store.uploadsDirectory())) {
            return b.down().withData("reason", "uploads directory missing or not writable").build();
        }
        try {
            store.requireSpace(0);
            return b.up().build();
        } catch (BlobStoreException e) {
            return b.down().withData("reason", e.getMessage()).build();
        }
    }
}
