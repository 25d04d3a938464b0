package io.airlock.registry.task.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.airlock.formats.TaskBundle;
import io.airlock.formats.python.Ast;
import io.airlock.formats.python.Parser;
import io.airlock.formats.python.PySyntaxError;
import io.airlock.registry.common.RegistryException;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A task's {@code task.yml} read strictly at registration, with the static checks of its
 * {@code reference.py}: the same keys and rules the judge applies when it loads the task (judge.py's
 * {@code load_task}), so a task the registry accepts is one the judge can load.
 *
 * <p>Public (shown to submitters): the parsed {@code task.yml} ({@link #summary}) and the files the
 * sandbox gives the submission anyway ({@link #publicFiles}: those {@code files} names other than the
 * submission, {@code reference.py} and {@code eval.py}). Private: {@code reference.py} (the generator and
 * the checker) and anything else in the folder.
 *
 * @param lang        py or cu
 * @param summary     the parsed task.yml, as JSON
 * @param publicFiles names of the files a submitter may read
 * @param notes       what registration noticed and did not refuse
 */
public record TaskSpec(String lang, ObjectNode summary, Set<String> publicFiles, List<String> notes) {
    static final Set<String> KEYS = Set.of("files", "lang", "description", "config", "tests", "benchmarks",
            "ranking_by", "templates", "multi_gpu", "gpus", "devices", "test_timeout", "benchmark_timeout",
            "ranked_timeout");
    private static final String SUBMISSION = "@SUBMISSION@";
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder().build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Checks the bundle's task.yml and reference.py; every refusal is a 400 that says what to fix. */
    public static TaskSpec of(TaskBundle bundle) {
        byte[] yml = bundle.files().get("task.yml");
        if (yml == null) {
            throw invalid("the task has no task.yml");
        }
        JsonNode spec;
        try {
            spec = YAML.readTree(yml);
        } catch (IOException e) {
            throw invalid("task.yml is not valid YAML: " + firstLine(e.getMessage()));
        }
        if (spec == null || !spec.isObject()) {
            throw invalid("task.yml is not a mapping");
        }
        List<String> unknown = new ArrayList<>();
        spec.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) {
                unknown.add(k);
            }
        });
        if (!unknown.isEmpty()) {
            throw invalid("task.yml has unknown keys: " + String.join(", ", unknown.stream().sorted().toList()));
        }
        JsonNode gpus = spec.path("gpus");
        if (spec.path("multi_gpu").asBoolean(false) || (gpus.isNumber() && gpus.asInt() > 1)) {
            throw invalid("multi-GPU tasks are not supported: the judge runs one worker on one device "
                    + "(task.yml sets multi_gpu or gpus > 1)");
        }
        String lang = spec.path("lang").asText("");
        if (!spec.path("lang").isTextual() || !(lang.equals("py") || lang.equals("cu"))) {
            throw invalid("task.yml: lang must be py or cu");
        }
        Set<String> publicFiles = new LinkedHashSet<>();
        int submissions = 0;
        JsonNode files = spec.path("files");
        if (!files.isArray() || files.isEmpty()) {
            throw invalid("task.yml: files must be a non-empty list of {name, source}");
        }
        for (JsonNode f : files) {
            if (!f.isObject() || f.size() != 2 || !f.path("name").isTextual() || !f.path("source").isTextual()) {
                throw invalid("task.yml: each of files needs exactly name and source (text)");
            }
            String name = f.path("name").asText();
            String source = f.path("source").asText();
            if (!TaskBundle.NAME.matcher(name).matches() || name.length() > 64) {
                throw invalid("task.yml: file name '" + name + "' is not a plain name");
            }
            if (SUBMISSION.equals(source)) {
                submissions++;
            } else if (!bundle.files().containsKey(source)) {
                throw invalid("task.yml: source '" + source + "' of " + name + " is not a file of the task");
            } else if (!name.equals("reference.py") && !name.equals("eval.py")
                    && !source.equals("reference.py") && !source.equals("eval.py")) {
                publicFiles.add(source);
            }
        }
        if (submissions != 1) {
            throw invalid("task.yml: exactly one of files must have source " + SUBMISSION + " (found " + submissions + ")");
        }
        cases(spec, "tests", true);
        cases(spec, "benchmarks", false);
        JsonNode devices = spec.path("devices");
        if (!devices.isMissingNode()) {
            boolean ok = devices.isArray() && !devices.isEmpty();
            for (JsonNode d : devices) {
                ok &= d.isTextual() && (d.asText().equals("cpu") || d.asText().equals("cuda"));
            }
            if (!ok) {
                throw invalid("task.yml: devices must be a non-empty list of cpu and/or cuda");
            }
        }
        reference(bundle);
        List<String> notes = new ArrayList<>();
        if (bundle.files().containsKey("eval.py")) {
            notes.add("the task's eval.py is ignored: it would run the checker inside the submission's process; "
                    + "the judge runs reference.py's checker in its own");
        }
        return new TaskSpec(lang, (ObjectNode) spec, publicFiles, List.copyOf(notes));
    }

    private static void cases(JsonNode spec, String key, boolean required) {
        JsonNode cases = spec.path(key);
        if (cases.isMissingNode() || cases.isNull()) {
            if (required) {
                throw invalid("task.yml: a task needs at least one of " + key);
            }
            return;
        }
        if (!cases.isArray() || (required && cases.isEmpty())) {
            throw invalid("task.yml: " + key + " must be a" + (required ? " non-empty" : "") + " list of mappings");
        }
        for (JsonNode c : cases) {
            if (!c.isObject()) {
                throw invalid("task.yml: " + key + " must be a list of mappings");
            }
            for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!c.get(k).isValueNode() || c.get(k).isNull()) {
                    throw invalid("task.yml: " + key + " case field " + k + " must be a scalar");
                }
            }
        }
    }

    /**
     * reference.py must define generate_input, ref_kernel and check_implementation: a top-level
     * {@code def} of each, read with the precheck's Python parser (a name spelled inside a string or a
     * comment does not count, and a file that does not parse is refused). The judge imports the module
     * and probes the functions before any submission runs, so this is a first answer, not the proof.
     */
    private static void reference(TaskBundle bundle) {
        byte[] ref = bundle.files().get("reference.py");
        if (ref == null) {
            throw invalid("the task has no reference.py (generate_input, ref_kernel, check_implementation)");
        }
        Ast.PyModule module;
        try {
            module = Parser.parse(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(ref)).toString());
        } catch (CharacterCodingException e) {
            throw invalid("reference.py is not UTF-8");
        } catch (PySyntaxError e) {
            throw invalid("reference.py does not parse: " + e.getMessage());
        }
        Set<String> defined = new HashSet<>();
        for (Ast.Stmt st : module.body()) {
            if (st instanceof Ast.FunctionDef f) {
                defined.add(f.name());
            }
        }
        List<String> missing = new ArrayList<>();
        for (String fn : List.of("generate_input", "ref_kernel", "check_implementation")) {
            if (!defined.contains(fn)) {
                missing.add(fn);
            }
        }
        if (!missing.isEmpty()) {
            throw invalid("reference.py defines no top-level " + String.join(", ", missing));
        }
    }

    /** The summary with the public file names added, for views. */
    public ObjectNode publicSummary() {
        ObjectNode s = summary.deepCopy();
        ArrayNode names = s.putArray("publicFiles");
        publicFiles.forEach(names::add);
        return s;
    }

    private static String firstLine(String s) {
        String m = s == null ? "" : s;
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static RegistryException invalid(String message) {
        return RegistryException.invalid(message);
    }
}
