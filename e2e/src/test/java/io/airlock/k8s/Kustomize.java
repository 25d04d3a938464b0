package io.airlock.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.databind.MappingIterator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of kustomize that Airlock's manifests use, implemented here so the build can render
 * every overlay offline: resources (files and directories), components, namespace, labels (pairs),
 * images (newName/newTag) and strategic-merge patches (maps merged, lists of named objects merged
 * by name). A kustomization key outside that subset fails the render rather than being ignored.
 */
final class Kustomize {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> KEYS = Set.of("apiVersion", "kind", "namespace", "resources", "components",
            "patches", "images", "labels");

    private Kustomize() {
    }

    static List<ObjectNode> build(Path dir) throws IOException {
        ObjectNode k = (ObjectNode) YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        k.fieldNames().forEachRemaining(f -> {
            if (!KEYS.contains(f)) {
                throw new IllegalArgumentException(dir + "/kustomization.yaml: unsupported key '" + f + "'");
            }
        });
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                objects.addAll(build(p));
            } else {
                objects.addAll(load(p));
            }
        }
        for (JsonNode c : k.path("components")) {
            Path cdir = dir.resolve(c.asText()).normalize();
            ObjectNode comp = (ObjectNode) YAML.readTree(cdir.resolve("kustomization.yaml").toFile());
            if (!"Component".equals(comp.path("kind").asText())) {
                throw new IllegalArgumentException(cdir + " is not a kustomize Component");
            }
            for (JsonNode r : comp.path("resources")) {
                objects.addAll(load(cdir.resolve(r.asText())));
            }
            patch(objects, cdir, comp.path("patches"));
        }
        patch(objects, dir, k.path("patches"));
        for (JsonNode img : k.path("images")) {
            images(objects, img.path("name").asText(), img.path("newName").asText(null), img.path("newTag").asText(null));
        }
        for (JsonNode l : k.path("labels")) {
            for (ObjectNode o : objects) {
                ObjectNode labels = ((ObjectNode) o.with("metadata")).with("labels");
                l.path("pairs").fields().forEachRemaining(e -> labels.set(e.getKey(), e.getValue()));
            }
        }
        if (k.hasNonNull("namespace")) {
            objects.forEach(o -> ((ObjectNode) o.with("metadata")).put("namespace", k.path("namespace").asText()));
        }
        return objects;
    }

    static List<ObjectNode> load(Path file) throws IOException {
        List<ObjectNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && n.isObject() && n.size() > 0) {
                    docs.add((ObjectNode) n);
                }
            }
        }
        return docs;
    }

    private static void patch(List<ObjectNode> objects, Path dir, JsonNode patches) throws IOException {
        for (JsonNode p : patches) {
            for (ObjectNode patch : load(dir.resolve(p.path("path").asText()))) {
                ObjectNode target = objects.stream()
                        .filter(o -> o.path("kind").equals(patch.path("kind"))
                                && o.path("metadata").path("name").equals(patch.path("metadata").path("name")))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("patch " + p + " matches no object: "
                                + patch.path("kind").asText() + "/" + patch.path("metadata").path("name").asText()));
                merge(target, patch);
            }
        }
    }

    /** Strategic merge: objects merge, arrays of objects with a name merge by name, anything else replaces. */
    static void merge(ObjectNode target, ObjectNode patch) {
        Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode cur = target.get(e.getKey());
            JsonNode val = e.getValue();
            if (cur instanceof ObjectNode co && val instanceof ObjectNode vo) {
                merge(co, vo);
            } else if (cur instanceof ArrayNode ca && val instanceof ArrayNode va && named(ca) && named(va)) {
                for (JsonNode v : va) {
                    ObjectNode match = null;
                    for (JsonNode c : ca) {
                        if (c.path("name").equals(v.path("name"))) {
                            match = (ObjectNode) c;
                        }
                    }
                    if (match != null) {
                        merge(match, (ObjectNode) v);
                    } else {
                        ca.add(v);
                    }
                }
            } else {
                target.set(e.getKey(), val.deepCopy());
            }
        }
    }

    private static boolean named(ArrayNode a) {
        for (JsonNode n : a) {
            if (!n.isObject() || !n.has("name")) {
                return false;
            }
        }
        return true;
    }

    private static void images(List<ObjectNode> objects, String name, String newName, String newTag) {
        for (ObjectNode o : objects) {
            for (JsonNode c : o.path("spec").path("template").path("spec").path("containers")) {
                String image = c.path("image").asText();
                int colon = image.lastIndexOf(':');
                String repo = colon > 0 ? image.substring(0, colon) : image;
                String tag = colon > 0 ? image.substring(colon + 1) : "latest";
                if (repo.equals(name)) {
                    ((ObjectNode) c).put("image", (newName != null ? newName : repo) + ":" + (newTag != null ? newTag : tag));
                }
            }
        }
    }
}
