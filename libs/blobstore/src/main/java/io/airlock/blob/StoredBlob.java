package io.airlock.blob;

/** A blob now in the store: its address and its size in bytes. */
public record StoredBlob(BlobRef ref, long size) {
}
