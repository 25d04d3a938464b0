package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.fixtures.PickleBuilder;
import io.airlock.fixtures.UnicodePathZip;
import io.airlock.fixtures.ZipBuilder;
import io.airlock.formats.ByteSource;
import io.airlock.formats.PickleMachine;
import io.airlock.formats.ZipArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static io.airlock.fixtures.PickleBuilder.calling;
import static io.airlock.fixtures.PickleBuilder.p;
import static io.airlock.fixtures.ZipBuilder.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Hostile archives and torch files, each raising its rule; honest ones raising nothing that blocks. */
class HostileArchiveTest {
    static final byte[] EVIL = calling("os", "system", "id");
    static final byte[] DATA_PKL = PickleBuilder.torchDataPkl(2, 4);

    static ZipBuilder torch() {
        return zip().with("archive/data.pkl", DATA_PKL).with("archive/byteorder", ascii("little"))
                .with("archive/data/0", new byte[16]).with("archive/data/1", new byte[16]).with("archive/version", ascii("3\n"));
    }

    static Stream<Arguments> hostile() {
        ZipBuilder mismatch = torch();
        mismatch.add("archive/notes.txt", EVIL).localName("archive/notes.pkl");
        ZipBuilder encrypted = torch();
        encrypted.add("archive/extra.bin", new byte[4]).flags(0x801);
        ZipBuilder badCrc = torch();
        badCrc.add("archive/extra.bin", new byte[]{1, 2, 3, 4}).crc(0x12345678L);
        ZipBuilder deflated = zip();
        deflated.add("data.pkl", EVIL).deflate();
        ZipBuilder bzip = zip();
        bzip.add("a.bin", new byte[8]).method(12);
        ZipBuilder gap = zip();
        gap.add("a.bin", new byte[8]).gapAfter(16);
        gap.add("b.bin", new byte[8]);
        ZipBuilder overlap = zip();
        overlap.add("a.bin", new byte[8]);
        overlap.add("b.bin", new byte[8]).localOffsetOf(0);
        ZipBuilder link = zip();
        link.add("weights", ascii("/etc/passwd")).symlink();
        ZipBuilder sizeLie = zip();
        sizeLie.add("a.bin", new byte[8]).size(4);
        byte[] lying = zip().with("a.bin", new byte[8]).bytes();
        lying[lying.length - 10] = (byte) 0xf0; // central directory size in the end record: far bigger than the file
        return Stream.of(
                arguments("end record whose directory does not fit", lying, "zip.malformed", Severity.HIGH),
                arguments("torch zip whose data.pkl calls os.system", zip().with("archive/data.pkl", EVIL).bytes(),
                        "pickle.dangerous_import", Severity.CRITICAL),
                arguments("deflated malicious data.pkl", deflated.bytes(), "pickle.dangerous_import", Severity.CRITICAL),
                arguments("pickle hidden in a member named data.txt", torch().with("archive/data.txt", EVIL).bytes(),
                        "pickle.dangerous_import", Severity.CRITICAL),
                arguments("extra pickle member in a torch archive", torch().with("archive/data.txt", EVIL).bytes(),
                        "torch.extra_pickle", Severity.HIGH),
                arguments("a second data.pkl under another prefix", torch().with("other/data.pkl", DATA_PKL).bytes(),
                        "torch.extra_pickle", Severity.HIGH),
                arguments("pickle hidden as a storage", torch().with("archive/data/2", EVIL).bytes(), "pickle.dangerous_import",
                        Severity.CRITICAL),
                arguments("storage named in data.pkl but missing", zip().with("archive/data.pkl", DATA_PKL)
                        .with("archive/data/0", new byte[16]).bytes(), "torch.missing_storage", Severity.MEDIUM),
                arguments("local and central names differ", mismatch.bytes(), "zip.header_mismatch", Severity.HIGH),
                arguments("pickle behind a mismatched name is still analysed", mismatch.bytes(), "pickle.dangerous_import",
                        Severity.CRITICAL),
                arguments("two end-of-central-directory records", torch().secondEndRecord().bytes(), "zip.multiple_end_records",
                        Severity.HIGH),
                arguments("data before the first entry (offsets shifted)", torch().prefix(new byte[]{'M', 'Z', 0, 0}).bytes(),
                        "zip.prefix_data", Severity.HIGH),
                arguments("data before the first entry (offsets counted)", torch().countedPrefix(new byte[64]).bytes(),
                        "zip.prefix_data", Severity.HIGH),
                arguments("encryption flag", encrypted.bytes(), "zip.encrypted", Severity.HIGH),
                arguments("CRC mismatch of a stored member", badCrc.bytes(), "zip.crc_mismatch", Severity.HIGH),
                arguments("unsupported compression method", bzip.bytes(), "zip.unsupported_method", Severity.HIGH),
                arguments("bytes hidden between entries", gap.bytes(), "zip.gap", Severity.HIGH),
                arguments("two entries on the same bytes", overlap.bytes(), "zip.overlap", Severity.HIGH),
                arguments("symbolic link", link.bytes(), "zip.symlink", Severity.HIGH),
                arguments("declared size disagrees with the data", sizeLie.bytes(), "zip.size_mismatch", Severity.HIGH),
                arguments("path traversal", zip().with("../../evil.py", ascii("x")).bytes(), "zip.path_traversal", Severity.HIGH),
                arguments("nested path traversal", zip().with("a/b/../../../x", ascii("x")).bytes(), "zip.path_traversal", Severity.HIGH),
                arguments("absolute path", zip().with("/etc/cron.d/x", ascii("x")).bytes(), "zip.absolute_path", Severity.HIGH),
                arguments("drive letter", zip().with("C:/x", ascii("x")).bytes(), "zip.absolute_path", Severity.HIGH),
                arguments("backslashes", zip().with("..\\evil.py", ascii("x")).bytes(), "zip.backslash_path", Severity.HIGH),
                arguments("duplicate names", zip().with("data.pkl", DATA_PKL).with("data.pkl", EVIL).bytes(), "zip.duplicate_name",
                        Severity.HIGH),
                arguments("zip inside a zip holding a pickle", zip().with("inner.zip", zip().with("x.bin", EVIL).bytes()).bytes(),
                        "pickle.dangerous_import", Severity.CRITICAL),
                arguments("gzip inside a zip holding a pickle", zip().with("model.bin.gz", HostilePickleTest.gzip(EVIL)).bytes(),
                        "pickle.dangerous_import", Severity.CRITICAL),
                arguments("archives nested too deep", zip().with("a.zip", zip().with("b.zip", zip().with("c.zip",
                        zip().with("x", EVIL).bytes()).bytes()).bytes()).bytes(), "zip.nesting_depth", Severity.HIGH),
                arguments("pickle member in a plain zip", zip().with("model.bin", DATA_PKL).bytes(), "zip.pickle_member", Severity.MEDIUM),
                arguments("npz with an object array", zip().with("a.npy", HostilePickleTest.npyObject(EVIL)).bytes(),
                        "pickle.dangerous_import", Severity.CRITICAL),
                arguments("torch legacy whose model pickle calls os.system", legacy(EVIL, List.of(), new byte[0]),
                        "pickle.dangerous_import", Severity.CRITICAL),
                arguments("torch legacy with bytes after its storages", legacy(legacyModel(), List.of("0"), concat(le64(4), new byte[16],
                        new byte[]{'P', 'K', 3, 4})), "pickle.trailing_data", Severity.HIGH),
                arguments("torch legacy storage record past the end", legacy(legacyModel(), List.of("0"), concat(le64(1000), new byte[16])),
                        "torch.legacy_storage", Severity.HIGH),
                arguments("torch legacy cut after three pickles", legacyHead(), "torch.legacy_storage", Severity.HIGH),
                arguments("Unicode Path field renaming a member", UnicodePathZip.zip().renamed("model.bin", "data.pkl", new byte[8])
                        .bytes(), "zip.unicode_path_mismatch", Severity.HIGH),
                arguments("Unicode Path field climbing out", UnicodePathZip.zip().renamed("notes.txt", "../../.bashrc", ascii("x"))
                        .bytes(), "zip.path_traversal", Severity.HIGH),
                arguments("Unicode Path field naming an absolute path", UnicodePathZip.zip().renamed("notes.txt", "/etc/cron.d/x",
                        ascii("x")).bytes(), "zip.absolute_path", Severity.HIGH),
                arguments("Unicode Path field with backslashes", UnicodePathZip.zip().renamed("notes.txt", "..\\x.py", ascii("x"))
                        .bytes(), "zip.backslash_path", Severity.HIGH),
                arguments("Unicode Path field whose name is a duplicate", UnicodePathZip.zip().plain("data.pkl", DATA_PKL)
                        .renamed("data.bin", "data.pkl", EVIL).bytes(), "zip.duplicate_name", Severity.HIGH),
                arguments("stale Unicode Path field (wrong CRC)", UnicodePathZip.zip().raw(ascii("notes.txt"),
                        UnicodePathZip.field(1, 1, ascii("config.json")), new byte[0], 0, ascii("x")).bytes(),
                        "zip.unicode_path_mismatch", Severity.HIGH),
                arguments("Unicode Path field of another version", UnicodePathZip.zip().raw(ascii("notes.txt"),
                        UnicodePathZip.field(2, UnicodePathZip.crc(ascii("notes.txt")), ascii("config.json")), new byte[0], 0,
                        ascii("x")).bytes(), "zip.unicode_path_mismatch", Severity.HIGH),
                arguments("Unicode Path field in the local header only", UnicodePathZip.zip().raw(ascii("notes.txt"), new byte[0],
                        UnicodePathZip.field(1, UnicodePathZip.crc(ascii("notes.txt")), ascii("config.json")), 0, ascii("x")).bytes(),
                        "zip.unicode_path_mismatch", Severity.HIGH),
                arguments("Unicode Path field too short", UnicodePathZip.zip().raw(ascii("notes.txt"), UnicodePathZip.shortField(),
                        new byte[0], 0, ascii("x")).bytes(), "zip.unicode_path_mismatch", Severity.HIGH),
                arguments("Unicode Path name that is not UTF-8", UnicodePathZip.zip().raw(ascii("notes.txt"), UnicodePathZip.field(1,
                        UnicodePathZip.crc(ascii("notes.txt")), new byte[]{'n', (byte) 0xff}), new byte[0], 0, ascii("x")).bytes(),
                        "zip.unicode_path_mismatch", Severity.HIGH),
                arguments("zip64 record counting another entry than the classic record", torch().zip64Entries(1).bytes(),
                        "zip.zip64_mismatch", Severity.HIGH),
                arguments("zip64 record placing the directory elsewhere", torch().zip64DirectoryOffset(0).bytes(),
                        "zip.zip64_mismatch", Severity.HIGH),
                arguments("zip64 locator pointing away from its record", torch().zip64LocatorOffset(0).bytes(),
                        "zip.zip64_mismatch", Severity.HIGH),
                arguments("malicious data.pkl in a zip64 archive is analysed", zip().with("archive/data.pkl", EVIL).zip64().bytes(),
                        "pickle.dangerous_import", Severity.CRITICAL),
                arguments("code-page header name whose field adds a full-width dot", UnicodePathZip.zip().raw(
                        new byte[]{(byte) 0x82, 'x'}, UnicodePathZip.field(1, UnicodePathZip.crc(new byte[]{(byte) 0x82, 'x'}),
                                "\uff0ex".getBytes(StandardCharsets.UTF_8)), new byte[0], 0, ascii("x")).bytes(),
                        "zip.unicode_path_mismatch", Severity.HIGH));
    }

    @Test
    void unicodePathFieldsThatSpellTheHeaderNameAreNoProblem() throws Exception {
        byte[] cp437 = {'c', 'a', 'f', (byte) 0x82, '/', 'n', (byte) 0x94, 't', 'e', 's', '.', 't', 'x', 't'};
        byte[] utf8 = "r\u00e9sum\u00e9.txt".getBytes(StandardCharsets.UTF_8);
        byte[] zip = UnicodePathZip.zip()
                // Info-ZIP on Unix: the header holds the UTF-8 bytes, the field the same name
                .raw(utf8, UnicodePathZip.field(1, UnicodePathZip.crc(utf8), utf8), new byte[0], 0, ascii("x"))
                // a Windows tool: a code-page header name and its UTF-8 spelling, letter for letter
                .raw(cp437, UnicodePathZip.field(1, UnicodePathZip.crc(cp437), "caf\u00e9/n\u00f6tes.txt".getBytes(StandardCharsets.UTF_8)),
                        UnicodePathZip.field(1, UnicodePathZip.crc(cp437), "caf\u00e9/n\u00f6tes.txt".getBytes(StandardCharsets.UTF_8)), 0,
                        ascii("x"))
                // the UTF-8 flag with the same name in the field (JSZip)
                .raw(ascii("notes.md"), UnicodePathZip.field(1, UnicodePathZip.crc(ascii("notes.md")), ascii("notes.md")), new byte[0],
                        0x800, ascii("x"))
                .renamed("data.bin", "data.bin", new byte[8])
                .bytes();
        ZipArchive.Directory d = ZipArchive.read(ByteSource.of(zip), ZipArchive.Limits.defaults());
        assertThat(d.problems()).isEmpty();
        assertThat(HostilePickleTest.scan(zip)).noneMatch(x -> x.severity().atLeast(Severity.MEDIUM));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileArchivesAreCaught(String name, byte[] bytes, String rule, Severity severity) throws IOException {
        List<Finding> f = HostilePickleTest.scan(bytes);
        assertThat(f).as(name + ": " + f).anySatisfy(x -> {
            assertThat(x.rule()).isEqualTo(rule);
            assertThat(x.severity()).isEqualTo(severity);
        });
    }

    static Stream<Arguments> honest() {
        ZipBuilder deflatedTorch = zip();
        deflatedTorch.add("archive/data.pkl", DATA_PKL).deflate();
        deflatedTorch.add("archive/data/0", new byte[16]).deflate();
        deflatedTorch.add("archive/data/1", new byte[16]);
        return Stream.of(
                arguments("realistic torch zip (stored)", ZipBuilder.honestTorch(), Format.PYTORCH_ZIP),
                arguments("torch zip with deflated members", deflatedTorch.bytes(), Format.PYTORCH_ZIP),
                arguments("java.util.zip torch archive (data descriptors)", javaZip(), Format.PYTORCH_ZIP),
                arguments("torch zip with zip64 end records, classic fields kept (PyTorch's writer)", torch().zip64().bytes(),
                        Format.PYTORCH_ZIP),
                arguments("torch zip with zip64 end records, classic fields saturated", torch().zip64Saturated().bytes(),
                        Format.PYTORCH_ZIP),
                arguments("npz", zip().with("a.npy", npy()).with("b.npy", npy()).bytes(), Format.NUMPY_ZIP),
                arguments("torch legacy with two storages", legacy(legacyModel(), List.of("0", "1"),
                        concat(le64(4), new byte[16], le64(2), new byte[16])), Format.PYTORCH_LEGACY),
                arguments("numpy array pickled at protocol 2", numpyProto2(), Format.PICKLE),
                arguments("range pickled by Python 3 at protocol 2 (__builtin__.xrange)", p().proto(2).global("__builtin__", "xrange")
                        .int1(0).int1(3).int1(1).op(0x87).reduce().stop().bytes(), Format.PICKLE),
                arguments("set and bytes at protocol 0 (__builtin__.set, _codecs.encode)", p().global("__builtin__", "set")
                        .mark().emptyList().global("_codecs", "encode").mark().unicode("x").unicode("latin1").tuple().reduce()
                        .op('a').tuple().reduce().stop().bytes(), Format.PICKLE),
                arguments("joblib dump with an inline array", HostilePickleTest.joblibWithArrayThen(new byte[0]), Format.JOBLIB));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honest")
    void honestFilesRaiseNothingThatBlocks(String name, byte[] bytes, Format format) throws IOException {
        assertThat(FormatSniffer.sniff(bytes, bytes.length).format()).isEqualTo(format);
        List<Finding> f = HostilePickleTest.scan(bytes);
        assertThat(f).as(name).noneMatch(x -> x.severity().atLeast(Severity.MEDIUM));
        if (format != Format.NUMPY_ZIP) {
            assertThat(f).as(name).anyMatch(x -> x.rule().equals("pickle.safe_import"));
        }
    }

    @Test
    void unknownImportsCanBeRaisedByPolicy() throws IOException {
        // an unlisted class only referenced (a call of one is HIGH whatever the policy: pickle.unlisted_call)
        byte[] b = io.airlock.fixtures.PickleBuilder.p().proto(2).global("mylib.linear_model", "LogisticRegression")
                .stop().bytes();
        StaticScan strict = new StaticScan(ImportTiers.builtin(), StaticScanPolicy.defaults().withUnknownImport(Severity.HIGH));
        assertThat(strict.scan(ByteSource.of(b), Format.PICKLE).findings())
                .anySatisfy(x -> assertThat(x.severity()).isEqualTo(Severity.HIGH));
        assertThat(HostilePickleTest.scan(b)).allSatisfy(x -> assertThat(x.severity()).isEqualTo(Severity.MEDIUM));
    }

    @Test
    void aDeflateBombStopsAtTheRatioOnceItIsBig() throws IOException {
        ZipBuilder bomb = zip();
        bomb.add("zeros.bin", new byte[4 << 20]).deflate();
        StaticScanPolicy floor1m = new StaticScanPolicy(Severity.MEDIUM, PickleMachine.Limits.defaults(),
                new ZipArchive.Limits(100, 500, 1L << 20, 1L << 30, 1L << 20), 3, 1 << 20, 25);
        List<Finding> f = new StaticScan(ImportTiers.builtin(), floor1m).scan(ByteSource.of(bomb.bytes()), Format.ZIP).findings();
        assertThat(f).anySatisfy(x -> assertThat(x.rule()).isEqualTo("zip.compression_ratio"));
        // the same member under the default 64 MiB floor is an honest zero-filled array
        assertThat(HostilePickleTest.scan(bomb.bytes())).noneMatch(x -> x.severity().blocksByDefault());
    }

    @Test
    void tooManyEntriesStopsAtTheBound() throws IOException {
        ZipBuilder z = zip();
        for (int i = 0; i < 20; i++) {
            z.with("m" + i, new byte[1]);
        }
        StaticScanPolicy small = new StaticScanPolicy(Severity.MEDIUM, PickleMachine.Limits.defaults(),
                new ZipArchive.Limits(10, 1000, 1L << 20, 1L << 30, 1L << 20), 3, 1 << 20, 25);
        List<Finding> f = new StaticScan(ImportTiers.builtin(), small).scan(ByteSource.of(z.bytes()), Format.ZIP).findings();
        assertThat(f).anySatisfy(x -> assertThat(x.rule()).isEqualTo("zip.too_many_entries"));
    }

    @Test
    void picklesDeeperThanTheStackBoundStopAsAFinding() throws IOException {
        PickleBuilder b = p().proto(2);
        for (int i = 0; i < 200; i++) {
            b.mark();
        }
        StaticScanPolicy small = new StaticScanPolicy(Severity.MEDIUM, new PickleMachine.Limits(1000, 1000, 100, 1000, 64, 8, 1),
                ZipArchive.Limits.defaults(), 3, 1 << 20, 25);
        List<Finding> f = new StaticScan(ImportTiers.builtin(), small).scan(ByteSource.of(b.stop().bytes()), Format.PICKLE).findings();
        assertThat(f).anySatisfy(x -> {
            assertThat(x.rule()).isEqualTo("pickle.limit_exceeded");
            assertThat(x.severity()).isEqualTo(Severity.HIGH);
        });
    }

    @Test
    void manyFindingsAreCappedButStillBlock() throws IOException {
        PickleBuilder b = p().proto(4);
        for (int i = 0; i < 100; i++) {
            b.stackGlobal("os", "f" + i).pop();
        }
        List<Finding> f = HostilePickleTest.scan(b.none().stop().bytes());
        assertThat(f.stream().filter(x -> x.rule().equals("pickle.dangerous_import"))).hasSize(26);
        assertThat(f).anySatisfy(x -> assertThat(x.message()).contains("75 more pickle.dangerous_import"));
    }

    // ---- samples ----

    /** torch.save legacy: magic, protocol 1001, sys info, the model (storage '0' of 4 floats, '1' of 2 longs), keys. */
    static byte[] legacy(byte[] model, List<String> keys, byte[] storages) {
        PickleBuilder k = p().proto(2).emptyList().mark();
        for (String key : keys) {
            k.binUnicode(key);
        }
        byte[] keyList = k.op('e').stop().bytes();
        return concat(legacyHead(), model, keyList, storages);
    }

    /** The first three legacy pickles: magic number, protocol version, system info. */
    static byte[] legacyHead() {
        byte[] magic = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
                (byte) 0xa8, 0x50, 0x19, 0x2e};
        byte[] protocol = p().proto(2).op('M').le(1001, 2).stop().bytes();
        byte[] sysInfo = p().proto(2).emptyDict().binUnicode("little_endian").op(0x88).setitem().stop().bytes();
        return concat(magic, protocol, sysInfo);
    }

    static byte[] legacyModel() {
        return p().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().mark()
                .binUnicode("w").global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().binUnicode("storage").global("torch", "FloatStorage").binUnicode("0").binUnicode("cpu").int1(4)
                .none().tuple().binpersid().int1(0).int1(4).tuple1().int1(1).tuple1().op(0x89)
                .global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce()
                .binUnicode("step").global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().binUnicode("storage").global("torch", "LongStorage").binUnicode("1").binUnicode("cpu").int1(2)
                .none().tuple().binpersid().int1(0).int1(2).tuple1().int1(1).tuple1().op(0x89)
                .global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce()
                .setitems().stop().bytes();
    }

    /** numpy.array([1.0, 2.0]) pickled by Python 3 at protocol 2 (bytes as _codecs.encode). */
    static byte[] numpyProto2() {
        return p().proto(2).global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray").int1(0).tuple1()
                .shortBinBytes(new byte[]{'b'}).op(0x87).reduce()
                .mark().int1(1).int1(2).tuple1().global("numpy", "dtype").binUnicode("f8").op(0x89).op(0x88).op(0x87).reduce()
                .mark().int1(3).binUnicode("<").none().none().none().op('J').le(-1, 4).op('J').le(-1, 4).int1(0).tuple().build()
                .op(0x89).global("_codecs", "encode").binUnicode("\u0000\u0000\u0000\u0000\u0000\u0000\u00f0?")
                .binUnicode("latin1").op(0x86).reduce().tuple().build().stop().bytes();
    }

    static byte[] npy() {
        byte[] dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }".getBytes(StandardCharsets.US_ASCII);
        byte[] header = java.util.Arrays.copyOf(dict, 118);
        java.util.Arrays.fill(header, dict.length, 117, (byte) ' ');
        header[117] = '\n';
        return concat(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}, header, new byte[4]);
    }

    /** The honest torch layout written by java.util.zip: deflated members with data descriptors. */
    static byte[] javaZip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
            for (String[] m : new String[][]{{"archive/data.pkl", ""}, {"archive/data/0", ""}, {"archive/data/1", ""}}) {
                z.putNextEntry(new java.util.zip.ZipEntry(m[0]));
                z.write(m[0].endsWith(".pkl") ? DATA_PKL : new byte[16]);
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] le64(long v) {
        return p().le(v, 8).bytes();
    }

    static byte[] concat(byte[]... parts) {
        return HostilePickleTest.concat(parts);
    }
}
