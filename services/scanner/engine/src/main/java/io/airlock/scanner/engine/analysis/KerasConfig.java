package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Severity;
import io.airlock.formats.ByteSource;
import io.airlock.formats.EmbeddedJson;
import io.airlock.formats.MalformedException;
import io.airlock.formats.StrictJson;
import io.airlock.formats.ZipArchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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
                        StandardCharsets.UTF_8)));
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
            if (module != null && cls != null) {
                resolve(out, m, cls, module, registered, loc + ", " + here);
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

    /**
     * Keras 3's objects ({@code module}, {@code class_name}, {@code registered_name}) must resolve
     * to what Keras itself writes ({@code keras-names.txt}). Keras 3 before 3.9 resolved
     * {@code class_name} as any attribute of the module named, so a function there
     * ({@code keras.src.utils.get_file}, {@code keras.config.enable_unsafe_deserialization}) is
     * called with the config as arguments (CVE-2025-1550); only configs with a {@code module}
     * (Keras 3's format) are judged so: Keras 2 configs name classes alone, resolved by Keras's own
     * registry. Modules outside Keras are {@code keras.foreign_module}'s.
     */
    private static void resolve(Findings out, Map<?, ?> m, String cls, String module, String registered, String where) {
        boolean keras = module.equals("keras") || module.startsWith("keras.");
        if (cls.startsWith("__") && cls.endsWith("__") && cls.length() > 4) {
            return; // Keras's markers for tensors, tuples, lambdas and other non-objects
        }
        if (cls.equals("function")) {
            String fn = StrictJson.string(m, "config");
            if (keras && (fn == null || !Names.TABLE.functions.contains(fn))) {
                out.add("keras.unresolved", Severity.HIGH, where, "function '" + printable(String.valueOf(fn))
                        + "' of module '" + printable(module) + "' is not a Keras activation, loss or metric", "");
            } else if (registered != null && !registered.equals(fn) && !registered.equals("function")
                    && !registered.contains(">")) {
                mismatch(out, where, registered, String.valueOf(fn));
            }
            return;
        }
        if (!CLASS_NAME.matcher(cls).matches()) {
            out.add("keras.function_as_class", Severity.HIGH, where, "class_name '" + printable(cls) + "' of module '"
                    + printable(module) + "' is not a class: Keras would resolve it as the module's attribute of that"
                    + " name and call it with the config (a function where a class belongs, CVE-2025-1550)", "");
            return;
        }
        if (Names.TABLE.code.contains(cls)) {
            if (!cls.equals("Lambda")) { // keras.lambda_layer's
                out.add("keras.code_layer", Severity.HIGH, where, "a " + cls + " layer: it loads or runs code that"
                        + " its config carries or names (a torch pickle, a SavedModel, a JAX function)",
                        preview(String.valueOf(m.get("config"))));
            }
        } else if (keras && !Names.TABLE.classes.contains(cls)) {
            out.add("keras.unresolved", Severity.HIGH, where, "class '" + printable(cls) + "' of module '"
                    + printable(module) + "' is not a Keras class this scanner knows: what Keras would build is unknown", "");
        }
        if (registered != null && !registered.equals(cls) && !registered.contains(">")) {
            mismatch(out, where, registered, cls);
        }
    }

    /** Keras looks registered_name up first, among registered custom objects: a different name is another object. */
    private static void mismatch(Findings out, String where, String registered, String named) {
        out.add("keras.unresolved", Severity.HIGH, where, "registered_name '" + printable(registered)
                + "' differs from '" + printable(named) + "': Keras resolves the registered name first", "");
    }

    private static final Pattern CLASS_NAME = Pattern.compile("[A-Z][A-Za-z0-9_]*");

    /** The names in {@code keras-names.txt}, loaded once. */
    private record Names(Set<String> classes, Set<String> code, Set<String> functions) {
        static final Names TABLE = load();

        private static Names load() {
            Map<String, Set<String>> kinds = new HashMap<>();
            try (InputStream in = KerasConfig.class.getResourceAsStream("keras-names.txt")) {
                if (in == null) {
                    throw new IllegalStateException("keras-names.txt is missing from the engine");
                }
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    String[] kv = line.split("\t", 2);
                    if (kv.length != 2 || !Set.of("class", "code", "function").contains(kv[0])) {
                        throw new IllegalStateException("keras-names.txt: bad line '" + line + "'");
                    }
                    kinds.computeIfAbsent(kv[0], k -> new HashSet<>())
                            .addAll(List.of(kv[1].trim().split(" +")));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read keras-names.txt", e);
            }
            return new Names(Set.copyOf(kinds.get("class")), Set.copyOf(kinds.get("code")),
                    Set.copyOf(kinds.get("function")));
        }
    }

    private static String printable(String s) {
        return ZipArchive.printable(s);
    }

    private static String preview(String s) {
        return printable(s.length() > 200 ? s.substring(0, 200) + "..." : s);
    }
}
