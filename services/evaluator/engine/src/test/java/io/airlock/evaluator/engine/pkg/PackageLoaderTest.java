package io.airlock.evaluator.engine.pkg;

import io.airlock.fixtures.onnx.ModelPackages;
import io.airlock.fixtures.onnx.OnnxModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class PackageLoaderTest {
    @TempDir
    Path dir;

    static final byte[] CONFIG = ModelPackages.config(16).getBytes(StandardCharsets.UTF_8);
    static final byte[] TOKENIZER = "{}".getBytes(StandardCharsets.UTF_8);
    static final byte[] MODEL = OnnxModels.identityModel();
    static final PackageLimits SMALL = new PackageLimits(8, 64 * 1024, 48 * 1024, 100, 4);

    /** Names then contents (a String, or byte[]; "MODEL" stands for a real ONNX model). */
    static byte[] zip(Object... namesThenContents) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            for (int i = 0; i < namesThenContents.length; i += 2) {
                z.putNextEntry(new ZipEntry((String) namesThenContents[i]));
                Object c = namesThenContents[i + 1];
                z.write(c.equals("MODEL") ? MODEL : c instanceof byte[] bytes ? bytes
                        : ((String) c).getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return b.toByteArray();
    }

    static ModelPackages.Tar validTar() {
        return new ModelPackages.Tar().file("model.onnx", MODEL).file("tokenizer.json", TOKENIZER)
                .file("airlock-model.json", CONFIG);
    }

    static Stream<Arguments> hostile() throws IOException {
        byte[] big = new byte[60 * 1024];
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bomb)) {
            z.putNextEntry(new ZipEntry("model.onnx"));
            z.write(new byte[2 << 20]); // 2 MiB of zeros compress to a few KB
            z.closeEntry();
        }
        byte[] tar = validTar().finish();
        byte[] badSum = tar.clone();
        badSum[0] ^= 1;
        Function<String, byte[]> pax = path -> {
            String rec = "path=" + path + "\n";
            String line = (rec.length() + 3) + " " + rec;
            return new ModelPackages.Tar().entry("PaxHeader", 'x', line.getBytes(StandardCharsets.UTF_8), "")
                    .file("innocent", new byte[1]).finish();
        };
        return Stream.of(
                arguments("zip member escaping with ..", zip("../evil.onnx", "x"), "zip.path_traversal"),
                arguments("zip member hidden deeper", zip("a/../../evil", "x"), "zip.path_traversal"),
                arguments("zip member with an absolute path", zip("/etc/cron.d/x", "x"), "absolute"),
                arguments("zip member with a backslash", zip("a\\..\\x", "x"), "zip.backslash_path"),
                arguments("zip member with a drive letter", zip("C:/x", "x"), "absolute"),
                arguments("zip member too deep", zip("a/b/c/d/e", "x"), "deeper than 4"),
                arguments("zip member with a control character", zip("a\u0001b", "x"), "zip.bad_name"),
                arguments("zip over the member count", zip("1", "", "2", "", "3", "", "4", "", "5", "", "6", "", "7", "",
                        "8", "", "9", ""), "more than 8 members"),
                arguments("zip bomb: 2 MiB from a few KB", bomb.toByteArray(), "over 49152 bytes"),
                arguments("two zips end to end", concat(zip("model.onnx", "x"), zip("model.onnx", "y")), "zip.prefix_data"),
                arguments("tar symlink", new ModelPackages.Tar().entry("tokenizer.json", '2', new byte[0], "/etc/passwd").finish(),
                        "tar.symlink"),
                arguments("tar hard link", new ModelPackages.Tar().entry("model.onnx", '1', new byte[0], "/root/x").finish(),
                        "tar.hardlink"),
                arguments("tar character device", new ModelPackages.Tar().entry("dev", '3', new byte[0], "").finish(),
                        "tar.device"),
                arguments("tar fifo", new ModelPackages.Tar().entry("fifo", '6', new byte[0], "").finish(), "tar.device"),
                arguments("tar member escaping", new ModelPackages.Tar().file("../../x", new byte[1]).finish(), "tar.path_traversal"),
                arguments("tar member twice", new ModelPackages.Tar().file("model.onnx", MODEL).file("./model.onnx", MODEL)
                        .finish(), "tar.duplicate_name"),
                arguments("tar header checksum", badSum, "checksum"),
                arguments("tar cut inside a member", Arrays.copyOf(tar, 700), "tar.truncated"),
                arguments("tar without its end blocks", Arrays.copyOf(tar, tar.length - 1024), "tar.truncated"),
                arguments("pax header renaming a member out", pax.apply("../../etc/x"), "tar.path_traversal"),
                arguments("tar over the byte limit", new ModelPackages.Tar().file("a", big).file("b", big).finish(),
                        "tar.entry_size"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void archivesBreakingThePackageRulesAreRejected(String name, byte[] archive, String message) throws IOException {
        Path f = Files.write(dir.resolve("a.bin"), archive);
        Path unpack = dir.resolve("unpack");
        assertThatThrownBy(() -> PackageLoader.open(f, SMALL, unpack))
                .isInstanceOfSatisfying(PackageException.class, e -> assertThat(e.kind()).isEqualTo(PackageException.Kind.REJECTED))
                .hasMessageContaining(message);
        // nothing is left behind, and nothing was written outside the private folder
        try (Stream<Path> s = Files.list(unpack)) {
            assertThat(s).isEmpty();
        }
        assertThat(dir.resolve("evil.onnx")).doesNotExist();
        assertThat(dir.getParent().resolve("x")).doesNotExist();
    }

    static Stream<Arguments> layouts() throws IOException {
        return Stream.of(
                arguments("zip at the top", zip("model.onnx", "MODEL", "tokenizer.json", "{}", "airlock-model.json",
                        ModelPackages.config(8)), "zip"),
                arguments("zip inside one folder", zip("pkg/", "", "pkg/model.onnx", "MODEL", "pkg/tokenizer.json", "{}",
                        "pkg/airlock-model.json", ModelPackages.config(8)), "zip"),
                arguments("tar with ./ names", new ModelPackages.Tar().file("./model.onnx", MODEL)
                        .file("./tokenizer.json", TOKENIZER).file("./airlock-model.json", CONFIG).finish(), "tar"),
                arguments("tar with a GNU long name", new ModelPackages.Tar()
                        .entry("././@LongLink", 'L', ("d/" + "n".repeat(90) + ".txt").getBytes(StandardCharsets.UTF_8), "")
                        .file("ignored", new byte[3]).file("model.onnx", MODEL).file("tokenizer.json", TOKENIZER)
                        .file("airlock-model.json", CONFIG).finish(), "tar"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void wellFormedArchivesUnpackIntoAPrivateFolderThatCloseDeletes(String name, byte[] archive, String layout)
            throws Exception {
        Path f = Files.write(dir.resolve("p.bin"), archive);
        Path unpack = dir.resolve("unpack");
        Path root;
        try (ModelPackage p = PackageLoader.open(f, PackageLimits.defaults(), unpack)) {
            root = p.root();
            assertThat(p.layout()).isEqualTo(layout);
            assertThat(p.model()).isRegularFile();
            assertThat(p.config().eosTokenId()).isEqualTo(ModelPackages.EOS);
            assertThat(root.startsWith(unpack)).isTrue();
            assertThat(Files.getPosixFilePermissions(unpack.resolve(unpack.relativize(root).getName(0))))
                    .hasSize(3); // rwx for the owner only
        }
        assertThat(root).doesNotExist();
    }

    static Stream<Arguments> notPackages() throws IOException {
        return Stream.of(
                arguments("no tokenizer", zip("model.onnx", "m", "airlock-model.json", ModelPackages.config(8)),
                        "ONNX model without tokenizer.json"),
                arguments("no airlock-model.json", zip("model.onnx", "m", "tokenizer.json", "{}"),
                        "ONNX model without airlock-model.json"),
                arguments("no model", zip("weights.safetensors", "x", "config.json", "{}"), "no model.onnx (found: config.json"),
                arguments("a plain file", "GGUF....".getBytes(StandardCharsets.UTF_8), "neither a folder nor a zip or tar"),
                arguments("gzip of something else", gzip("not a tar"), "neither a folder nor a zip or tar"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notPackages")
    void somethingThatIsNotAPackageIsNotRunnableWithTheReason(String name, byte[] bytes, String message) throws IOException {
        Path f = Files.write(dir.resolve("n.bin"), bytes);
        assertThatThrownBy(() -> PackageLoader.open(f, PackageLimits.defaults(), dir.resolve("u")))
                .isInstanceOfSatisfying(PackageException.class, e -> assertThat(e.kind()).isEqualTo(PackageException.Kind.NOT_RUNNABLE))
                .hasMessageContaining(message);
    }

    static Stream<Arguments> badConfigs() {
        String ok = ModelPackages.config(8);
        return Stream.of(
                arguments("unknown key", ok.replace("{", "{\"temperature\":0.7,"), "unknown key 'temperature'"),
                arguments("missing eos", ok.replace("\"eosTokenId\":1,", ""), "$.eosTokenId: required"),
                arguments("eos as a string", ok.replace("\"eosTokenId\":1", "\"eosTokenId\":\"1\""), "expected an integer"),
                arguments("more new tokens than context", ok.replace("\"maxNewTokens\":8", "\"maxNewTokens\":5000"),
                        "outside [1, 4095]"),
                arguments("other schema", ok.replace("\"v1\"", "\"v2\""), "'v2' is not supported"),
                arguments("duplicate key", ok.replace("{", "{\"eosTokenId\":2,"), "duplicate key"),
                arguments("not JSON", "eos=1", "not valid JSON"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void airlockModelJsonIsStrict(String name, String config, String message) throws IOException {
        Path p = dir.resolve("p");
        Files.createDirectories(p);
        Files.write(p.resolve("model.onnx"), MODEL);
        Files.write(p.resolve("tokenizer.json"), TOKENIZER);
        Files.writeString(p.resolve("airlock-model.json"), config);
        assertThatThrownBy(() -> PackageLoader.open(p, PackageLimits.defaults(), dir.resolve("u")))
                .isInstanceOfSatisfying(PackageException.class, e -> {
                    assertThat(e.kind()).isEqualTo(PackageException.Kind.REJECTED);
                    assertThat(e.evidence()).contains(message);
                });
    }

    static Stream<Arguments> externalData() {
        return Stream.of(
                arguments("inside the package", "w.bin", null),
                arguments("in a subfolder", "data/w.bin", null),
                arguments("escaping the package", "../w.bin", "points outside the package"),
                arguments("absolute", "/etc/hostname", "points outside the package"),
                arguments("through a link", "link.bin", "goes through a link"),
                arguments("missing", "nothing.bin", "missing from the package"));
    }

    @ParameterizedTest(name = "external data {0}")
    @MethodSource("externalData")
    void externalDataMustBeARegularFileInsideThePackage(String name, String location, String message) throws Exception {
        Path p = dir.resolve("p");
        Files.createDirectories(p.resolve("data"));
        Files.write(p.resolve("w.bin"), new byte[16]);
        Files.write(p.resolve("data/w.bin"), new byte[16]);
        Files.write(dir.resolve("w.bin"), new byte[16]);
        Files.createSymbolicLink(p.resolve("link.bin"), dir.resolve("w.bin"));
        Files.write(p.resolve("model.onnx"), OnnxModels.externalDataModel(location));
        Files.write(p.resolve("tokenizer.json"), TOKENIZER);
        Files.write(p.resolve("airlock-model.json"), CONFIG);
        if (message == null) {
            try (ModelPackage pkg = PackageLoader.open(p, PackageLimits.defaults(), dir.resolve("u"))) {
                assertThat(pkg.layout()).isEqualTo("folder");
            }
        } else {
            assertThatThrownBy(() -> PackageLoader.open(p, PackageLimits.defaults(), dir.resolve("u")))
                    .isInstanceOf(PackageException.class).hasMessageContaining(message);
        }
    }

    @Test
    void aFolderPackageMayNotReachOutThroughLinks() throws IOException {
        Path p = dir.resolve("p");
        Files.createDirectories(p);
        Files.write(p.resolve("model.onnx"), MODEL);
        Files.write(dir.resolve("outside.json"), TOKENIZER);
        Files.createSymbolicLink(p.resolve("tokenizer.json"), dir.resolve("outside.json"));
        Files.write(p.resolve("airlock-model.json"), CONFIG);
        assertThatThrownBy(() -> PackageLoader.open(p, PackageLimits.defaults(), dir.resolve("u")))
                .isInstanceOf(PackageException.class).hasMessageContaining("tokenizer.json is not a regular file");
        Files.delete(p.resolve("tokenizer.json"));
        Files.createLink(p.resolve("tokenizer.json"), dir.resolve("outside.json"));
        assertThatThrownBy(() -> PackageLoader.open(p, PackageLimits.defaults(), dir.resolve("u")))
                .isInstanceOf(PackageException.class).hasMessageContaining("hard links");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] gzip(String s) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(b)) {
                g.write(s.getBytes(StandardCharsets.UTF_8));
            }
            return b.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
