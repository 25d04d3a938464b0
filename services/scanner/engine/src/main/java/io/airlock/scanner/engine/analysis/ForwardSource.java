package io.airlock.scanner.engine.analysis;

import io.airlock.formats.ByteSource;

import java.io.IOException;
import java.io.InputStream;

/**
 * An archive member as a {@link ByteSource} for reads at non-decreasing positions: the bytes before
 * {@code kept} come from the prefix already spooled (the header the validator read), the rest from
 * the member's stream, skipping forward (a deflated member cannot seek, so skipped bytes are
 * inflated and dropped). A read behind the stream's position is a programming error, refused.
 */
final class ForwardSource implements ByteSource {
    private final ByteSource prefix;
    private final long kept;
    private final InputStream rest;
    private final long size;
    private long at;

    ForwardSource(ByteSource prefix, long kept, InputStream rest, long size) {
        this.prefix = prefix;
        this.kept = kept;
        this.rest = rest;
        this.size = size;
        this.at = kept;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public long readable() {
        return size;
    }

    @Override
    public int read(long pos, byte[] dst, int off, int len) throws IOException {
        if (pos >= size || len == 0) {
            return pos >= size ? -1 : 0;
        }
        if (pos < kept) {
            return prefix.read(pos, dst, off, (int) Math.min(len, kept - pos));
        }
        if (pos < at) {
            throw new IllegalStateException("read at " + pos + " behind the stream at " + at);
        }
        while (at < pos) {
            long skipped = rest.skip(pos - at);
            if (skipped <= 0) {
                if (rest.read() < 0) {
                    return -1; // the member ended early: its reader reports that
                }
                skipped = 1;
            }
            at += skipped;
        }
        int n = rest.read(dst, off, (int) Math.min(len, size - pos));
        if (n > 0) {
            at += n;
        }
        return n;
    }
}
