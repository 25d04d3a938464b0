package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Severity;
import io.airlock.formats.ByteSource;
import io.airlock.formats.EmbeddedJson;
import io.airlock.formats.MalformedException;
import io.airlock.formats.StrictJson;
import io.airlock.formats.ZipArchive;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Keras config rules (the ones {@code folder_scan} applies to a {@code .keras} archive's
 * config.json) for a Keras {@code .h5} file, whose model config is an HDF5 attribute: a Lambda
 * layer ({@code keras.lambda_layer}: its marshalled bytecode runs when the model is loaded or
 * called), an object from a module outside Keras ({@code keras.foreign_module}), a registered
 * custom object ({@code keras.custom_object}).
 *
 * <p>The HDF5 structure is not parsed. The config is found by {@link EmbeddedJson}'s bounded byte
 * search (a string attribute is stored as its bytes) and read with the strict JSON reader; every
 * object found is checked, so a decoy config beside the real one does not hide it. What this cannot
 * see is said, never passed as clean: no config found is {@code keras.h5_not_inspected} (LOW), an
 * object Python would read but the strict reader refuses is {@code keras.malformed}, a search that
 * hit a bound is {@code keras.limit_exceeded} (both HIGH, and rejecting whatever the policy line:
 * the file cannot be read unambiguously).
 */
final class KerasConfig {
    private KerasConfig() {
    }

    /**
     * What the byte search of one HDF5 file found.
     *
     * @param searched bytes searched
     * @param objects  JSON objects found
     * @param configs  offsets of those that are model configs (a class_name at the top)
     * @param complete whether the search reached the end
     */
    record H5(long searched, int objects, List<Long> configs, boolean complete) {
        H5 {
            configs = List.copyOf(configs);
        }

        /** One line for the report's details. */
        String describe() {
            return (configs.isEmpty() ? "no Keras model config" : "Keras model config at offset" + (configs.size() > 1 ? "s " : " ")
                    + configs.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse(""))
                    + " located by a byte search of " + searched + " bytes (" + objects + " JSON object(s); HDF5 structure not"
                    + " parsed)" + (complete ? "" : "; the search stopped at a bound");
        }
    }

    /**
     * Searches an HDF5 file (or member) for its model config and judges every JSON object found.
     * {@code alone}: the scanned file itself, which says LOW when no config is found; a member of an
     * archive says nothing then (a weights file holds none, and the folder stage reports .h5 members).
     */
    static H5 h5(ByteSource src, String where, Findings out, boolean alone) throws IOException {
        EmbeddedJson.Search s = EmbeddedJson.search(src, EmbeddedJson.Limits.defaults());
        List<Long> configs = new ArrayList<>();
        for (EmbeddedJson.Found f : s.objects()) {
            String loc = Findings.at(where, f.offset()) + " (JSON found by byte search; HDF5 structure not parsed)";
            byte[] bytes = src.readExactly(f.offset(), f.length());
            Object tree;
            try {
                tree = StrictJson.parse(bytes);
            } catch (MalformedException e) {
                out.add("keras.malformed", Severity.HIGH, loc, "a JSON object in the HDF5 bytes that Python's json.loads would"
                        + " read but the strict reader refuses (" + e.getMessage() + "): if it is the model config, what Keras"
                        + " builds from it was not inspected", preview(new String(bytes, 0, Math.min(bytes.length, 200),
                        java.nio.charset.StandardCharsets.UTF_8)));
                continue;
            }
            if (StrictJson.string(tree, "class_name") != null) {
                configs.add(f.offset());
            }
            check(out, tree, loc);
        }
        if (!s.complete()) {
            out.add("keras.limit_exceeded", Severity.HIGH, Findings.at(where, s.stopOffset()), "the byte search for a Keras"
                    + " model config stopped at " + s.stop().why() + ", " + s.searched() + " bytes into " + src.size()
                    + ": the rest of the file was not searched", "");
        } else if (configs.isEmpty() && alone) {
            out.add("keras.h5_not_inspected", Severity.LOW, where.isEmpty() ? "file" : where, "not run: no Keras model"
                    + " config (a JSON object with a class_name) found by a byte search of the HDF5 file; its structure is"
                    + " not parsed, so a config stored otherwise (Lambda layers in it too) would go unseen", "");
        }
        return new H5(s.searched(), s.objects().size(), configs, s.complete());
    }

    /** Applies the rules to a parsed config, at any depth; {@code loc} says where the config is. */
    static void check(Findings out, Object tree, String loc) {
        walk(out, tree, loc, "", 0);
    }

    private static void walk(Findings out, Object tree, String loc, String at, int depth) {
        if (depth > 64) {
            return; // the strict reader refuses deeper documents
        }
        if (tree instanceof Map<?, ?> m) {
            String cls = StrictJson.string(m, "class_name");
            String module = StrictJson.string(m, "module");
            String registered = StrictJson.string(m, "registered_name");
            String here = at.isEmpty() ? "config" : at;
            if ("Lambda".equals(cls) || "__lambda__".equals(cls)) {
                out.add("keras.lambda_layer", Severity.HIGH, loc + ", " + here, "a Lambda layer: its Python"
                        + " bytecode runs when the model is loaded or called", preview(String.valueOf(m.get("config"))));
            }
            if (module != null && !module.equals("keras") && !module.startsWith("keras.")) {
                out.add("keras.foreign_module", Severity.HIGH, loc + ", " + here, "object from module '"
                        + printable(module) + "' (class '" + printable(String.valueOf(cls)) + "'): Keras imports it"
                        + " when loading", "");
            }
            if (registered != null && registered.contains(">") && !registered.startsWith("keras")) {
                out.add("keras.custom_object", Severity.HIGH, loc + ", " + here, "registered custom object '"
                        + printable(registered) + "': its code comes from outside Keras", "");
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(out, e.getValue(), loc, here + "." + e.getKey(), depth + 1);
            }
        } else if (tree instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(out, l.get(i), loc, at + "[" + i + "]", depth + 1);
            }
        }
    }

    private static String printable(String s) {
        return ZipArchive.printable(s);
    }

    private static String preview(String s) {
        return printable(s.length() > 200 ? s.substring(0, 200) + "..." : s);
    }
}
