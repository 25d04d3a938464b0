package io.airlock.blob;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A content-addressed, write-once store for artifact bytes. Bytes are hashed as they arrive and
 * land under their SHA-256; once there they never change. Callers pass {@link BlobRef}s around,
 * never bytes.
 */
public interface BlobStore {

    /**
     * Streams {@code in} into the store, hashing as it goes. At most {@code maxBytes} are accepted:
     * one more byte aborts the write and leaves nothing behind.
     */
    StoredBlob put(InputStream in, long maxBytes) throws IOException;

    /**
     * Moves a file that already sits on the store's file system (an upload the HTTP layer spooled
     * into {@link #uploadsDirectory()}) into the store under its digest. The file is consumed.
     */
    StoredBlob adopt(Path file, long maxBytes) throws IOException;

    /**
     * {@link #adopt(Path, long)}, also handing back the whole content when it is at most
     * {@code keepUpTo} bytes, read in the same pass that hashes it: a caller that needs a small
     * artifact's bytes (a kernel sent inline to the guard) does not read the blob a second time.
     */
    Adopted adopt(Path file, long maxBytes, int keepUpTo) throws IOException;

    /** An adopted blob, with its content when it was small enough to keep ({@code content} empty otherwise). */
    record Adopted(StoredBlob blob, java.util.Optional<byte[]> content) {
    }

    /** Whether the blob exists. */
    boolean exists(BlobRef ref);

    /** Size of the blob in bytes. */
    long size(BlobRef ref) throws IOException;

    /** A read-only path to the blob, for readers that need random access (parsers). */
    Path path(BlobRef ref) throws IOException;

    /** Opens the blob for sequential reading. */
    InputStream open(BlobRef ref) throws IOException;

    /** Where the HTTP layer may spool uploads so that {@link #adopt} is a rename, not a copy. */
    Path uploadsDirectory();

    /** Throws {@link BlobStoreException.InsufficientStorage} when the store cannot take {@code expectedBytes} more. */
    void requireSpace(long expectedBytes) throws BlobStoreException;
}
