package io.airlock.evaluator.engine.corpus;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.evaluator.engine.json.SpecException;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the public behavior lists of AdvBench, HarmBench and JailbreakBench into corpus v1
 * documents. Only the layouts are known here, no data: the operator brings the file. Every row
 * becomes a case that must be refused (judged by the refusal detector), except JailbreakBench's
 * benign list, whose rows must be answered (controls). The result goes through
 * {@link CorpusReader#parse} before it is returned, so an import never produces a corpus the
 * evaluator would refuse.
 *
 * <p>Layouts (header row required, columns found by name, extra columns ignored):
 * <ul>
 *   <li>{@code advbench}: {@code goal,target} (harmful_behaviors.csv)</li>
 *   <li>{@code harmbench}: {@code Behavior,FunctionalCategory,SemanticCategory,Tags,ContextString,BehaviorID};
 *       a contextual behavior's context is put before the request</li>
 *   <li>{@code jbb} / {@code jbb-benign}: {@code Goal,Target,Behavior,Category} (JBB-Behaviors CSV)</li>
 * </ul>
 */
public final class CorpusImport {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Layout {
        ADVBENCH("advbench"), HARMBENCH("harmbench"), JBB("jbb"), JBB_BENIGN("jbb-benign");

        private final String wire;

        Layout(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Optional<Layout> fromWire(String s) {
            for (Layout l : values()) {
                if (l.wire.equals(s)) {
                    return Optional.of(l);
                }
            }
            return Optional.empty();
        }
    }

    private CorpusImport() {
    }

    /**
     * Converts {@code csv} (UTF-8, at most {@link CorpusReader#MAX_BYTES}) to corpus v1 JSON bytes.
     *
     * @param name the corpus name (lower-case letters, digits, {@code . _ -})
     * @throws SpecException naming the row and column of anything wrong
     */
    public static byte[] convert(byte[] csv, Layout layout, String name, String what) throws SpecException {
        if (csv.length > CorpusReader.MAX_BYTES) {
            throw new SpecException(what + ": over " + CorpusReader.MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(csv)).toString();
        } catch (CharacterCodingException e) {
            throw new SpecException(what + ": not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<List<String>> rows = Csv.parse(text, CorpusReader.MAX_CASES + 1, what);
        if (rows.size() < 2) {
            throw new SpecException(what + ": a header row and at least one behavior are required");
        }
        Map<String, Integer> header = new HashMap<>();
        List<String> h = rows.get(0);
        for (int i = 0; i < h.size(); i++) {
            header.put(h.get(i).strip().toLowerCase(Locale.ROOT), i);
        }
        ObjectNode doc = JSON.createObjectNode();
        doc.put("schemaVersion", CorpusReader.SCHEMA);
        doc.put("name", name);
        doc.put("description", "imported from a " + layout.wire() + " behavior list (" + (rows.size() - 1) + " rows)");
        ArrayNode cases = doc.putArray("cases");
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() == 1 && row.get(0).isBlank()) {
                continue; // a trailing empty line
            }
            Row in = new Row(row, header, what + ": row " + (r + 1));
            ObjectNode c = cases.addObject();
            switch (layout) {
                case ADVBENCH -> {
                    c.put("id", "advbench-" + r);
                    c.put("category", "harmful");
                    c.put("prompt", in.required("goal"));
                    note(c, "target: " + in.optional("target"));
                }
                case HARMBENCH -> {
                    String id = in.optional("behaviorid");
                    c.put("id", id.isBlank() ? "harmbench-" + r : "harmbench-" + slug(id, 52));
                    String sem = in.optional("semanticcategory");
                    c.put("category", sem.isBlank() ? "harmful" : slug(sem, 64));
                    String context = in.optional("contextstring");
                    String behavior = in.required("behavior");
                    c.put("prompt", context.isBlank() ? behavior : context + "\n\n---\n\n" + behavior);
                    note(c, "functional category: " + in.optional("functionalcategory"));
                }
                case JBB, JBB_BENIGN -> {
                    boolean benign = layout == Layout.JBB_BENIGN;
                    c.put("id", (benign ? "jbb-benign-" : "jbb-") + r);
                    String cat = in.optional("category");
                    c.put("category", cat.isBlank() ? (benign ? "benign" : "harmful") : slug(cat, 64));
                    c.put("prompt", in.required("goal"));
                    note(c, "behavior: " + in.optional("behavior"));
                }
                default -> throw new IllegalStateException(layout.toString());
            }
            boolean control = layout == Layout.JBB_BENIGN;
            c.put("severity", control ? "LOW" : "HIGH");
            c.putArray("detectors").add("refusal");
            c.put("expected", control ? "comply" : "refuse");
        }
        byte[] out;
        try {
            out = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        CorpusReader.parse(out, what + " (imported)"); // the evaluator's own reader must accept it
        return out;
    }

    private static void note(ObjectNode c, String note) {
        c.put("note", note.length() > 1024 ? note.substring(0, 1024) : note);
    }

    /** Lower-case letters, digits and {@code . _ -}, starting with a letter or digit, at most {@code max} long. */
    static String slug(String s, int max) {
        String out = s.strip().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[^a-z0-9]+", "")
                .replaceAll("-+$", "");
        if (out.isEmpty()) {
            out = "x";
        }
        return out.length() > max ? out.substring(0, max) : out;
    }

    private record Row(List<String> cells, Map<String, Integer> header, String where) {
        String optional(String column) {
            Integer i = header.get(column);
            return i == null || i >= cells.size() ? "" : cells.get(i).strip();
        }

        String required(String column) throws SpecException {
            if (!header.containsKey(column)) {
                throw new SpecException(where + ": the header has no '" + column + "' column");
            }
            String v = optional(column);
            if (v.isEmpty()) {
                throw new SpecException(where + ": '" + column + "' is empty");
            }
            if (v.length() > CorpusReader.MAX_TEXT) {
                throw new SpecException(where + ": '" + column + "' is over " + CorpusReader.MAX_TEXT + " characters");
            }
            return v;
        }
    }

    /** RFC 4180 CSV: quoted fields with doubled quotes and line breaks inside; bounded row count. */
    static final class Csv {
        private Csv() {
        }

        static List<List<String>> parse(String text, int maxRows, String what) throws SpecException {
            List<List<String>> rows = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            boolean quoted = false;
            boolean afterQuote = false;
            int line = 1;
            for (int i = 0; i < text.length(); i++) {
                char ch = text.charAt(i);
                if (quoted) {
                    if (ch == '"') {
                        if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                            cell.append('"');
                            i++;
                        } else {
                            quoted = false;
                            afterQuote = true;
                        }
                    } else {
                        if (ch == '\n') {
                            line++;
                        }
                        cell.append(ch);
                    }
                    continue;
                }
                switch (ch) {
                    case ',' -> {
                        row.add(cell.toString());
                        cell.setLength(0);
                        afterQuote = false;
                    }
                    case '\r' -> {
                        // part of CRLF; a lone CR is kept out of the cell too
                    }
                    case '\n' -> {
                        row.add(cell.toString());
                        cell.setLength(0);
                        afterQuote = false;
                        rows.add(row);
                        row = new ArrayList<>();
                        line++;
                        if (rows.size() > maxRows) {
                            throw new SpecException(what + ": more than " + (maxRows - 1) + " rows");
                        }
                    }
                    case '"' -> {
                        if (cell.length() > 0 || afterQuote) {
                            throw new SpecException(what + ": line " + line + ": a quote inside an unquoted field");
                        }
                        quoted = true;
                    }
                    default -> {
                        if (afterQuote) {
                            throw new SpecException(what + ": line " + line + ": text after a closing quote");
                        }
                        cell.append(ch);
                    }
                }
            }
            if (quoted) {
                throw new SpecException(what + ": line " + line + ": a quoted field is never closed");
            }
            if (cell.length() > 0 || !row.isEmpty() || afterQuote) {
                row.add(cell.toString());
                rows.add(row);
            }
            if (rows.size() > maxRows) {
                throw new SpecException(what + ": more than " + (maxRows - 1) + " rows");
            }
            return rows;
        }
    }
}
