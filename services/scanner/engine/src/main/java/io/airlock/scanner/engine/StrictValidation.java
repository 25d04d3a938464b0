package io.airlock.scanner.engine;

import io.airlock.formats.Format;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.scanner.engine.analysis.FolderScan;
import io.airlock.scanner.engine.analysis.StaticScanPolicy;
import io.airlock.scanner.engine.analysis.WeightStats;
import io.airlock.formats.ByteSource;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.GgufValidator;
import io.airlock.formats.MalformedException;
import io.airlock.formats.OnnxExternalData;
import io.airlock.formats.SafetensorsValidator;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The format gate's strict validators for the formats that are allowed by default: a file that
 * breaks a rule fails the gate with that rule's finding (HIGH), because a parse error of a hostile
 * format is a rejection, never a skip. An ONNX model is walked whole (tensor bytes stepped over)
 * for what it would load from outside itself: external data and custom-domain operators.
 */
final class StrictValidation {
    private StrictValidation() {
    }

    /**
     * What validation found.
     *
     * @param tensors the file's tensors where to find their data, null when the file broke a rule or
     *                is not GGUF or safetensors
     */
    record Validated(List<Finding> findings, List<WeightStats.Tensor> tensors) {
    }

    /** Validates {@code file} as {@code format}; adds what it learnt to {@code details}. */
    static Validated validate(Path file, Format format, Map<String, String> details) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return validate(ByteSource.of(ch), format, details);
        }
    }

    static Validated validate(ByteSource src, Format format, Map<String, String> details) throws IOException {
        List<Finding> out = new ArrayList<>();
        List<WeightStats.Tensor> tensors = new ArrayList<>();
        try {
            if (format == Format.GGUF) {
                GgufValidator.Layout l = GgufValidator.validate(src);
                details.put("gguf.version", Integer.toString(l.version()));
                details.put("gguf.tensors", Integer.toString(l.tensors().size()));
                details.put("gguf.keys", Long.toString(l.kvCount()));
                details.put("gguf.alignment", Long.toString(l.alignment()));
                tensors.addAll(WeightStats.tensors(l));
                GgufValidator.SplitKey count = l.split().get("split.count");
                if (count != null && count.value() > 1) {
                    // llama.cpp opens the sibling parts by name: they load beside this file unscanned
                    GgufValidator.SplitKey no = l.split().get("split.no");
                    out.add(new Finding("gguf.split_part_alone", Severity.MEDIUM, ScanEngine.FORMAT_GATE, "key 'split.count'",
                            "part " + (no == null ? "?" : Long.toString(no.value() + 1)) + " of a model split in "
                            + count.value() + " parts, scanned alone: the other parts a loader opens beside it were not "
                            + "scanned; send the parts together as one archive", ""));
                }
                for (GgufValidator.Injection i : l.injections()) {
                    out.add(new Finding(FolderScan.templateRule("gguf", i), FolderScan.severity(i), ScanEngine.FORMAT_GATE,
                            "key '" + i.key() + "'", FolderScan.templateMessage(i), i.context()));
                }
            } else if (format == Format.ONNX) {
                return onnx(src, details);
            } else if (format == Format.SAFETENSORS) {
                SafetensorsValidator.Layout l = SafetensorsValidator.validate(src);
                details.put("safetensors.tensors", Integer.toString(l.tensors().size()));
                details.put("safetensors.headerLength", Long.toString(l.headerLength()));
                details.put("safetensors.metadataEntries", Integer.toString(l.metadataEntries()));
                tensors.addAll(WeightStats.tensors(l));
            }
        } catch (FormatViolation v) {
            out.add(violation(v, ScanEngine.FORMAT_GATE));
            return new Validated(out, null);
        }
        return new Validated(out, tensors);
    }

    private static Validated onnx(ByteSource src, Map<String, String> details) throws IOException {
        OnnxExternalData.Model m;
        try {
            m = OnnxExternalData.walk(src, FolderScan.ONNX_FIELDS);
        } catch (MalformedException e) {
            // the sniffer read the top level only; a runtime parses all of it
            return new Validated(List.of(new Finding("onnx.malformed", Severity.HIGH, ScanEngine.FORMAT_GATE,
                    "offset " + e.offset(), "the model cannot be walked: " + e.getMessage(), "")), null);
        }
        details.put("onnx.nodes", Long.toString(m.nodes()));
        details.put("onnx.functions", Long.toString(m.functions()));
        details.put("onnx.externalTensors", Integer.toString(m.refs().size()));
        details.put("onnx.customOperators", Integer.toString(m.customOps().size()));
        return new Validated(FolderScan.onnxFindings(m, ScanEngine.FORMAT_GATE,
                StaticScanPolicy.defaults().maxFindingsPerRule()), null);
    }


    /** A violation as a HIGH finding of {@code stage}, located at its offset (and tensor or key). */
    static Finding violation(FormatViolation v, String stage) {
        String where = v.location().isEmpty() ? "offset " + v.offset() : v.location() + " (offset " + v.offset() + ")";
        return new Finding(v.rule(), Severity.HIGH, stage, where, v.getMessage(), "");
    }
}
