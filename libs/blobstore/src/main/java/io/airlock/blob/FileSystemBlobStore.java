package io.airlock.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link BlobStore} on a local or shared file system (a volume in Kubernetes).
 *
 * <pre>
 * root/
 *   staging/   bytes still arriving, named by a random id; never read by anyone else
 *   uploads/   files spooled by the HTTP layer, adopted by rename
 *   sha256/ab/abcdef...   immutable blobs (read-only), two-level fan-out
 * </pre>
 *
 * Writes go to staging first and are renamed into place only once complete and hashed, so a
 * reader never sees a partial blob and a crash leaves only staging debris, never a wrong blob.
 */
public final class FileSystemBlobStore implements BlobStore {
    /** 1 MiB heap buffers: the SHA-NI intrinsic kicks in quickly on byte[] (measured, see docs/BENCHMARKS.md). */
    private static final int CHUNK = 1 << 20;

    private final Path root;
    private final Path staging;
    private final Path uploads;
    private final long minFreeBytes;

    /**
     * @param minFreeBytes the store refuses new bytes when less than this would remain free, so a
     *                     full disk is answered as "try later" before a write fails half-way
     */
    public FileSystemBlobStore(Path root, long minFreeBytes) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.staging = Files.createDirectories(this.root.resolve("staging"));
        this.uploads = Files.createDirectories(this.root.resolve("uploads"));
        Files.createDirectories(this.root.resolve("sha256"));
        this.minFreeBytes = minFreeBytes;
    }

    public Path root() {
        return root;
    }

    @Override
    public Path uploadsDirectory() {
        return uploads;
    }

    @Override
    public void requireSpace(long expectedBytes) throws BlobStoreException {
        long usable;
        try {
            usable = Files.getFileStore(root).getUsableSpace();
        } catch (IOException e) {
            throw new BlobStoreException.InsufficientStorage("cannot read free space of " + root, e);
        }
        if (usable - Math.max(0, expectedBytes) < minFreeBytes) {
            throw new BlobStoreException.InsufficientStorage(
                    "blob store has " + usable + " bytes free, needs " + expectedBytes + " + reserve " + minFreeBytes, null);
        }
    }

    @Override
    public StoredBlob put(InputStream in, long maxBytes) throws IOException {
        requireSpace(0);
        Path tmp = staging.resolve(UUID.randomUUID() + ".part");
        try {
            MessageDigest sha = sha256();
            long total = 0;
            byte[] buf = new byte[CHUNK];
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (total > maxBytes) {
                        throw new BlobStoreException.TooLarge(maxBytes);
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            return place(tmp, HexFormat.of().formatHex(sha.digest()), total);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw translate(e);
        }
    }

    @Override
    public StoredBlob adopt(Path file, long maxBytes) throws IOException {
        return adopt(file, maxBytes, 0).blob();
    }

    @Override
    public Adopted adopt(Path file, long maxBytes, int keepUpTo) throws IOException {
        Path tmp = staging.resolve(UUID.randomUUID() + ".part");
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new BlobStoreException.TooLarge(maxBytes);
            }
            moveAtomically(file, tmp);
            // hash after the move: the file is now ours alone, nobody can change it under us
            MessageDigest sha = sha256();
            byte[] kept = new byte[(int) Math.min(size, Math.max(0, keepUpTo))];
            long total = digest(tmp, sha, kept);
            Optional<byte[]> content = total <= keepUpTo && total == kept.length ? Optional.of(kept) : Optional.empty();
            return new Adopted(place(tmp, HexFormat.of().formatHex(sha.digest()), total), content);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(file);
            throw translate(e);
        }
    }

    private StoredBlob place(Path tmp, String digest, long size) throws IOException {
        BlobRef ref = new BlobRef(digest);
        Path target = location(ref);
        Files.createDirectories(target.getParent());
        if (Files.exists(target)) {
            // same bytes already stored: content addressing makes this a no-op
            Files.delete(tmp);
            return new StoredBlob(ref, size);
        }
        tmp.toFile().setReadOnly();
        try {
            moveAtomically(tmp, target);
        } catch (FileAlreadyExistsException raced) {
            Files.deleteIfExists(tmp);
        }
        return new StoredBlob(ref, size);
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // different file systems: copy into a sibling of the target, then rename
            Path sibling = to.resolveSibling(to.getFileName() + "." + UUID.randomUUID() + ".part");
            Files.copy(from, sibling);
            Files.move(sibling, to, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(from);
        }
    }

    @Override
    public boolean exists(BlobRef ref) {
        return Files.isRegularFile(location(ref));
    }

    @Override
    public long size(BlobRef ref) throws IOException {
        return Files.size(path(ref));
    }

    @Override
    public Path path(BlobRef ref) throws IOException {
        Path p = location(ref);
        if (!Files.isRegularFile(p)) {
            throw new BlobStoreException.NotFound(ref);
        }
        return p;
    }

    @Override
    public InputStream open(BlobRef ref) throws IOException {
        try {
            return Files.newInputStream(path(ref));
        } catch (NoSuchFileException e) {
            throw new BlobStoreException.NotFound(ref);
        }
    }

    private Path location(BlobRef ref) {
        String h = ref.sha256();
        return root.resolve("sha256").resolve(h.substring(0, 2)).resolve(h);
    }

    /** Streaming SHA-256 of a file in 1 MiB chunks. */
    public static String hash(Path file) throws IOException {
        MessageDigest sha = sha256();
        digest(file, sha, new byte[0]);
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Feeds the file to {@code sha} in 1 MiB chunks, copying its first bytes into {@code head}; returns its length. */
    private static long digest(Path file, MessageDigest sha, byte[] head) throws IOException {
        byte[] buf = new byte[CHUNK];
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (total < head.length) {
                    System.arraycopy(buf, 0, head, (int) total, (int) Math.min(n, head.length - total));
                }
                sha.update(buf, 0, n);
                total += n;
            }
        }
        return total;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static IOException translate(IOException e) {
        if (e instanceof BlobStoreException) {
            return e;
        }
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("No space left") || msg.contains("Disk quota exceeded")) {
            return new BlobStoreException.InsufficientStorage("blob store is full: " + msg, e);
        }
        return e;
    }
}
