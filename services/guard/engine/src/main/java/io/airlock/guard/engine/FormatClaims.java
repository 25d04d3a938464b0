package io.airlock.guard.engine;

import io.airlock.formats.Format;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.airlock.formats.Format.*;

/**
 * What a name or a claimed format says an artifact is. Only ever compared with the format found
 * by content; never used to decide what a file is. Generic extensions ({@code .bin}, {@code .dat})
 * name no format and claim nothing.
 */
public final class FormatClaims {
    private static final Map<String, Set<Format>> BY_EXTENSION = Map.ofEntries(
            Map.entry("gguf", EnumSet.of(GGUF)),
            Map.entry("safetensors", EnumSet.of(SAFETENSORS)),
            Map.entry("onnx", EnumSet.of(ONNX)),
            // a legacy torch file and a joblib dump are pickles too
            Map.entry("pkl", EnumSet.of(PICKLE, JOBLIB, PYTORCH_LEGACY)),
            Map.entry("pickle", EnumSet.of(PICKLE, JOBLIB, PYTORCH_LEGACY)),
            Map.entry("pt", EnumSet.of(PYTORCH_ZIP, PYTORCH_LEGACY, PICKLE)),
            Map.entry("pth", EnumSet.of(PYTORCH_ZIP, PYTORCH_LEGACY, PICKLE)),
            Map.entry("ckpt", EnumSet.of(PYTORCH_ZIP, PYTORCH_LEGACY, PICKLE)),
            Map.entry("pytorch", EnumSet.of(PYTORCH_ZIP, PYTORCH_LEGACY)),
            Map.entry("torch", EnumSet.of(PYTORCH_ZIP, PYTORCH_LEGACY)),
            Map.entry("npy", EnumSet.of(NUMPY)),
            Map.entry("npz", EnumSet.of(NUMPY_ZIP)),
            Map.entry("keras", EnumSet.of(KERAS)),
            Map.entry("h5", EnumSet.of(HDF5)),
            Map.entry("hdf5", EnumSet.of(HDF5)),
            Map.entry("joblib", EnumSet.of(JOBLIB, PICKLE)),
            Map.entry("py", EnumSet.of(PYTHON_SOURCE)),
            Map.entry("python", EnumSet.of(PYTHON_SOURCE)),
            Map.entry("cu", EnumSet.of(NATIVE_SOURCE)),
            Map.entry("cuh", EnumSet.of(NATIVE_SOURCE)),
            Map.entry("cpp", EnumSet.of(NATIVE_SOURCE)),
            Map.entry("cc", EnumSet.of(NATIVE_SOURCE)),
            Map.entry("h", EnumSet.of(NATIVE_SOURCE)),
            Map.entry("zip", EnumSet.of(ZIP, PYTORCH_ZIP, NUMPY_ZIP, KERAS, MODEL_PACKAGE)),
            Map.entry("tar", EnumSet.of(TAR)),
            Map.entry("gz", EnumSet.of(GZIP)),
            Map.entry("tgz", EnumSet.of(GZIP)));

    /**
     * A claim and the formats it allows.
     *
     * @param source  what claimed it, e.g. {@code filename extension '.safetensors'}
     * @param formats the formats by content that agree with the claim
     */
    public record Claim(String source, Set<Format> formats) {
        public Claim {
            formats = Set.copyOf(formats);
        }

        public boolean agreesWith(Format sniffed) {
            return formats.contains(sniffed);
        }
    }

    private FormatClaims() {
    }

    /** The claim a file name's last extension makes, if it names a known format. */
    public static Optional<Claim> fromFilename(String filename) {
        String base = filename.substring(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
        int dot = base.lastIndexOf('.');
        if (dot <= 0 || dot == base.length() - 1) {
            return Optional.empty();
        }
        String ext = base.substring(dot + 1).toLowerCase(Locale.ROOT);
        return Optional.ofNullable(BY_EXTENSION.get(ext)).map(f -> new Claim("filename extension '." + ext + "'", f));
    }

    /**
     * The claim a stated format makes: a format id ({@code safetensors}, {@code pytorch_zip}) or an
     * extension ({@code pt}, {@code .h5}). Empty when the text names nothing known.
     */
    public static Optional<Claim> fromClaimedFormat(String claimed) {
        String c = claimed.strip().toLowerCase(Locale.ROOT);
        if (c.startsWith(".")) {
            c = c.substring(1);
        }
        String source = "claimed format '" + claimed.strip() + "'";
        Optional<Format> byId = Format.fromId(c);
        if (byId.isPresent() && byId.get() != UNKNOWN) {
            Format f = byId.get();
            Set<Format> ok = EnumSet.of(f);
            if (f == PICKLE) {
                ok.addAll(BY_EXTENSION.get("pkl"));
            } else if (f == ZIP) {
                ok.addAll(BY_EXTENSION.get("zip"));
            }
            return Optional.of(new Claim(source, ok));
        }
        return Optional.ofNullable(BY_EXTENSION.get(c)).map(f -> new Claim(source, f));
    }
}
