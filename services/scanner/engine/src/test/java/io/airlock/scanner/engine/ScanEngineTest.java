package io.airlock.scanner.engine;

import io.airlock.fixtures.ZipBuilder;
import io.airlock.fixtures.PickleBuilder;

import io.airlock.formats.Format;

import io.airlock.fixtures.Samples;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static io.airlock.fixtures.Samples.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ScanEngineTest {
    @TempDir
    Path dir;
    final ScanEngine engine = new ScanEngine();

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, kind, bytes, verdict, deciding stage ("" when none), rules of the deciding stage
                arguments("gguf model", Kind.MODEL, gguf(3), ScanVerdict.PASS, "", List.of()),
                arguments("safetensors model", Kind.MODEL, safetensors(), ScanVerdict.PASS, "", List.of()),
                arguments("onnx model", Kind.MODEL, onnx(), ScanVerdict.PASS, "", List.of()),
                arguments("python kernel", Kind.KERNEL, python(), ScanVerdict.PASS, "", List.of()),
                arguments("pickle model", Kind.MODEL, pickleProto2(), ScanVerdict.REJECT, "format_gate", List.of("format.denied")),
                arguments("protocol 0 pickle model", Kind.MODEL, pickleProto0(), ScanVerdict.REJECT, "format_gate", List.of("format.denied")),
                arguments("pytorch zip model", Kind.MODEL, pytorchZip(), ScanVerdict.REJECT, "format_gate", List.of("format.denied")),
                arguments("torch legacy model", Kind.MODEL, torchLegacy(), ScanVerdict.REJECT, "format_gate", List.of("format.denied")),
                arguments("joblib model", Kind.MODEL, joblib(), ScanVerdict.REJECT, "format_gate", List.of("format.denied")),
                arguments("npy model", Kind.MODEL, npy(), ScanVerdict.REJECT, "format_gate", List.of("format.not_allowed")),
                arguments("python as a model", Kind.MODEL, python(), ScanVerdict.REJECT, "format_gate", List.of("format.not_allowed")),
                arguments("unknown model", Kind.MODEL, random(1000, 3), ScanVerdict.REJECT, "format_gate", List.of("format.unknown")),
                arguments("truncated safetensors", Kind.MODEL, java.util.Arrays.copyOf(safetensors(), 20), ScanVerdict.REJECT,
                        "format_gate", List.of("format.unknown")),
                arguments("gguf as a kernel", Kind.KERNEL, gguf(3), ScanVerdict.REJECT, "format_gate", List.of("format.kind_mismatch")),
                arguments("pickle as a kernel", Kind.KERNEL, pickleProto2(), ScanVerdict.REJECT, "format_gate",
                        List.of("format.kind_mismatch", "format.denied")),
                arguments("text as a kernel", Kind.KERNEL, ascii("hello\n"), ScanVerdict.REJECT, "format_gate",
                        List.of("format.kind_mismatch")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decidesByContentAndReportsEveryStage(String name, Kind kind, byte[] bytes, ScanVerdict verdict, String decidedBy,
                                             List<String> rules) throws IOException {
        Path f = Files.write(dir.resolve("artifact.bin"), bytes);
        List<StageResult> live = new ArrayList<>();
        ScanReport r = engine.scan(f, ScanOptions.defaults(kind), live::add);

        assertThat(r.verdict()).isEqualTo(verdict);
        assertThat(r.schemaVersion()).isEqualTo("airlock.scan/v1");
        assertThat(r.engineVersion()).isEqualTo(ScanEngine.VERSION);
        assertThat(live).isEqualTo(r.stages());
        assertThat(r.stages()).extracting(StageResult::stage).containsExactly("source_policy", "integrity", "format_gate", "provenance", "static_scan", "folder_scan");
        assertThat(r.sha256()).isEqualTo(sha256(bytes));
        assertThat(r.size()).isEqualTo(bytes.length);
        StageResult gate = r.stage("format_gate").orElseThrow();
        // a denied format is still named
        assertThat(gate.details()).containsEntry("format", r.format().id()).containsKey("evidence");
        StageResult last = r.stage("static_scan").orElseThrow();
        if (decidedBy.isEmpty()) {
            assertThat(List.of(r.stage("integrity").orElseThrow(), r.stage("format_gate").orElseThrow())).extracting(StageResult::status).containsOnly(StageStatus.PASS);
            // nothing to analyse statically in these formats: reported as not applicable, never as passed
            assertThat(last.status()).isEqualTo(StageStatus.SKIPPED);
            assertThat(last.details().get("reason")).satisfiesAnyOf(
                    x -> assertThat(x).contains("no static analysis applies to " + r.format().id()),
                    // GGUF and safetensors samples hold only tiny tensors: none is judged, and that is said
                    x -> assertThat(x).startsWith("no weight tensor to judge"));
        } else {
            StageResult failed = r.stage(decidedBy).orElseThrow();
            assertThat(failed.status()).isEqualTo(StageStatus.FAIL);
            assertThat(failed.findings()).extracting(Finding::rule).containsExactlyElementsOf(rules);
            assertThat(failed.findings()).allSatisfy(x -> assertThat(x.severity().blocksByDefault()).isTrue());
            // a file the gate refused is still analysed for the report; the verdict stays the gate's
            assertThat(last.details().get("ranFor")).contains("stage format_gate failed");
        }
    }

    @Test
    void aDeniedPickleIsStillAnalysedForEvidence() throws IOException {
        Path f = Files.write(dir.resolve("model.bin"), pickleProto0());
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage("format_gate").orElseThrow().findings()).extracting(Finding::rule).containsExactly("format.denied");
        StageResult st = r.stage("static_scan").orElseThrow();
        assertThat(st.status()).isEqualTo(StageStatus.FAIL);
        assertThat(st.findings()).anySatisfy(x -> {
            assertThat(x.rule()).isEqualTo("pickle.dangerous_import");
            assertThat(x.severity()).isEqualTo(io.airlock.contracts.Severity.CRITICAL);
            assertThat(x.stage()).isEqualTo("static_scan");
            assertThat(x.location()).isEqualTo("offset 0");
            assertThat(x.evidence()).contains("os.system('echo pwned')");
        });
    }

    static ScanOptions permissive() {
        return new ScanOptions("", java.util.EnumSet.allOf(Format.class), java.util.Set.of(), Kind.MODEL,
                ScanOptions.DEFAULT_MAX_MODEL_BYTES);
    }

    static Stream<Arguments> permissiveCases() {
        return Stream.of(
                arguments("honest torch zip", ZipBuilder.honestTorch(), ScanVerdict.PASS, StageStatus.PASS, ""),
                arguments("torch zip with os.system in data.pkl", ZipBuilder.zip().with("archive/data.pkl",
                        PickleBuilder.calling("os", "system", "id")).bytes(), ScanVerdict.REJECT, StageStatus.FAIL, "pickle.dangerous_import"),
                arguments("plain pickle of an unknown class, constructed", PickleBuilder.p().proto(2).global("mylib.svm", "SVC")
                        .emptyTuple().op(0x81).stop().bytes(), ScanVerdict.PASS, StageStatus.PASS, "pickle.unknown_import"),
                arguments("plain pickle calling an unknown class", PickleBuilder.calling("mylib.svm", "SVC"), ScanVerdict.REJECT,
                        StageStatus.FAIL, "pickle.unlisted_call"),
                arguments("pickle with a discarded call", PickleBuilder.p().proto(4).call("mylib", "f").pop().none().stop().bytes(),
                        ScanVerdict.REJECT, StageStatus.FAIL, "pickle.discarded_call"),
                arguments("malformed pickle", PickleBuilder.p().proto(2).binget(3).stop().bytes(), ScanVerdict.REJECT,
                        StageStatus.FAIL, "pickle.malformed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("permissiveCases")
    void withEveryFormatAllowedTheStaticScanDecides(String name, byte[] bytes, ScanVerdict verdict, StageStatus status,
                                                   String rule) throws IOException {
        Path f = Files.write(dir.resolve("model.pt"), bytes);
        ScanReport r = engine.scan(f, permissive(), StageListener.NONE);
        assertThat(r.stage("format_gate").orElseThrow().status()).isEqualTo(StageStatus.PASS);
        StageResult st = r.stage("static_scan").orElseThrow();
        assertThat(r.verdict()).as(st.findings().toString()).isEqualTo(verdict);
        assertThat(st.status()).isEqualTo(status);
        assertThat(st.details()).doesNotContainKey("ranFor").containsKey("pickleStreams");
        if (!rule.isEmpty()) {
            assertThat(st.findings()).extracting(Finding::rule).contains(rule);
        }
    }

    static Stream<Arguments> strictFormats() {
        return Stream.of(
                arguments("gguf with a lying tensor count", concat(ascii("GGUF"), le32(3), le64(1000), le64(0)), "gguf.truncated",
                        "offset 24"),
                arguments("gguf chat template injection", ggufTemplate("{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
                        "gguf.template_injection", "key 'tokenizer.chat_template'"),
                arguments("safetensors with a hole", safetensorsWith("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                        "safetensors.hole", "tensor 'a'"),
                arguments("safetensors with duplicate keys", safetensorsWith("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "safetensors.duplicate_key", "key 'a'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strictFormats")
    void strictValidatorsFailTheGate(String name, byte[] bytes, String rule, String location) throws IOException {
        Path f = Files.write(dir.resolve("model"), bytes);
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        StageResult gate = r.stage("format_gate").orElseThrow();
        assertThat(gate.status()).isEqualTo(StageStatus.FAIL);
        assertThat(gate.findings()).anySatisfy(x -> {
            assertThat(x.rule()).isEqualTo(rule);
            assertThat(x.severity()).isEqualTo(io.airlock.contracts.Severity.HIGH);
            assertThat(x.location()).startsWith(location);
        });
    }

    static byte[] ggufTemplate(String template) {
        byte[] key = ascii("tokenizer.chat_template");
        byte[] value = template.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return concat(ascii("GGUF"), le32(3), le64(0), le64(1), le64(key.length), key, le32(8), le64(value.length), value);
    }

    static byte[] safetensorsWith(String header, int data) {
        byte[] h = ascii(header);
        return concat(le64(h.length), h, new byte[data]);
    }

    static Stream<Arguments> digests() throws Exception {
        String good = sha256(gguf(3));
        return Stream.of(
                arguments("", ScanVerdict.PASS),
                arguments(good, ScanVerdict.PASS),
                arguments("sha256:" + good.toUpperCase(), ScanVerdict.PASS),
                arguments("0".repeat(64), ScanVerdict.REJECT),
                arguments(good.substring(0, 63) + (good.endsWith("0") ? "1" : "0"), ScanVerdict.REJECT),
                arguments("abc", ScanVerdict.REJECT));
    }

    @ParameterizedTest(name = "expected ''{0}''")
    @MethodSource("digests")
    void theExpectedDigestMustMatch(String expected, ScanVerdict verdict) throws IOException {
        Path f = Files.write(dir.resolve("m.gguf"), gguf(3));
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL).withExpectedSha256(expected), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(verdict);
        StageResult integrity = r.stage("integrity").orElseThrow();
        if (verdict == ScanVerdict.REJECT) {
            assertThat(integrity.findings()).extracting(Finding::rule).containsExactly("integrity.sha256_mismatch");
            // stop at the first failure: later stages say why they did not run
            assertThat(r.stages().subList(2, 5)).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(StageStatus.SKIPPED);
                assertThat(s.details().get("reason")).contains("stage integrity failed");
            });
            // the gate ran while the file was hashed; its result is not passed off as a verdict
            assertThat(r.stage("format_gate").orElseThrow().details().get("reason"))
                    .startsWith("ran alongside the hash, result not used");
        }
    }

    @Test
    void anArtifactOverTheSizeLimitFailsWithoutBeingHashed() throws IOException {
        Path f = Files.write(dir.resolve("k.py"), python());
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.KERNEL).withMaxBytes(10), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage("integrity").orElseThrow().findings()).extracting(Finding::rule).containsExactly("integrity.size_limit");
        assertThat(r.sha256()).isEmpty();
    }

    static Stream<Arguments> changes() {
        return Stream.of(
                arguments("grew while hashed", 5L, 8, 8L, true),
                arguments("shrank while hashed", 8L, 5, 5L, true),
                arguments("grew after hashing", 8L, 8, 9L, true),
                arguments("unchanged", 8L, 8, 8L, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aFileThatChangesUnderTheScanFails(String name, long before, int streamed, long after, boolean fails)
            throws IOException {
        ReadAheadHash.Hashed h = ReadAheadHash.sha256(new ByteArrayInputStream(new byte[streamed]), 1000);
        StageResult r = ScanEngine.judgeIntegrity(ScanOptions.defaults(Kind.MODEL), before, h, after, System.nanoTime());
        assertThat(r.status()).isEqualTo(fails ? StageStatus.FAIL : StageStatus.PASS);
        if (fails) {
            assertThat(r.findings()).extracting(Finding::rule).containsExactly("integrity.changed_during_scan");
            assertThat(r.details()).doesNotContainKey("sha256");
        }
    }

    @Test
    void aFileRewrittenAfterItsHashFailsTheNextStageThatReadsIt() throws IOException {
        // same size, other content: the size check alone would not see it
        Path f = Files.write(dir.resolve("model.safetensors"), safetensors());
        byte[] other = safetensors();
        other[other.length - 1] = 7;
        ScanReport r = engine.scan(f, ScanOptions.defaults(Kind.MODEL), stage -> {
            if (stage.stage().equals(ScanEngine.INTEGRITY)) {
                try {
                    Files.write(f, other);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertThat(r.verdict()).isEqualTo(ScanVerdict.REJECT);
        StageResult gate = r.stage(ScanEngine.FORMAT_GATE).orElseThrow();
        assertThat(gate.status()).isEqualTo(StageStatus.FAIL);
        assertThat(gate.findings()).extracting(Finding::rule).containsExactly("integrity.changed_during_scan");
        // left alone, the same file passes
        Files.write(f, safetensors());
        assertThat(engine.scan(f, ScanOptions.defaults(Kind.MODEL), StageListener.NONE).verdict()).isEqualTo(ScanVerdict.PASS);
    }

    @Test
    void hashingReadsAheadAndGivesTheDigestOfEveryByte() throws Exception {
        byte[] data = random(5 * ReadAheadHash.CHUNK + 12345, 11);
        ReadAheadHash.Hashed h = ReadAheadHash.sha256(new ByteArrayInputStream(data), Long.MAX_VALUE);
        assertThat(h.sha256()).isEqualTo(sha256(data));
        assertThat(h.bytes()).isEqualTo(data.length);
        // a reader that fails mid-way is an error, never a digest of what came before
        java.io.InputStream failing = new java.io.SequenceInputStream(new ByteArrayInputStream(data),
                new java.io.InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("disk gone");
                    }
                });
        assertThatThrownBy(() -> ReadAheadHash.sha256(failing, Long.MAX_VALUE)).hasMessageContaining("disk gone");
    }

    @Test
    void hashingStopsOnceAStreamPassesTheLimit() throws IOException {
        ReadAheadHash.Hashed h = ReadAheadHash.sha256(new ByteArrayInputStream(new byte[3 * ReadAheadHash.CHUNK]), ReadAheadHash.CHUNK);
        assertThat(h.overLimit()).isTrue();
        assertThat(h.bytes()).isLessThanOrEqualTo(2L * ReadAheadHash.CHUNK);
    }

    @Test
    void aMissingFileIsAnErrorNeverAPass() {
        ScanReport r = engine.scan(dir.resolve("gone"), ScanOptions.defaults(Kind.MODEL), StageListener.NONE);
        assertThat(r.verdict()).isEqualTo(ScanVerdict.ERROR);
        assertThat(r.size()).isEqualTo(-1);
        assertThat(r.stage("integrity").orElseThrow().status()).isEqualTo(StageStatus.ERROR);
        assertThat(r.stage("integrity").orElseThrow().findings()).extracting(Finding::rule).containsExactly("scan.internal_error");
        assertThat(r.stages().subList(2, 5)).extracting(StageResult::status).containsOnly(StageStatus.SKIPPED);
    }

    @Test
    void aListenerThatCannotRecordAbandonsTheScan() throws IOException {
        Path f = Files.write(dir.resolve("m.gguf"), gguf(3));
        assertThatThrownBy(() -> engine.scan(f, ScanOptions.defaults(Kind.MODEL), s -> {
            throw new IllegalStateException("registry down");
        })).hasMessage("registry down");
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
