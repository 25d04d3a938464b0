package io.airlock.blob;

import java.io.IOException;

/** Anything the blob store could not do. The subclasses are the cases callers answer differently. */
public class BlobStoreException extends IOException {
    public BlobStoreException(String message) {
        super(message);
    }

    public BlobStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** More bytes arrived than the limit allows; nothing was kept. */
    public static final class TooLarge extends BlobStoreException {
        private final long limit;

        public TooLarge(long limit) {
            super("artifact exceeds the size limit of " + limit + " bytes");
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    /** The store's disk is (nearly) full; nothing was kept. Callers answer 503, not 500. */
    public static final class InsufficientStorage extends BlobStoreException {
        public InsufficientStorage(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The address names no blob. */
    public static final class NotFound extends BlobStoreException {
        public NotFound(BlobRef ref) {
            super("no blob " + ref.uri());
        }
    }
}
