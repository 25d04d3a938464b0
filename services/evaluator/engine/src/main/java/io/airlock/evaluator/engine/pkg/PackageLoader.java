package io.airlock.evaluator.engine.pkg;

import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.json.StrictJson;
import io.airlock.formats.ByteSource;
import io.airlock.formats.GzipBody;
import io.airlock.formats.MalformedException;
import io.airlock.formats.OnnxExternalData;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a model package from a folder or from a zip, tar or tar.gz archive (the blob store keeps a
 * folder as one archive), by content, never by name. An archive is unpacked into a new
 * owner-only folder under {@code tempRoot}; the package files may sit at the top or inside one
 * top-level folder. Every file the runtime will read ({@code model.onnx}, its external data,
 * {@code tokenizer.json}, {@code airlock-model.json}) must be a regular file inside the package,
 * reached without following a link.
 */
public final class PackageLoader {
    static final long MAX_MODEL_WALK_FIELDS = 50_000_000;

    private PackageLoader() {
    }

    /**
     * Opens {@code artifact} as a model package.
     *
     * @throws PackageException NOT_RUNNABLE when it is not a package, REJECTED when it breaks the rules
     */
    public static ModelPackage open(Path artifact, PackageLimits limits, Path tempRoot)
            throws IOException, PackageException {
        if (Files.isDirectory(artifact, LinkOption.NOFOLLOW_LINKS)) {
            return finish(artifact, "folder", 0, 0, "", null);
        }
        if (!Files.isRegularFile(artifact, LinkOption.NOFOLLOW_LINKS)) {
            throw PackageException.notRunnable("not a regular file or folder: " + artifact.getFileName());
        }
        String layout = layout(artifact);
        if (layout == null) {
            throw PackageException.notRunnable("not a model package: neither a folder nor a zip or tar archive");
        }
        Path dest = privateFolder(tempRoot);
        try {
            ArchiveUnpacker.Stats st = switch (layout) {
                case "zip" -> ArchiveUnpacker.zip(artifact, dest, limits);
                case "tar" -> ArchiveUnpacker.tar(artifact, false, dest, limits);
                default -> ArchiveUnpacker.tar(artifact, true, dest, limits);
            };
            return finish(dest, layout, st.entries(), st.bytes(), st.sha256(), dest);
        } catch (IOException | PackageException | RuntimeException e) {
            ModelPackage.deleteTree(dest);
            throw e;
        }
    }

    /** zip, tar or tar.gz by magic bytes; null for anything else (including a gzip that is not a tar). */
    static String layout(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            head = in.readNBytes(512);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 && head[3] == 4 || head[2] == 5 && head[3] == 6)) {
            return "zip";
        }
        if (isUstar(head)) {
            return "tar";
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            try (InputStream in = GzipBody.inflate(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS))) {
                return isUstar(in.readNBytes(512)) ? "tar.gz" : null;
            } catch (IOException e) {
                return null; // a broken gzip is not a package; the scanner judges the bytes themselves
            }
        }
        return null;
    }

    private static boolean isUstar(byte[] h) {
        return h.length >= 263 && h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r';
    }

    private static Path privateFolder(Path tempRoot) throws IOException {
        Files.createDirectories(tempRoot);
        try {
            return Files.createTempDirectory(tempRoot, "airlock-pkg-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            return Files.createTempDirectory(tempRoot, "airlock-pkg-");
        }
    }

    private static ModelPackage finish(Path unpacked, String layout, int entries, long bytes, String sha256, Path owned)
            throws IOException, PackageException {
        Path root = packageRoot(unpacked);
        Path model = root.resolve(ModelPackage.MODEL);
        Path tokenizer = root.resolve(ModelPackage.TOKENIZER);
        Path config = root.resolve(ModelConfig.FILE);
        if (!Files.exists(model, LinkOption.NOFOLLOW_LINKS)) {
            throw PackageException.notRunnable("not a model package: no model.onnx (found: " + listing(root) + ")");
        }
        regular(model, "model.onnx");
        if (!Files.exists(tokenizer, LinkOption.NOFOLLOW_LINKS)) {
            throw PackageException.notRunnable("ONNX model without tokenizer.json: prompts cannot be encoded");
        }
        regular(tokenizer, "tokenizer.json");
        if (!Files.exists(config, LinkOption.NOFOLLOW_LINKS)) {
            throw PackageException.notRunnable("ONNX model without airlock-model.json (eos token id, chat prefix and "
                    + "suffix, max new tokens, context length): no prompt can be framed");
        }
        regular(config, ModelConfig.FILE);
        ModelConfig cfg;
        try {
            cfg = ModelConfig.parse(StrictJson.readBounded(config, ModelConfig.MAX_BYTES, ModelConfig.FILE));
        } catch (SpecException e) {
            throw PackageException.rejected("airlock-model.json does not follow its specification", e.getMessage());
        }
        checkExternalData(root, model);
        return new ModelPackage(root, cfg, layout, entries, bytes, sha256, owned);
    }

    /** The folder itself, or its only member when that is a folder and no model.onnx sits at the top. */
    private static Path packageRoot(Path dir) throws IOException {
        if (Files.exists(dir.resolve(ModelPackage.MODEL), LinkOption.NOFOLLOW_LINKS)) {
            return dir;
        }
        List<Path> members = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                members.add(p);
                if (members.size() > 1) {
                    return dir;
                }
            }
        }
        if (members.size() == 1 && Files.isDirectory(members.get(0), LinkOption.NOFOLLOW_LINKS)) {
            return members.get(0);
        }
        return dir;
    }

    private static String listing(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (names.size() == 10) {
                    names.add("...");
                    break;
                }
                names.add(p.getFileName().toString());
            }
        }
        return names.isEmpty() ? "nothing" : String.join(", ", names.stream().sorted().toList());
    }

    private static void regular(Path p, String what) throws IOException, PackageException {
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw PackageException.rejected(what + " is not a regular file (a link or a folder)", what);
        }
        Object links = Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (links instanceof Integer n && n > 1) {
            // a hard link can point at any file of the same file system: refuse rather than read it
            throw PackageException.rejected(what + " has " + n + " hard links", what);
        }
    }

    /**
     * Every external-data location of model.onnx names a regular file inside the package, reached
     * through real folders. ORT itself refuses absolute and escaping paths, but would follow a
     * link; the package rule is stricter and is checked before ORT opens anything.
     */
    static void checkExternalData(Path root, Path model) throws IOException, PackageException {
        List<OnnxExternalData.Ref> refs;
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.READ)) {
            refs = OnnxExternalData.find(ByteSource.of(ch), MAX_MODEL_WALK_FIELDS);
        } catch (MalformedException e) {
            throw PackageException.rejected("model.onnx is not a well-formed ModelProto",
                    e.getMessage() + " at offset " + e.offset());
        }
        for (OnnxExternalData.Ref r : refs) {
            String loc = r.location();
            String rel;
            try {
                rel = ArchiveUnpacker.checkName(loc, PackageLimits.defaults());
            } catch (PackageException e) {
                throw PackageException.rejected("external data of tensor '" + r.tensor() + "' points outside the package",
                        "'" + loc + "': " + e.getMessage());
            }
            Path p = root;
            for (String seg : rel.split("/")) {
                p = p.resolve(seg);
                if (Files.isSymbolicLink(p)) {
                    throw PackageException.rejected("external data of tensor '" + r.tensor() + "' goes through a link",
                            loc);
                }
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw PackageException.rejected("external data of tensor '" + r.tensor() + "' is missing from the package",
                        loc);
            }
            regular(p, "external data '" + loc + "'");
        }
    }
}
