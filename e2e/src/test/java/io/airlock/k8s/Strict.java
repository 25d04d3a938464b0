package io.airlock.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict validation of Kubernetes objects against fabric8's model classes. Those classes keep
 * unknown fields in {@code additionalProperties} instead of failing, so after binding (which
 * catches wrong types) every object in the graph is checked for leftovers: a misspelled field is
 * an error, not a silently ignored key.
 */
final class Strict {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY, false);

    private static final Map<String, Class<?>> KINDS = Map.of(
            "apps/v1/Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class,
            "v1/Service", io.fabric8.kubernetes.api.model.Service.class,
            "v1/ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class,
            "v1/PersistentVolumeClaim", io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class,
            "policy/v1/PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class,
            "networking.k8s.io/v1/NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class,
            "autoscaling/v2/HorizontalPodAutoscaler", io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class);

    /** Custom resources, checked against the fields their operators document (by path). */
    private static final Map<String, Set<String>> CRD_FIELDS = Map.of(
            "keda.sh/v1alpha1/ScaledObject", Set.of("apiVersion", "kind", "metadata", "metadata.name", "metadata.namespace",
                    "metadata.labels", "spec", "spec.scaleTargetRef", "spec.scaleTargetRef.name", "spec.minReplicaCount",
                    "spec.maxReplicaCount", "spec.pollingInterval", "spec.cooldownPeriod", "spec.triggers",
                    "spec.triggers.type", "spec.triggers.metadata", "spec.triggers.metadata.address",
                    "spec.triggers.metadata.stream", "spec.triggers.metadata.consumerGroup",
                    "spec.triggers.metadata.pendingEntriesCount", "spec.triggers.metadata.lagCount"),
            "monitoring.coreos.com/v1/ServiceMonitor", Set.of("apiVersion", "kind", "metadata", "metadata.name",
                    "metadata.namespace", "metadata.labels", "spec", "spec.selector", "spec.selector.matchLabels",
                    "spec.endpoints", "spec.endpoints.port", "spec.endpoints.path", "spec.endpoints.interval"));

    private Strict() {
    }

    /** Problems with one object; empty when it is valid. */
    static List<String> check(JsonNode object) {
        String key = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        String name = key + " " + object.path("metadata").path("name").asText();
        List<String> problems = new ArrayList<>();
        Class<?> type = KINDS.get(key);
        if (type != null) {
            try {
                Object bound = MAPPER.treeToValue(object, type);
                leftovers(bound, name, problems, new IdentityHashMap<>());
            } catch (Exception e) {
                problems.add(name + ": " + e.getMessage().lines().findFirst().orElse(""));
            }
        } else if (CRD_FIELDS.containsKey(key)) {
            paths(object, "", CRD_FIELDS.get(key), name, problems);
        } else {
            problems.add(name + ": kind not known to the validator");
        }
        return problems;
    }

    private static void paths(JsonNode n, String prefix, Set<String> allowed, String name, List<String> problems) {
        if (n.isArray()) {
            n.forEach(e -> paths(e, prefix, allowed, name, problems));
            return;
        }
        if (!n.isObject() || prefix.endsWith("labels") || prefix.endsWith("matchLabels")) {
            return;
        }
        n.fields().forEachRemaining(e -> {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (!allowed.contains(path)) {
                problems.add(name + ": unknown field " + path);
            } else {
                paths(e.getValue(), path, allowed, name, problems);
            }
        });
    }

    private static void leftovers(Object o, String path, List<String> problems, Map<Object, Boolean> seen) throws Exception {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            for (Object e : c) {
                leftovers(e, path, problems, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Object e : m.values()) {
                leftovers(e, path, problems, seen);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v = m.invoke(o);
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet() + " in " + o.getClass().getSimpleName());
                }
            } else {
                leftovers(v, path, problems, seen);
            }
        }
    }
}
