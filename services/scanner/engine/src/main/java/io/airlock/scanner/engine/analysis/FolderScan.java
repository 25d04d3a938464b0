package io.airlock.scanner.engine.analysis;

import io.airlock.formats.GzipBody;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.formats.Format;
import io.airlock.formats.FormatSniffer;
import io.airlock.formats.Sniff;
import io.airlock.formats.ByteSource;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.GgufValidator;
import io.airlock.formats.jinja.ChatTemplateRules;
import io.airlock.formats.InputCursor;
import io.airlock.formats.MalformedException;
import io.airlock.formats.OnnxExternalData;
import io.airlock.formats.SafetensorsValidator;
import io.airlock.formats.SavedModelGraph;
import io.airlock.formats.StrictJson;
import io.airlock.formats.TarArchive;
import io.airlock.formats.ZipArchive;
import io.airlock.formats.ZipDirectory;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipException;

/**
 * The folder stage ({@value ScanEngine#FOLDER_SCAN}): a model folder sent as one zip, tar or
 * gzip-compressed tar is read member by member as streams (nothing is unpacked, except an ONNX
 * graph or a nested .keras archive over 32 MiB, copied into a private temporary file and deleted
 * after), an index of its regular files is built, and the rules of each folder kind are checked
 * against that index:
 *
 * <ul>
 * <li>every member's format, by content, against the policy's denied formats ({@code folder.member_denied});
 * safetensors and GGUF members validated strictly, ONNX members walked whole: external data resolved inside the
 * folder with its byte range inside the file, operators from custom domains reported;</li>
 * <li>diffusers: {@code model_index.json} components are {@code [library, class]} pairs from known libraries,
 * each present as a folder;</li>
 * <li>sharded safetensors: every shard of a {@code *.safetensors.index.json} inside the folder, present, holding
 * its tensors, no tensor in two shards, no stray shard;</li>
 * <li>split GGUF: every part of {@code NAME-0000i-of-0000N.gguf} present and valid, its split.* keys agreeing
 * with its name and the parts' tensors with split.tensors.count;</li>
 * <li>Hugging Face repositories: Python files, {@code auto_map} and {@code trust_remote_code} (loading runs
 * code), chat templates scanned for template injection, Keras configs for Lambda layers and foreign modules.</li>
 * </ul>
 *
 * Archive rules (traversal, links, bombs, checksums) are the static scan's; members they make
 * unreadable are simply absent from the index here, so a shard that is a symlink is a missing shard.
 */
public final class FolderScan {
    /** The stage id its findings carry (the engine reports the stage under it). */
    public static final String STAGE = "folder_scan";

    /** What the folder travels in. */
    public enum Container { ZIP, TAR, GZIP_TAR }

    /**
     * What the member names say the folder is.
     *
     * @param kinds    folder kinds recognised (empty: not a model folder)
     * @param members  regular files listed
     * @param evidence one line for the report
     */
    public record Recognition(List<String> kinds, int members, String evidence) {
        public Recognition {
            kinds = List.copyOf(kinds);
        }
    }

    /** Configuration files read whole and parsed strictly; others (tokenizer.json, vocabularies) are only sniffed. */
    static final long MAX_CONFIG_BYTES = 16L << 20;
    /** Bound on the protobuf fields of one ONNX model walked, in a folder or alone. */
    public static final long ONNX_FIELDS = 50_000_000;
    /** ONNX Runtime's (and OpenVINO's) tag for tensor data already in memory: the offset is then read as an address. */
    static final String ORT_MEMORY_TAG = "_ORT_MEM_ADDR_";
    /** Libraries a diffusers component may name: diffusers itself, transformers, and diffusers' own pipeline modules. */
    static final Set<String> DIFFUSERS_LIBRARIES = Set.of("diffusers", "transformers", "stable_diffusion",
            "stable_diffusion_xl", "deepfloyd_if", "kandinsky", "alt_diffusion", "audioldm2", "paint_by_example",
            "wuerstchen", "stable_cascade");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SPLIT_GGUF = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.gguf");
    private static final Set<String> DIFFUSERS_ROOT_EXTRAS = Set.of(".gitattributes", ".gitignore");
    private static final Set<String> DOC_SUFFIXES = Set.of(".md", ".txt", ".png", ".jpg", ".jpeg", ".gif", ".webp");

    private final StaticScanPolicy policy;

    public FolderScan(StaticScanPolicy policy) {
        this.policy = policy;
    }

    /** The container by its first bytes: zip local header, gzip magic, else tar. */
    public static Container container(ByteSource src) throws IOException {
        byte[] h = ByteSource.headOf(src, 4);
        if (h.length >= 2 && h[0] == 'P' && h[1] == 'K') {
            return Container.ZIP;
        }
        if (h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b) {
            return Container.GZIP_TAR;
        }
        return Container.TAR;
    }

    /** The folder kinds a set of member names shows. */
    static List<String> kinds(Collection<String> names) {
        Set<String> k = new TreeSet<>();
        for (String n : names) {
            String base = base(n);
            if (base.equals("model_index.json")) {
                k.add("diffusers");
            } else if (base.endsWith(".safetensors.index.json")) {
                k.add("sharded_safetensors");
            } else if (SPLIT_GGUF.matcher(base).matches()) {
                k.add("split_gguf");
            } else if (base.equals("config.json") || base.equals("tokenizer_config.json")) {
                k.add("hf_repository");
            } else if (base.endsWith(".keras")) {
                k.add("keras");
            } else if (base.equals("saved_model.pb")) {
                k.add("tf_saved_model");
            }
        }
        return List.copyOf(k);
    }

    /**
     * Lists an archive the sniffer called zip, tar or gzip and says which folder kinds its names
     * show. A zip is listed from its central directory; a tar is walked header by header (a gzip
     * body inflated once, within the ratio bound). An archive that cannot be listed is no folder:
     * its problems are the static scan's to report.
     */
    public Recognition recognise(ByteSource src, Format sniffed) throws IOException {
        return recognise(src, sniffed, GzipBody.NONE);
    }

    /** As {@link #recognise(ByteSource, Format)}, reading a tar.gz's body from {@code body} when it was kept. */
    public Recognition recognise(ByteSource src, Format sniffed, GzipBody body) throws IOException {
        List<String> names = new ArrayList<>();
        String how;
        if (sniffed == Format.ZIP) {
            try {
                names.addAll(ZipDirectory.read(src, policy.zip().maxDirectoryBytes(), policy.zip().maxEntries()).names());
            } catch (MalformedException e) {
                return new Recognition(List.of(), 0, "zip directory unreadable: " + e.getMessage());
            }
            how = "zip";
        } else if (sniffed == Format.TAR || sniffed == Format.GZIP) {
            Container c = sniffed == Format.GZIP ? Container.GZIP_TAR : Container.TAR;
            try {
                if (c == Container.GZIP_TAR) {
                    try (InputStream in = open(src, c, body)) {
                        if (!tarHead(in)) {
                            return new Recognition(List.of(), 0, "gzip body is not a tar");
                        }
                    }
                }
                // names only: member data is skipped (read through, for a gzip body)
                try (InputStream in = open(src, c, body)) {
                    TarArchive t = TarArchive.open(in, TarArchive.Limits.of(policy.zip()), new ArrayList<>());
                    TarArchive.Entry e;
                    while ((e = t.next()) != null) {
                        if (e.regular()) {
                            names.add(e.name());
                        }
                    }
                }
            } catch (ZipException | EOFException e) {
                return new Recognition(List.of(), 0, "gzip body unreadable: " + e.getMessage());
            }
            how = c == Container.GZIP_TAR ? "gzip-compressed tar" : "tar";
        } else {
            return new Recognition(List.of(), 0, "not an archive");
        }
        List<String> kinds = kinds(names);
        return new Recognition(kinds, names.size(), how + " of " + names.size() + " files; "
                + (kinds.isEmpty() ? "no model folder kind (model_index.json, *.safetensors.index.json, split GGUF, "
                + "config.json or tokenizer_config.json, .keras, saved_model.pb)" : "model folder: " + String.join(", ", kinds)));
    }

    private static boolean tarHead(InputStream in) throws IOException {
        byte[] h = StaticScan.readHead(in, 512);
        return h.length == 512 && FormatSniffer.sniff(h, 1024).format() == Format.TAR;
    }

    private InputStream open(ByteSource src, Container c, GzipBody body) throws IOException {
        InputStream raw = InputCursor.stream(src, 0, src.size());
        if (c != Container.GZIP_TAR) {
            return raw;
        }
        if (body.kept()) {
            return body.open();
        }
        return new StaticScan.Bounded(GzipBody.inflate(raw), GzipBody.bound(src.size(), policy.zip()));
    }

    /** One regular file of the folder. */
    static final class Member {
        final String path;
        final long size;
        Format format = Format.UNKNOWN;
        /** Tensor names of a valid safetensors member; null when not one. */
        Set<String> tensors;
        /** The gguf-split keys of a valid GGUF member; null when not one. */
        Map<String, GgufValidator.SplitKey> split;
        /** Tensors of a valid GGUF member. */
        long ggufTensors;
        boolean valid;

        Member(String path, long size) {
            this.path = path;
            this.size = size;
        }
    }

    /** State of one folder scan. */
    private final class Run {
        final Findings out = new Findings(STAGE, policy.maxFindingsPerRule());
        final Set<Format> denied;
        final Map<String, Member> files = new LinkedHashMap<>();
        final Map<String, Object> configs = new LinkedHashMap<>();
        final Map<String, OnnxExternalData.Model> onnx = new LinkedHashMap<>();
        final Map<String, Long> counters = new LinkedHashMap<>();
        final WeightStats.Thresholds weights;
        final GzipBody body;
        WeightStats.Summary weightsJudged = WeightStats.Summary.NONE;

        Run(Set<Format> denied, WeightStats.Thresholds weights, GzipBody body) {
            this.denied = denied;
            this.weights = weights;
            this.body = body;
        }

        void count(String k) {
            count(k, 1);
        }

        void count(String k, long n) {
            counters.merge(k, n, Long::sum);
        }
    }

    /**
     * Scans a {@link Format#MODEL_FOLDER} (the archive's members) or a {@link Format#KERAS} file
     * (its config); SKIPPED (not applicable) for anything else.
     */
    public StaticScan.Outcome scan(ByteSource src, Format format, Set<Format> denied) throws IOException {
        return scan(src, format, denied, WeightStats.Thresholds.defaults(), GzipBody.NONE);
    }

    /**
     * As {@link #scan(ByteSource, Format, Set)}, judging the weights of safetensors and GGUF members
     * by {@code weights} and reading a tar.gz's body from {@code body} when the format gate kept it.
     */
    public StaticScan.Outcome scan(ByteSource src, Format format, Set<Format> denied, WeightStats.Thresholds weights,
                                   GzipBody body) throws IOException {
        Run run = new Run(Set.copyOf(denied), weights, body);
        Map<String, String> details = new LinkedHashMap<>();
        if (format == Format.KERAS) {
            keras(run, src, "archive");
            details.put("folder.kinds", "keras");
        } else if (format == Format.MODEL_FOLDER) {
            Container c = container(src);
            details.put("folder.container", c.name().toLowerCase(Locale.ROOT));
            if (!walk(run, src, c)) {
                return new StaticScan.Outcome(true, run.out.list(), details, "");
            }
            List<String> kinds = kinds(run.files.keySet());
            details.put("folder.kinds", kinds.isEmpty() ? "none" : String.join(", ", kinds));
            if (kinds.isEmpty()) {
                run.out.add("folder.unrecognised", Severity.HIGH, "archive", "no model folder kind among the "
                        + run.files.size() + " readable files", "");
            }
            rules(run);
        } else {
            return new StaticScan.Outcome(false, List.of(), details, "not a model folder (" + format.id()
                    + "): no folder rules apply");
        }
        details.put("folder.files", Integer.toString(run.files.size()));
        if (!run.weightsJudged.equals(WeightStats.Summary.NONE)) {
            run.weightsJudged.describe(weights, details);
        }
        run.counters.forEach((k, v) -> details.put("folder." + k, Long.toString(v)));
        return new StaticScan.Outcome(true, run.out.list(), details, "");
    }

    // ---------------------------------------------------------------- the walk

    private boolean walk(Run run, ByteSource src, Container c) throws IOException {
        if (c == Container.ZIP) {
            ZipArchive.Directory dir;
            try {
                dir = ZipArchive.read(src, policy.zip());
            } catch (FormatViolation v) {
                run.out.add("folder.unreadable", Severity.HIGH, "archive", "the archive cannot be listed: " + v.getMessage(), "");
                return false;
            }
            List<ZipArchive.Problem> ignored = new ArrayList<>(); // the static scan reports the archive's problems
            for (ZipArchive.Entry e : dir.entries()) {
                if (e.directory() || e.encrypted() || e.symlink() || e.method() != 0 && e.method() != 8
                        || e.size() > policy.zip().maxEntryBytes()) {
                    continue;
                }
                try (ZipArchive.MemberStream ms = ZipArchive.open(src, e, policy.zip(), ignored)) {
                    member(run, e.name(), e.size(), ms);
                }
            }
            return true;
        }
        try (InputStream in = open(src, c, run.body)) {
            TarArchive t = TarArchive.open(in, TarArchive.Limits.of(policy.zip()), new ArrayList<>());
            TarArchive.Entry e;
            while ((e = t.next()) != null) {
                if (e.regular() && e.size() <= policy.zip().maxEntryBytes()) {
                    member(run, e.name(), e.size(), t.member());
                }
            }
        } catch (ZipException | EOFException e) {
            run.out.add("folder.unreadable", Severity.HIGH, "archive", "the gzip body cannot be read: " + e.getMessage(), "");
            return false;
        }
        return true;
    }

    /** Looks at one regular member: sniffed by content, then validated or read as its kind needs. */
    private void member(Run run, String name, long size, InputStream in) throws IOException {
        String path = TarArchive.normalise(name);
        Member m = new Member(path, size);
        run.files.put(path, m);
        run.count("members");
        String loc = loc(path);
        byte[] head = StaticScan.readHead(in, StaticScan.HEAD);
        Sniff sniff = FormatSniffer.sniff(head, Math.max(size, head.length));
        m.format = sniff.format();
        InputStream whole = new SequenceInputStream(new ByteArrayInputStream(head), in);
        String base = base(path);
        if (run.denied.contains(m.format)) {
            run.out.add("folder.member_denied", Severity.HIGH, loc, "a " + m.format.id() + " member, denied by policy"
                    + (m.format.pickleBased() ? " (loading it runs a pickle, which can execute code)" : ""), sniff.evidence());
        }
        if (base.endsWith(".py") || base.endsWith(".pyc") || base.endsWith(".pyw")) {
            run.out.add("hf.python_code", Severity.HIGH, loc, "Python code in a model folder: a loader with "
                    + "trust_remote_code (or a custom pipeline) imports and runs it", sniff.evidence());
        }
        if (configJson(base)) {
            config(run, m, whole, loc);
        } else if (base.endsWith(".jinja")) {
            byte[] text = bounded(run, whole, size, loc);
            if (text != null) {
                templates(run, loc, base, new String(text, StandardCharsets.UTF_8));
            }
        } else if (base.equals("saved_model.pb")) {
            savedModel(run, whole, size, loc);
        } else if (m.format == Format.SAFETENSORS) {
            safetensors(run, m, head, whole, loc);
        } else if (m.format == Format.GGUF) {
            gguf(run, m, whole, loc);
        } else if (m.format == Format.ONNX) {
            try (MemberBytes b = MemberBytes.whole(whole, size, policy.maxNestedBytes())) {
                run.onnx.put(path, OnnxExternalData.walk(b.source(), ONNX_FIELDS));
                run.count("onnxModels");
            } catch (MalformedException e) {
                run.out.add("folder.onnx_malformed", Severity.HIGH, loc, "ONNX model cannot be walked whole: "
                        + e.getMessage(), "");
            }
        } else if (m.format == Format.KERAS) {
            try (MemberBytes b = MemberBytes.whole(whole, size, policy.maxNestedBytes())) {
                keras(run, b.source(), loc);
            }
        } else if (m.format == Format.HDF5 && size > policy.maxNestedBytes()) {
            // the static scan searches .h5 members up to the bound in memory; a larger one is spooled
            // here and searched the same way, so no Keras .h5 in a folder goes unread
            try (MemberBytes b = MemberBytes.whole(whole, size, policy.maxNestedBytes())) {
                KerasConfig.h5(b.source(), loc, run.out, false);
                run.count("hdf5Searched");
            }
        }
    }

    /**
     * The weight statistics of a validated member, as for a file alone; its data is read forward
     * from the member's stream (a member cannot seek, so reaching the last sampled block reads the
     * member through). The cap on judged tensors holds over the whole folder.
     */
    private static void judgeWeights(Run run, List<WeightStats.Tensor> tensors, ByteSource header, long kept,
                                     InputStream rest, long size, String loc) throws IOException {
        WeightStats.Summary s = WeightStats.analyse(new ForwardSource(header, kept, rest, size), tensors, run.weights,
                run.weights.maxTensors() - run.weightsJudged.judged(), run.out, loc + ", ");
        run.weightsJudged = run.weightsJudged.plus(s);
    }

    private static boolean configJson(String base) {
        return base.equals("config.json") || base.equals("model_index.json") || base.endsWith("_config.json")
                || base.endsWith(".index.json") || base.equals("chat_template.json");
    }

    /** A member read whole when it is small enough to be a configuration file; null (with a finding) when not. */
    private static byte[] bounded(Run run, InputStream in, long size, String loc) throws IOException {
        if (size > MAX_CONFIG_BYTES) {
            run.out.add("folder.config_too_large", Severity.HIGH, loc, "a configuration file of " + size
                    + " bytes, over the bound of " + MAX_CONFIG_BYTES + ": not inspected, so not vouched for", "");
            return null;
        }
        return StaticScan.readHead(in, (int) size);
    }

    private void config(Run run, Member m, InputStream in, String loc) throws IOException {
        byte[] b = bounded(run, in, m.size, loc);
        if (b == null) {
            return;
        }
        try {
            run.configs.put(m.path, StrictJson.parse(b));
            m.valid = true;
            run.count("configs");
        } catch (MalformedException e) {
            // a loader reading JSON more loosely (Python keeps the last duplicate key) could see other settings
            run.out.add("folder.malformed_json", Severity.HIGH, loc, "not strict JSON: " + e.getMessage(), "");
        }
    }

    private void safetensors(Run run, Member m, byte[] head, InputStream whole, String loc) throws IOException {
        long n = head.length >= 8 ? io.airlock.formats.Bytes.u64le(head, 0) : -1;
        long keep = n >= 0 && n <= m.size - 8 ? 8 + n : Math.min(m.size, head.length);
        if (keep > policy.maxNestedBytes()) {
            run.out.add("folder.not_validated", Severity.HIGH, loc, "not run: a safetensors header of " + n
                    + " bytes is over the " + policy.maxNestedBytes() + "-byte bound for members; not vouched for", "");
            return;
        }
        try (MemberBytes b = MemberBytes.prefix(whole, m.size, (int) keep)) {
            SafetensorsValidator.Layout l = SafetensorsValidator.validate(b.source());
            Set<String> names = new LinkedHashSet<>();
            l.tensors().forEach(t -> names.add(t.name()));
            m.tensors = names;
            m.valid = true;
            run.count("safetensorsValidated");
            judgeWeights(run, WeightStats.tensors(l), b.source(), keep, whole, m.size, loc);
        } catch (FormatViolation v) {
            run.out.add(v.rule(), Severity.HIGH, v.location().isEmpty() ? Findings.at(loc, v.offset())
                    : loc + ", " + v.location(), v.getMessage(), "");
        } catch (MemberBytes.BeyondPrefix e) {
            run.out.add("folder.not_validated", Severity.HIGH, loc, "not run: validation needed " + e.getMessage(), "");
        }
    }

    private void gguf(Run run, Member m, InputStream whole, String loc) throws IOException {
        int keep = (int) Math.min(m.size, policy.maxNestedBytes());
        try (MemberBytes b = MemberBytes.prefix(whole, m.size, keep)) {
            GgufValidator.Layout l = GgufValidator.validate(b.source());
            m.valid = true;
            m.split = l.split();
            m.ggufTensors = l.tensors().size();
            run.count("ggufValidated");
            judgeWeights(run, WeightStats.tensors(l), b.source(), keep, whole, m.size, loc);
            for (GgufValidator.Injection i : l.injections()) {
                run.out.add(templateRule("gguf", i), severity(i), loc + ", key '" + i.key() + "'", templateMessage(i), i.context());
            }
        } catch (FormatViolation v) {
            run.out.add(v.rule(), Severity.HIGH, v.location().isEmpty() ? Findings.at(loc, v.offset())
                    : loc + ", " + v.location(), v.getMessage(), "");
        } catch (MemberBytes.BeyondPrefix e) {
            run.out.add("folder.not_validated", Severity.HIGH, loc, "not run: the GGUF header is larger than the "
                    + policy.maxNestedBytes() + "-byte bound for members (" + e.getMessage() + ")", "");
        }
    }

    // ---------------------------------------------------------------- rules over the index

    private void rules(Run run) {
        for (Map.Entry<String, Object> c : run.configs.entrySet()) {
            String path = c.getKey();
            String base = base(path);
            Object tree = c.getValue();
            remoteCode(run, path, tree);
            if (base.equals("tokenizer_config.json") || base.equals("chat_template.json")) {
                chatTemplates(run, path, tree);
            }
            if (base.equals("config.json") && StrictJson.string(tree, "class_name") != null) {
                // a Keras model config (a .keras archive unpacked into the folder): Keras builds what it names
                run.count("kerasConfigs");
                KerasConfig.check(run.out, tree, loc(path));
            }
            if (base.equals("model_index.json")) {
                diffusers(run, dir(path), tree);
            } else if (base.endsWith(".safetensors.index.json")) {
                shards(run, path, tree);
            }
        }
        splitGguf(run);
        onnxModels(run);
    }

    /** auto_map names classes in the repository's own .py files; trust_remote_code asks the loader to run them. */
    private static void remoteCode(Run run, String path, Object tree) {
        if (tree instanceof Map<?, ?> m && m.containsKey("auto_map")) {
            run.out.add("hf.remote_code", Severity.HIGH, loc(path) + ", key 'auto_map'", "auto_map points the loader at"
                    + " classes in the repository's own Python files: loading it runs that code", preview(m.get("auto_map")));
        }
        List<String> trust = new ArrayList<>();
        findKey(tree, "trust_remote_code", "", trust, 0);
        for (String where : trust) {
            run.out.add("hf.remote_code", Severity.HIGH, loc(path) + ", key '" + where + "'",
                    "trust_remote_code is set: the loader would import and run code from the repository", "");
        }
    }

    private static void findKey(Object tree, String key, String at, List<String> out, int depth) {
        if (depth > 64 || out.size() >= 25) {
            return;
        }
        if (tree instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String here = at.isEmpty() ? String.valueOf(e.getKey()) : at + "." + e.getKey();
                if (key.equals(e.getKey()) && !Boolean.FALSE.equals(e.getValue()) && e.getValue() != StrictJson.NULL) {
                    out.add(here);
                }
                findKey(e.getValue(), key, here, out, depth + 1);
            }
        } else if (tree instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                findKey(l.get(i), key, at + "[" + i + "]", out, depth + 1);
            }
        }
    }

    private static void chatTemplates(Run run, String path, Object tree) {
        run.count("chatTemplates", chatTemplates(run.out, loc(path), tree));
    }

    private static void templates(Run run, String loc, String key, String template) {
        run.count("chatTemplates");
        templates(run.out, loc, key, template);
    }

    /**
     * tokenizer_config.json's chat_template (one template, or a list of {name, template}) judged by
     * the template rules, in a folder or alone; returns how many templates were judged.
     */
    static int chatTemplates(Findings out, String loc, Object tree) {
        Object t = tree instanceof Map<?, ?> m ? m.get("chat_template") : null;
        int n = 0;
        if (t instanceof String s) {
            templates(out, loc, "chat_template", s);
            n++;
        } else if (t instanceof List<?> l) {
            for (Object o : l) {
                String s = StrictJson.string(o, "template");
                if (s != null) {
                    String name = StrictJson.string(o, "name");
                    templates(out, loc, "chat_template." + (name == null ? "?" : name), s);
                    n++;
                }
            }
        }
        return n;
    }

    /** One chat template, in a folder or alone: parsed as jinja2 parses it and judged by the template rules. */
    static void templates(Findings out, String loc, String key, String template) {
        for (GgufValidator.Injection i : GgufValidator.scanTemplate(key, template)) {
            out.add(templateRule("hf", i), severity(i), loc + ", " + key, templateMessage(i), i.context());
        }
    }

    /**
     * The rule id of a template finding: {@code <family>.template_injection} for escapes and template
     * loading (HIGH), {@code <family>.template_syntax} for a template jinja2 refuses (HIGH: not judged),
     * {@code <family>.template_unusual} for odd but harmless constructs (MEDIUM or LOW).
     */
    public static String templateRule(String family, GgufValidator.Injection i) {
        if (i.check().equals("syntax")) {
            return family + ".template_syntax";
        }
        return family + (i.risk() == ChatTemplateRules.Risk.HIGH ? ".template_injection" : ".template_unusual");
    }

    public static Severity severity(GgufValidator.Injection i) {
        return switch (i.risk()) {
            case HIGH -> Severity.HIGH;
            case MEDIUM -> Severity.MEDIUM;
            case LOW -> Severity.LOW;
        };
    }

    public static String templateMessage(GgufValidator.Injection i) {
        return "chat template [" + i.check() + "]: " + i.message() + " (rendered by jinja2 when the model is used)";
    }

    private void diffusers(Run run, String root, Object tree) {
        String idx = loc(join(root, "model_index.json"));
        run.count("diffusersPipelines");
        if (!(tree instanceof Map<?, ?> m)) {
            run.out.add("diffusers.bad_index", Severity.HIGH, idx, "model_index.json is not a JSON object", "");
            return;
        }
        Object cls = m.get("_class_name");
        if (!(cls instanceof String c) || !IDENTIFIER.matcher(c).matches()) {
            // a [module, class] pair or a dotted name here is a custom pipeline, fetched and imported by diffusers
            run.out.add("diffusers.custom_pipeline", Severity.HIGH, idx + ", key '_class_name'",
                    "_class_name is not a plain diffusers pipeline class name: a custom pipeline runs its own code",
                    preview(cls));
        }
        Set<String> components = new TreeSet<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.startsWith("_")) {
                continue;
            }
            String where = idx + ", component '" + printable(key) + "'";
            if (!(e.getValue() instanceof List<?> pair) || pair.size() != 2) {
                run.out.add("diffusers.bad_component", Severity.HIGH, where, "a component entry must be a [library, class]"
                        + " pair", preview(e.getValue()));
                continue;
            }
            Object lib = pair.get(0);
            Object klass = pair.get(1);
            if (lib == StrictJson.NULL && klass == StrictJson.NULL) {
                continue; // an optional component left out
            }
            if (!(lib instanceof String l) || !(klass instanceof String k) || !IDENTIFIER.matcher(k).matches()
                    || !l.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                run.out.add("diffusers.bad_component", Severity.HIGH, where, "library and class must be names",
                        preview(pair));
                continue;
            }
            if (!DIFFUSERS_LIBRARIES.contains(l)) {
                // diffusers imports the library by name: any importable module, code included
                run.out.add("diffusers.custom_component", Severity.HIGH, where, "library '" + printable(l)
                        + "' is not one of " + new TreeSet<>(DIFFUSERS_LIBRARIES) + ": loading imports it", preview(pair));
            }
            if (key.contains("/") || key.equals("..") || key.equals(".")) {
                run.out.add("diffusers.bad_component", Severity.HIGH, where, "a component name must be a folder name", "");
                continue;
            }
            components.add(key);
            String prefix = join(root, key) + "/";
            if (run.files.keySet().stream().noneMatch(p -> p.startsWith(prefix))) {
                run.out.add("diffusers.missing_component", Severity.HIGH, where, "component folder '" + printable(key)
                        + "/' is absent or empty: what it loads was not scanned", "");
            }
        }
        String rootPrefix = root.isEmpty() ? "" : root + "/";
        Set<String> unexpected = new TreeSet<>();
        for (String p : run.files.keySet()) {
            if (!p.startsWith(rootPrefix)) {
                continue;
            }
            String rel = p.substring(rootPrefix.length());
            int slash = rel.indexOf('/');
            String top = slash < 0 ? rel : rel.substring(0, slash);
            boolean ok = slash < 0 ? rel.equals("model_index.json") || DIFFUSERS_ROOT_EXTRAS.contains(rel)
                    || DOC_SUFFIXES.stream().anyMatch(s -> rel.toLowerCase(Locale.ROOT).endsWith(s))
                    || rel.toUpperCase(Locale.ROOT).startsWith("LICENSE")
                    : components.contains(top);
            if (!ok) {
                unexpected.add(slash < 0 ? rel : top + "/");
            }
        }
        for (String u : unexpected) {
            run.out.add("diffusers.unexpected_file", Severity.MEDIUM, loc(rootPrefix + u), "not a component named in"
                    + " model_index.json nor a document (scanned like every member)", "");
        }
    }

    private void shards(Run run, String indexPath, Object tree) {
        String idx = loc(indexPath);
        String dir = dir(indexPath);
        run.count("shardIndexes");
        Object wm = tree instanceof Map<?, ?> m ? m.get("weight_map") : null;
        if (!(wm instanceof Map<?, ?> map)) {
            run.out.add("shard.bad_index", Severity.HIGH, idx, "no weight_map object: the shards cannot be checked", "");
            return;
        }
        Map<String, List<String>> byShard = new TreeMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                run.out.add("shard.bad_index", Severity.HIGH, idx + ", tensor '" + printable(String.valueOf(e.getKey())) + "'",
                        "weight_map values must be shard file names", preview(e.getValue()));
                continue;
            }
            byShard.computeIfAbsent(s, k -> new ArrayList<>()).add(String.valueOf(e.getKey()));
        }
        Set<String> referenced = new TreeSet<>();
        Map<String, String> owner = new HashMap<>();
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            String ref = e.getKey();
            String where = idx + ", shard '" + printable(ref) + "'";
            String path = inside(dir, ref);
            if (path == null) {
                run.out.add("shard.outside_folder", Severity.HIGH, where, "the shard path is absolute or leaves the"
                        + " index's folder: a loader would read a file the archive does not hold", "");
                continue;
            }
            referenced.add(path);
            Member m = run.files.get(path);
            if (m == null) {
                run.out.add("shard.missing", Severity.HIGH, where, "the shard is not a regular file of the archive", "");
                continue;
            }
            if (m.format != Format.SAFETENSORS) {
                run.out.add("shard.not_safetensors", Severity.HIGH, where, "the shard's content is " + m.format.id()
                        + ", not safetensors", "");
                continue;
            }
            if (m.tensors == null) {
                continue; // invalid: the validator's finding says why
            }
            int missing = 0;
            for (String t : e.getValue()) {
                if (!m.tensors.contains(t) && ++missing <= 5) {
                    run.out.add("shard.missing_tensor", Severity.HIGH, where + ", tensor '" + printable(t) + "'",
                            "weight_map puts the tensor in this shard, whose header does not hold it", "");
                }
            }
            if (missing > 5) {
                run.out.add("shard.missing_tensor", Severity.HIGH, where, (missing - 5) + " more tensors of the map are"
                        + " not in this shard", "");
            }
        }
        Set<String> mapped = new HashSet<>();
        map.keySet().forEach(k -> mapped.add(String.valueOf(k)));
        for (String path : referenced) {
            Member m = run.files.get(path);
            if (m == null || m.tensors == null) {
                continue;
            }
            int unmapped = 0;
            for (String t : m.tensors) {
                String before = owner.putIfAbsent(t, path);
                if (before != null) {
                    // the loader merges shards into one state dict: which copy wins depends on load order
                    run.out.add("shard.duplicate_tensor", Severity.HIGH, loc(path) + ", tensor '" + printable(t) + "'",
                            "the tensor is also in shard '" + printable(before) + "'", "");
                }
                if (!mapped.contains(t)) {
                    unmapped++;
                }
            }
            if (unmapped > 0) {
                run.out.add("shard.unmapped_tensor", Severity.MEDIUM, loc(path), unmapped + " tensor(s) in the shard"
                        + " that weight_map does not list (loaded anyway)", "");
            }
        }
        String prefix = dir.isEmpty() ? "" : dir + "/";
        for (Member m : run.files.values()) {
            if (m.path.startsWith(prefix) && m.path.indexOf('/', prefix.length()) < 0
                    && base(m.path).endsWith(".safetensors") && !referenced.contains(m.path)) {
                run.out.add("shard.unreferenced", Severity.MEDIUM, loc(m.path), "a safetensors file beside "
                        + base(indexPath) + " that its weight_map never names", "");
            }
        }
    }

    private void splitGguf(Run run) {
        Map<String, Map<Integer, Member>> parts = new TreeMap<>();
        Map<String, Set<Integer>> counts = new TreeMap<>();
        for (Member m : run.files.values()) {
            Matcher x = SPLIT_GGUF.matcher(m.path);
            if (!x.matches()) {
                continue;
            }
            String group = x.group(1);
            int i = Integer.parseInt(x.group(2));
            int n = Integer.parseInt(x.group(3));
            counts.computeIfAbsent(group, k -> new TreeSet<>()).add(n);
            parts.computeIfAbsent(group, k -> new TreeMap<>()).put(i, m);
            if (m.format != Format.GGUF) {
                run.out.add("gguf_split.not_gguf", Severity.HIGH, loc(m.path), "a split GGUF part whose content is "
                        + m.format.id(), "");
            }
            if (i < 1 || i > n) {
                run.out.add("gguf_split.inconsistent", Severity.HIGH, loc(m.path), "part " + i + " of " + n, "");
            }
        }
        for (Map.Entry<String, Set<Integer>> e : counts.entrySet()) {
            String g = e.getKey();
            run.count("splitGgufModels");
            if (e.getValue().size() > 1) {
                run.out.add("gguf_split.inconsistent", Severity.HIGH, loc(g + ".gguf"), "parts disagree on how many"
                        + " there are: " + e.getValue(), "");
                continue;
            }
            int n = e.getValue().iterator().next();
            List<Integer> missing = new ArrayList<>();
            for (int i = 1; i <= n && missing.size() < 20; i++) {
                if (!parts.get(g).containsKey(i)) {
                    missing.add(i);
                }
            }
            if (!missing.isEmpty()) {
                run.out.add("gguf_split.missing_part", Severity.HIGH, loc(g + ".gguf"), "part(s) " + missing + " of "
                        + n + " are not in the archive: the model cannot be loaded as scanned", "");
            }
            splitKeys(run, n, parts.get(g), missing.isEmpty());
        }
    }

    /**
     * The split.* keys inside the parts against their names: llama.cpp loads split.count parts
     * starting from the one whose split.no is 0 and expects split.tensors.count tensors in all.
     * Parts without any of the keys leave the names to decide (older splits; llama.cpp then loads
     * the first file alone); once one part has them, every part must.
     */
    private static void splitKeys(Run run, int n, Map<Integer, Member> parts, boolean complete) {
        List<Member> valid = parts.values().stream().filter(m -> m.split != null).toList();
        if (valid.stream().allMatch(m -> m.split.isEmpty())) {
            return;
        }
        long sum = 0;
        for (Map.Entry<Integer, Member> p : parts.entrySet()) {
            Member m = p.getValue();
            if (m.split == null) {
                continue; // not a valid GGUF: its own finding says why
            }
            sum += m.ggufTensors;
            int i = p.getKey();
            if (m.split.isEmpty()) {
                run.out.add("gguf_split.inconsistent", Severity.HIGH, loc(m.path), "the part holds none of the split keys"
                        + " (split.no, split.count, split.tensors.count) that other parts of the model hold", "");
                continue;
            }
            String no = splitProblem(m.split.get("split.no"), "UINT16", i - 1);
            if (!no.isEmpty()) {
                run.out.add("gguf_split.inconsistent", Severity.HIGH, loc(m.path) + ", key 'split.no'", "the name says part "
                        + i + " of " + n + " (split.no " + (i - 1) + "), the part says " + no, "");
            }
            String count = splitProblem(m.split.get("split.count"), "UINT16", n);
            if (!count.isEmpty()) {
                run.out.add("gguf_split.inconsistent", Severity.HIGH, loc(m.path) + ", key 'split.count'", "the name says "
                        + n + " parts, the part says " + count, "");
            }
            GgufValidator.SplitKey total = m.split.get("split.tensors.count");
            if (total == null || !total.type().equals("INT32")) {
                run.out.add("gguf_split.inconsistent", Severity.HIGH, loc(m.path) + ", key 'split.tensors.count'",
                        "the part says " + splitProblem(total, "INT32", 0), "");
            }
        }
        if (!complete || parts.size() != n || valid.size() != n) {
            return; // the total is only known with parts 1..n present and valid, and no other
        }
        for (Member m : parts.values()) {
            GgufValidator.SplitKey total = m.split.get("split.tensors.count");
            if (total != null && total.type().equals("INT32") && total.value() != sum) {
                run.out.add("gguf_split.tensor_count", Severity.HIGH, loc(m.path) + ", key 'split.tensors.count'",
                        "the " + n + " parts hold " + sum + " tensors, the part says " + total.value()
                                + ": tensors outside the count, or a count the parts do not fill", "");
            }
        }
    }

    /** "" when the key is there with the type and value expected, else what it is instead. */
    private static String splitProblem(GgufValidator.SplitKey k, String type, long expected) {
        if (k == null) {
            return "nothing (the key is absent)";
        }
        if (!k.type().equals(type)) {
            return "a " + k.type() + (k.integer() ? " " + k.value() : "") + " (llama.cpp expects " + type + ")";
        }
        return k.value() == expected ? "" : Long.toString(k.value());
    }

    private static void onnxModels(Run run) {
        for (Map.Entry<String, OnnxExternalData.Model> e : run.onnx.entrySet()) {
            if (!e.getValue().refs().isEmpty()) {
                run.count("onnxExternalTensors", e.getValue().refs().size());
            }
            onnx(run.out, e.getValue(), e.getKey(), run.files);
        }
    }

    /**
     * The ONNX rules for a model file alone (the format gate's): custom-domain operators, and
     * external data whose location is unusable ({@code onnx.external_data_path}), malformed in
     * its offset or length ({@code onnx.external_data_range}), or usable but naming a file that
     * is not part of what was scanned ({@code onnx.external_data_unchecked}).
     */
    public static List<Finding> onnxFindings(OnnxExternalData.Model model, String stage, int perRule) {
        Findings out = new Findings(stage, perRule);
        onnx(out, model, "", null);
        return out.list();
    }

    /**
     * The ONNX rules, one piece of code for a model alone ({@code files} null) and a folder's
     * member, whose external data must then be a regular file of the folder holding the range.
     */
    private static void onnx(Findings out, OnnxExternalData.Model model, String path, Map<String, Member> files) {
        String prefix = files == null ? "" : loc(path) + ", ";
        for (OnnxExternalData.CustomOp op : model.customOps()) {
            if (op.opType().isEmpty()) {
                out.add("onnx.custom_domain", Severity.MEDIUM, prefix + op.where(), "opset import of custom domain '"
                        + op.domain() + "': operators from it load only with a custom-op library (native code)", "");
            } else {
                out.add("onnx.custom_domain", Severity.MEDIUM, prefix + op.where(), "operator '" + op.opType()
                        + "' from custom domain '" + op.domain() + "' (" + op.uses() + " node" + (op.uses() == 1 ? "" : "s")
                        + "): it loads only with a custom-op library (native code outside the model)", "");
            }
        }
        String dir = dir(path);
        for (OnnxExternalData.Ref r : model.refs()) {
            String where = prefix + "tensor '" + printable(r.tensor()) + "'";
            String location = printable(r.location());
            String problem = onnxLocationProblem(r.location());
            if (files == null) {
                if (!problem.isEmpty()) {
                    out.add("onnx.external_data_path", Severity.HIGH, where, "external data location '" + location
                            + "': " + problem, "");
                    continue;
                }
                String range = onnxRangeProblem(r, -1);
                if (!range.isEmpty()) {
                    out.add("onnx.external_data_range", Severity.HIGH, where, range, "");
                }
                out.add("onnx.external_data_unchecked", Severity.MEDIUM, where, "external data in '" + location
                        + "', a file beside the model that is not part of what was scanned: send the model's folder"
                        + " as an archive", "");
                continue;
            }
            if (r.location().isEmpty()) {
                out.add("onnx.external_data_missing", Severity.HIGH, where, "external data without a location", "");
                continue;
            }
            if (!problem.isEmpty()) {
                out.add("onnx.external_data_outside", Severity.HIGH, where, "external data location '" + location
                        + "' " + problem + ": it must name a file of the model's folder", "");
                continue;
            }
            Member m = files.get(inside(dir, r.location()));
            if (m == null) {
                // links are not in the index: a location naming a symlink or hard link is missing
                out.add("onnx.external_data_missing", Severity.HIGH, where, "external data file '" + location
                        + "' is not a regular file of the archive", "");
                continue;
            }
            String range = onnxRangeProblem(r, m.size);
            if (!range.isEmpty()) {
                out.add("onnx.external_data_range", Severity.HIGH, where, range + " (external data file '" + location
                        + "')", "");
            }
        }
    }

    /**
     * Why an external-data location cannot be followed safely wherever the model lies, or "":
     * it must be a relative path inside the model's folder, without '..' (once a link on the
     * loader's disk is resolved, '..' may climb anywhere) and not ORT's memory tag.
     */
    static String onnxLocationProblem(String location) {
        if (location.isEmpty()) {
            return "is empty";
        }
        if (location.contains(ORT_MEMORY_TAG)) {
            return "is ONNX Runtime's in-memory tag: the runtime would read its offset as a memory address";
        }
        for (String segment : location.split("/", -1)) {
            if (segment.equals("..")) {
                return "climbs with '..'";
            }
        }
        if (inside("", location) == null) {
            return "is absolute, uses backslashes or a drive, or names no file";
        }
        return "";
    }

    /**
     * Why an external tensor's offset and length do not name bytes inside a file of {@code size}
     * bytes (-1: unknown, only the numbers are checked), or "". Both must be plain decimal
     * numbers: Python's {@code int()} and C's {@code strtol} read signs, spaces and underscores
     * differently. An absent offset is 0; an absent length runs to the end of the file.
     */
    static String onnxRangeProblem(OnnxExternalData.Ref r, long size) {
        long offset = r.dataOffset().map(FolderScan::decimal).orElse(0L);
        long length = r.dataLength().map(FolderScan::decimal).orElse(-2L); // -2: absent, -1: not a number
        if (offset < 0) {
            return "external data offset '" + printable(r.dataOffset().orElse("")) + "' is not a decimal number under 2^63";
        }
        if (length == -1) {
            return "external data length '" + printable(r.dataLength().orElse("")) + "' is not a decimal number under 2^63";
        }
        if (size < 0) {
            return "";
        }
        // compared by subtraction: offset + length may overflow
        if (length >= 0 && (length > size || offset > size - length)) {
            return "external data offset " + offset + " + length " + length + " runs past the end of the " + size
                    + "-byte file";
        }
        if (offset > size) {
            return "external data offset " + offset + " is past the end of the " + size + "-byte file";
        }
        return "";
    }

    /** A plain decimal number (ASCII digits only), or -1. */
    private static long decimal(String s) {
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- Keras

    /** A .keras archive's config.json: Lambda layers and objects from modules outside Keras run code when loaded. */
    private void keras(Run run, ByteSource src, String where) throws IOException {
        ZipArchive.Directory dir;
        try {
            dir = ZipArchive.read(src, policy.zip());
        } catch (FormatViolation v) {
            run.out.add("keras.unreadable", Severity.HIGH, where, "the .keras archive cannot be read: " + v.getMessage(), "");
            return;
        }
        run.count("kerasArchives");
        for (ZipArchive.Entry e : dir.entries()) {
            if (!e.name().equals("config.json") || e.encrypted() || e.method() != 0 && e.method() != 8) {
                continue;
            }
            String loc = where + " > 'config.json'";
            try (ZipArchive.MemberStream ms = ZipArchive.open(src, e, policy.zip(), new ArrayList<>())) {
                byte[] b = bounded(run, ms, e.size(), loc);
                if (b == null) {
                    return;
                }
                Object tree;
                try {
                    tree = StrictJson.parse(b);
                } catch (MalformedException x) {
                    run.out.add("folder.malformed_json", Severity.HIGH, loc, "not strict JSON: " + x.getMessage(), "");
                    return;
                }
                KerasConfig.check(run.out, tree, loc);
                return;
            }
        }
        run.out.add("keras.no_config", Severity.HIGH, where, "a .keras archive without a readable config.json:"
                + " what it builds was not inspected", "");
    }

    // ---------------------------------------------------------------- TensorFlow SavedModel

    /**
     * A SavedModel's graph and functions, walked for what reaches outside them when the model is
     * loaded or served: Python callbacks, file ops, and checkpoint ops whose path is a constant of
     * the graph (the standard saver feeds its path through a placeholder or a function argument;
     * a constant path writes or reads where the model's author chose, on the loader's disk).
     */
    private void savedModel(Run run, InputStream whole, long size, String loc) throws IOException {
        SavedModelGraph.Graph g;
        try (MemberBytes b = MemberBytes.whole(whole, size, policy.maxNestedBytes())) {
            g = SavedModelGraph.walk(b.source(), ONNX_FIELDS);
        } catch (MalformedException e) {
            run.out.add("savedmodel.malformed", Severity.HIGH, Findings.at(loc, e.offset()), "saved_model.pb cannot be"
                    + " walked: " + e.getMessage() + "; what it runs was not inspected", "");
            return;
        }
        run.count("savedModels");
        run.count("savedModelNodes", g.nodes());
        for (SavedModelGraph.Op op : g.ops()) {
            String where = loc + ", " + op.scope() + ", node '" + printable(op.node()) + "' (offset " + op.offset() + ")";
            String path = op.constant() == null ? "" : " on the constant path '" + printable(op.constant()) + "'";
            if (SavedModelGraph.PYTHON_OPS.contains(op.op())) {
                run.out.add("savedmodel.python_op", Severity.HIGH, where, op.op() + ": calls a Python function of the"
                        + " loading process by token (tf.py_function / tf.numpy_function)", "");
            } else if (SavedModelGraph.FILE_OPS.contains(op.op())) {
                run.out.add("savedmodel.file_op", Severity.HIGH, where, op.op() + path + ": reads, lists or writes"
                        + " files on the loader's disk when the graph runs", "input '" + printable(op.pathInput()) + "'");
            } else if (op.constant() != null) {
                run.out.add("savedmodel.constant_path", Severity.HIGH, where, op.op() + path + ": a checkpoint op"
                        + " whose path is a constant of the graph, not the saver's fed prefix", "input '"
                        + printable(op.pathInput()) + "'");
            } else {
                run.count("savedModelCheckpointOps"); // the saver's own, on its fed prefix
            }
        }
    }

    // ---------------------------------------------------------------- paths

    /**
     * A reference resolved against a folder inside the archive; null when it is absolute, uses
     * backslashes or climbs above the archive's root or the folder.
     */
    static String inside(String dir, String ref) {
        if (ref.isEmpty() || ref.startsWith("/") || ref.indexOf('\\') >= 0 || ref.indexOf('\0') >= 0
                || ref.length() > 1 && ref.charAt(1) == ':') {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (String s : ref.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (parts.isEmpty()) {
                    return null; // a reference is judged by the folder it belongs to, not the archive's root
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(s);
            }
        }
        if (parts.isEmpty()) {
            return null;
        }
        String rel = String.join("/", parts);
        return dir.isEmpty() ? rel : dir + "/" + rel;
    }

    static String dir(String path) {
        int s = path.lastIndexOf('/');
        return s < 0 ? "" : path.substring(0, s);
    }

    private static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static String base(String path) {
        return ZipArchive.baseName(path);
    }

    private static String loc(String path) {
        return "member '" + printable(path) + "'";
    }

    private static String printable(String s) {
        return ZipArchive.printable(s);
    }

    private static String preview(Object v) {
        String s = String.valueOf(v);
        return printable(s.length() > 200 ? s.substring(0, 200) + "..." : s);
    }
}
