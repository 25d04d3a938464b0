package io.airlock.scanner.engine.analysis;

import io.airlock.formats.ByteSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Random access to an archive member that is only available as a stream, for the validators that
 * need it. Two shapes: a {@link #prefix} in memory (a safetensors or GGUF header: the validators
 * read the header and check every offset against the member's declared size, never its data) and
 * a {@link #whole} member (an ONNX graph or a .keras archive), in memory up to a bound and past it
 * in a private temporary file (the quarantine), deleted on close.
 */
final class MemberBytes implements AutoCloseable {
    /** A read past the prefix that was kept: the check needed more than was spooled. */
    static final class BeyondPrefix extends IOException {
        BeyondPrefix(long pos, long kept) {
            super("read at offset " + pos + " past the " + kept + " bytes kept in memory");
        }
    }

    private final ByteSource source;
    private final Path file;
    private final FileChannel channel;

    private MemberBytes(ByteSource source, Path file, FileChannel channel) {
        this.source = source;
        this.file = file;
        this.channel = channel;
    }

    ByteSource source() {
        return source;
    }

    /**
     * The first {@code keep} bytes of a member of {@code size} bytes, read from {@code in}; reads
     * past them throw {@link BeyondPrefix}. {@code keep} is the caller's bounded choice.
     */
    static MemberBytes prefix(InputStream in, long size, int keep) throws IOException {
        byte[] b = StaticScan.readHead(in, (int) Math.min(keep, size));
        long declared = size;
        return new MemberBytes(new ByteSource() {
            @Override
            public long size() {
                return declared;
            }

            @Override
            public long readable() {
                return declared;
            }

            @Override
            public int read(long pos, byte[] dst, int off, int len) throws IOException {
                if (pos >= declared || len == 0) {
                    return 0;
                }
                if (pos >= b.length) {
                    throw new BeyondPrefix(pos, b.length);
                }
                int n = (int) Math.min(len, b.length - pos);
                System.arraycopy(b, (int) pos, dst, off, n);
                return n;
            }
        }, null, null);
    }

    /**
     * The whole member: in memory when it is at most {@code memoryBound} bytes, else copied into a
     * temporary file readable by this process's user only. A member that ends before its declared
     * size is held as what arrived (the archive rules report the truncation).
     */
    static MemberBytes whole(InputStream in, long size, long memoryBound) throws IOException {
        if (size <= memoryBound) {
            return new MemberBytes(ByteSource.of(StaticScan.readHead(in, (int) size)), null, null);
        }
        // createTempFile makes the file owner-only on POSIX systems
        Path f = Files.createTempFile("airlock-quarantine-", ".member");
        try {
            try (OutputStream out = Files.newOutputStream(f, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 20];
                long left = size;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n <= 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
            FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
            return new MemberBytes(ByteSource.of(ch), f, ch);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(f);
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
