package io.airlock.guard.engine;

import io.airlock.contracts.Kind;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One artifact to precheck, with what its submitter says about it.
 *
 * @param kind          what it was submitted as
 * @param claimedFormat the format the submitter named ("" when none): a format id or a file extension
 * @param filename      the submitted file name ("" when none); only its extension is read, as a claim
 * @param size          the size the caller knows (the blob store's, or the inline length)
 * @param content       where the bytes are
 */
public record GuardInput(Kind kind, String claimedFormat, String filename, long size, Content content) {

    /** Where an artifact's bytes are: a file, or inline bytes (small kernels travel that way). */
    public sealed interface Content permits FileContent, InlineContent {
    }

    /** The artifact is this file; only its head is read. */
    public record FileContent(Path file) implements Content {
        public FileContent {
            Objects.requireNonNull(file, "file");
        }
    }

    /** The whole artifact, in memory. Build through {@link GuardInput#ofInline}, which copies it. */
    public record InlineContent(byte[] bytes) implements Content {
        public InlineContent {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    public GuardInput {
        Objects.requireNonNull(kind, "kind");
        claimedFormat = Objects.requireNonNullElse(claimedFormat, "").strip();
        filename = Objects.requireNonNullElse(filename, "");
        Objects.requireNonNull(content, "content");
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
    }

    public static GuardInput ofFile(Kind kind, String claimedFormat, String filename, long size, Path file) {
        return new GuardInput(kind, claimedFormat, filename, size, new FileContent(file));
    }

    public static GuardInput ofInline(Kind kind, String claimedFormat, String filename, byte[] bytes) {
        return new GuardInput(kind, claimedFormat, filename, bytes.length, new InlineContent(bytes.clone()));
    }
}
