package io.airlock.evaluator.engine.pkg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A model package ready to run: {@code model.onnx} (with any external data inside the package),
 * {@code tokenizer.json} and the parsed {@code airlock-model.json}. When it was unpacked from an
 * archive the files live in a private temporary folder that {@link #close()} deletes.
 */
public final class ModelPackage implements AutoCloseable {
    public static final String MODEL = "model.onnx";
    public static final String TOKENIZER = "tokenizer.json";

    private final Path root;
    private final ModelConfig config;
    private final String layout;
    private final int entries;
    private final long bytes;
    private final String sha256;
    private final Path ownedTemp;

    ModelPackage(Path root, ModelConfig config, String layout, int entries, long bytes, String sha256, Path ownedTemp) {
        this.root = Objects.requireNonNull(root);
        this.config = Objects.requireNonNull(config);
        this.layout = layout;
        this.entries = entries;
        this.bytes = bytes;
        this.sha256 = Objects.requireNonNull(sha256);
        this.ownedTemp = ownedTemp;
    }

    /** The folder holding model.onnx, tokenizer.json and airlock-model.json. */
    public Path root() {
        return root;
    }

    public Path model() {
        return root.resolve(MODEL);
    }

    public Path tokenizer() {
        return root.resolve(TOKENIZER);
    }

    public ModelConfig config() {
        return config;
    }

    /** How it arrived: {@code folder}, {@code zip}, {@code tar} or {@code tar.gz}. */
    public String layout() {
        return layout;
    }

    /**
     * SHA-256 of the archive, computed over the bytes the unpacker read ("" for a folder): the
     * caller compares it with the digest the scanner judged, so the bytes unpacked are the bytes scanned.
     */
    public String sha256() {
        return sha256;
    }

    /** Members unpacked (0 for a folder). */
    public int entries() {
        return entries;
    }

    /** Bytes unpacked (0 for a folder). */
    public long unpackedBytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (ownedTemp != null) {
            deleteTree(ownedTemp);
        }
    }

    /** Deletes a folder tree; failures are ignored (a temp folder left behind is not a verdict). */
    public static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (UncheckedIOException e) {
            // best effort
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the unpacked package " + dir, e);
        }
    }
}
