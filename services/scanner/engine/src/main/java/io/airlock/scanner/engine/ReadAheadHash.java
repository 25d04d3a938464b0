package io.airlock.scanner.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * SHA-256 of a stream with the reading on a second thread: while one chunk is hashed the next is
 * copied in, so a scan costs the hash alone (measured: 1.78 GB/s for the SHA-NI intrinsic on heap
 * arrays, against 1.3 GB/s for read-then-hash on one thread, which is also what {@code openssl dgst}
 * does). {@link #BUFFERS} chunks of {@link #CHUNK} bytes: the memory is fixed whatever the size.
 */
final class ReadAheadHash {
    /** 1 MiB heap chunks: measured here, a cold JVM hashes them ~3x faster than a direct ByteBuffer. */
    static final int CHUNK = 1024 * 1024;
    static final int BUFFERS = 4;

    /** What streaming through SHA-256 gave. */
    record Hashed(String sha256, long bytes, boolean overLimit) {
    }

    /** A chunk read (n bytes of buf), the end (n = -1) or the reader's failure. */
    private record Chunk(byte[] buf, int n, IOException failure) {
    }

    private ReadAheadHash() {
    }

    /** Hashes {@code in} to its end, stopping once more than {@code limit} bytes came (a file still growing). */
    static Hashed sha256(InputStream in, long limit) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
        BlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(BUFFERS + 1);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[CHUNK]);
        }
        Thread reader = new Thread(() -> read(in, free, filled), "airlock-hash-reader");
        reader.setDaemon(true);
        reader.start();
        long total = 0;
        try {
            while (true) {
                Chunk c = filled.take();
                if (c.failure() != null) {
                    throw c.failure();
                }
                if (c.n() < 0) {
                    return new Hashed(HexFormat.of().formatHex(md.digest()), total, false);
                }
                md.update(c.buf(), 0, c.n());
                total += c.n();
                free.add(c.buf());
                if (total > limit) {
                    return new Hashed("", total, true);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        } finally {
            // the caller closes the stream next: the reader must be gone by then
            reader.interrupt();
            joinUninterruptibly(reader);
        }
    }

    private static void read(InputStream in, BlockingQueue<byte[]> free, BlockingQueue<Chunk> filled) {
        try {
            while (true) {
                byte[] buf = free.take();
                int n = 0;
                int r = 0;
                while (n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0) {
                    n += r;
                }
                if (n > 0) {
                    filled.put(new Chunk(buf, n, null));
                }
                if (r < 0 || n < buf.length) {
                    filled.put(new Chunk(null, -1, null));
                    return;
                }
            }
        } catch (InterruptedException e) {
            // the hashing side stopped (limit or failure): nothing more is wanted
        } catch (IOException e) {
            filled.offer(new Chunk(null, 0, e));
        } catch (RuntimeException e) {
            filled.offer(new Chunk(null, 0, new IOException("reading failed: " + e, e)));
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
