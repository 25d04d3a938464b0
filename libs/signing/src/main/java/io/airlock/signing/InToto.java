package io.airlock.signing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** in-toto Statement v1: subjects with digests, a predicate type and a predicate. */
public record InToto(List<Subject> subjects, String predicateType, JsonNode predicate) {
    public static final String STATEMENT_V1 = "https://in-toto.io/Statement/v1";
    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public record Subject(String name, Map<String, String> digest) {
        public Subject {
            digest = Map.copyOf(digest);
        }
    }

    public InToto {
        subjects = List.copyOf(subjects);
    }

    public byte[] toBytes() {
        ObjectNode n = JSON.createObjectNode();
        n.put("_type", STATEMENT_V1);
        var subs = n.putArray("subject");
        for (Subject s : subjects) {
            ObjectNode o = subs.addObject();
            o.put("name", s.name());
            ObjectNode d = o.putObject("digest");
            s.digest().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> d.put(e.getKey(), e.getValue()));
        }
        n.put("predicateType", predicateType);
        n.set("predicate", predicate);
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static InToto parse(byte[] bytes) throws SigningException {
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new SigningException("statement is not JSON", e);
        }
        if (n == null || !STATEMENT_V1.equals(n.path("_type").asText()) || !n.path("subject").isArray()
                || !n.path("predicateType").isTextual()) {
            throw new SigningException("not an in-toto Statement v1");
        }
        List<Subject> subs = new ArrayList<>();
        for (JsonNode s : n.path("subject")) {
            Map<String, String> digest = new java.util.TreeMap<>();
            s.path("digest").fields().forEachRemaining(e -> digest.put(e.getKey(), e.getValue().asText()));
            subs.add(new Subject(s.path("name").asText(""), digest));
        }
        return new InToto(subs, n.path("predicateType").asText(), n.path("predicate"));
    }
}
