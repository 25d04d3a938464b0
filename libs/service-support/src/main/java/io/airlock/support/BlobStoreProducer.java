package io.airlock.support;

import io.airlock.blob.BlobStore;
import io.airlock.blob.FileSystemBlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The blob store every service shares: a directory on a shared volume, configured by {@code airlock.blob.*}. */
@ApplicationScoped
public class BlobStoreProducer {

    @Produces
    @ApplicationScoped
    BlobStore blobStore(@ConfigProperty(name = "airlock.blob.root", defaultValue = "data/blobs") Path root,
                        @ConfigProperty(name = "airlock.blob.min-free-bytes", defaultValue = "268435456") long minFree) {
        try {
            return new FileSystemBlobStore(root, minFree);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open blob store at " + root, e);
        }
    }
}
