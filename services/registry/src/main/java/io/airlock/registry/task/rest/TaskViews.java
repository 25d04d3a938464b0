package io.airlock.registry.task.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.registry.task.service.TaskVersion;

import java.time.Instant;
import java.util.List;

/** JSON shapes of the tasks API (docs/KERNEL-JUDGE.md, "Registered tasks"). */
public final class TaskViews {
    private TaskViews() {
    }

    /**
     * One version of a task. {@code task} is the parsed task.yml (description, files, tests, benchmarks,
     * publicFiles ...), public; {@code files} lists every file for operators and auditors, the public ones
     * for submitters.
     */
    public record VersionView(String name, int version, String digest, String lang, ObjectNode task,
                              List<TaskVersion.TaskFile> files, List<String> notes, long size, String registeredBy,
                              Instant registeredAt) {
        static VersionView of(TaskVersion v, boolean everything) {
            return new VersionView(v.name(), v.version(), v.digest(), v.lang(), v.summary(),
                    v.files().stream().filter(f -> everything || f.publicFile()).toList(), v.notes(), v.size(),
                    v.registeredBy(), v.registeredAt());
        }
    }

    /** A registration's answer: {@code created} false when these files were registered before under this name. */
    public record RegisteredView(boolean created, VersionView task) {
    }

    /** A task: its newest version and every version, newest first. */
    public record TaskView(String name, VersionView latest, List<VersionView> versions) {
    }

    /** The newest version of every task. */
    public record ListView(List<VersionView> items) {
    }
}
