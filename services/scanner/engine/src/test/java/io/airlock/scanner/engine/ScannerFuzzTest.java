package io.airlock.scanner.engine;

import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.formats.Sniff;
import io.airlock.formats.SniffLimits;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.airlock.scanner.engine.analysis.FolderScan;
import io.airlock.scanner.engine.analysis.ImportTiers;
import io.airlock.scanner.engine.analysis.StaticScan;
import io.airlock.scanner.engine.analysis.StaticScanPolicy;
import io.airlock.formats.ByteSource;
import io.airlock.formats.MalformedException;
import io.airlock.formats.OnnxModelHeader;

import java.io.IOException;
import java.util.HashMap;

/**
 * Coverage-guided fuzzing (Jazzer) of every parser that reads hostile model bytes: the sniffer,
 * the strict GGUF, safetensors and ONNX validators, the pickle machine and the zip reader (through
 * the static scan), the tar reader and the model-folder rules, the ONNX gate's whole-model walk, the
 * HDF5 byte search for Keras configs, the SavedModel graph walk, the 7z reader and the OpenPGP signature reader. A parser may answer findings; it may not throw anything else, hang, or run out
 * of memory. The normal build runs the seeds under {@code ScannerFuzzTestInputs} (regression mode);
 * its {@code fuzz-*} executions fuzz each target for a bounded time; {@code bench/fuzz.sh} longer.
 */
class ScannerFuzzTest {
    private static final StaticScan SCAN = new StaticScan(ImportTiers.builtin(), StaticScanPolicy.defaults());
    private static final FolderScan FOLDERS = new FolderScan(StaticScanPolicy.defaults());

    @FuzzTest(maxDuration = "10s")
    void sniffAndValidate(byte[] bytes) throws IOException {
        Sniff s = FormatSniffer.sniff(ByteSource.of(bytes), SniffLimits.defaults());
        StrictValidation.validate(ByteSource.of(bytes), s.format(), new HashMap<>());
        SCAN.scan(ByteSource.of(bytes), s.format());
    }

    @FuzzTest(maxDuration = "10s")
    void gguf(byte[] bytes) throws IOException {
        StrictValidation.validate(ByteSource.of(bytes), Format.GGUF, new HashMap<>());
    }

    @FuzzTest(maxDuration = "10s")
    void safetensors(byte[] bytes) throws IOException {
        StrictValidation.validate(ByteSource.of(bytes), Format.SAFETENSORS, new HashMap<>());
    }

    @FuzzTest(maxDuration = "10s")
    void onnx(byte[] bytes) throws IOException {
        try {
            OnnxModelHeader.read(ByteSource.of(bytes), 100_000);
        } catch (MalformedException e) {
            // the refusal a malformed model gets
        }
        // the format gate's whole-model walk (domains, functions, external data)
        StrictValidation.validate(ByteSource.of(bytes), Format.ONNX, new HashMap<>());
    }

    /** The jinja2 template parser and the rules on its tree: findings (a refusal is the syntax check), nothing else. */
    @FuzzTest(maxDuration = "10s")
    void chatTemplate(byte[] bytes) {
        io.airlock.formats.jinja.ChatTemplateRules.judge(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The TensorFlow SavedModel graph walk (saved_model.pb): a refusal or the ops found, nothing else. */
    @FuzzTest(maxDuration = "10s")
    void savedModel(byte[] bytes) throws IOException {
        try {
            io.airlock.formats.SavedModelGraph.walk(ByteSource.of(bytes), 100_000);
        } catch (MalformedException e) {
            // the refusal a malformed graph gets (savedmodel.malformed)
        }
    }

    /** The 7z reader (Commons Compress under the archive bounds) and the members it hands to the static scan. */
    @FuzzTest(maxDuration = "10s")
    void sevenZip(byte[] bytes) throws IOException {
        SCAN.scan(ByteSource.of(bytes), Format.SEVEN_ZIP);
    }

    /** The byte search for a Keras model config in an HDF5 file and the strict JSON reader behind it. */
    @FuzzTest(maxDuration = "10s")
    void hdf5(byte[] bytes) throws IOException {
        SCAN.scan(ByteSource.of(bytes), Format.HDF5);
    }

    private static final io.airlock.signing.OpenPgp.TrustedKeys PGP_KEYS = pgpKeys();

    private static io.airlock.signing.OpenPgp.TrustedKeys pgpKeys() {
        try {
            return io.airlock.signing.OpenPgp.trustedKeys(java.util.List.of(PgpSamples.armored(PgpSamples.ed())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A detached OpenPGP signature, armored or binary, against a pinned Ed25519 key. */
    @FuzzTest(maxDuration = "10s")
    void openPgp(byte[] bytes) throws IOException {
        io.airlock.signing.OpenPgp.verify(bytes, new java.io.ByteArrayInputStream(new byte[16]), PGP_KEYS);
    }

    @FuzzTest(maxDuration = "10s")
    void pickle(byte[] bytes) throws IOException {
        SCAN.scan(ByteSource.of(bytes), Format.PICKLE);
    }

    @FuzzTest(maxDuration = "10s")
    void zip(byte[] bytes) throws IOException {
        SCAN.scan(ByteSource.of(bytes), Format.ZIP);
    }

    /** The tar reader (plain and gzip-compressed) and the folder rules with their strict JSON reader. */
    @FuzzTest(maxDuration = "10s")
    void tarFolder(byte[] bytes) throws IOException {
        SCAN.scan(ByteSource.of(bytes), Format.TAR);
        FOLDERS.recognise(ByteSource.of(bytes), Format.TAR);
        FOLDERS.scan(ByteSource.of(bytes), Format.MODEL_FOLDER, java.util.Set.of(Format.PICKLE));
    }
}
