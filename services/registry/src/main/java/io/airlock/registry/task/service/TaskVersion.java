package io.airlock.registry.task.service;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/**
 * One registered version of a kernel task.
 *
 * @param summary the parsed task.yml with {@code publicFiles}: what a submitter may read
 * @param files   every file's name, size, SHA-256 and whether it is public
 * @param notes   what registration noticed and did not refuse (an ignored eval.py)
 */
public record TaskVersion(String name, int version, String digest, String lang, ObjectNode summary,
                          List<TaskFile> files, List<String> notes, long size, String registeredBy,
                          Instant registeredAt) {

    /** One file of a task. */
    public record TaskFile(String name, long size, String sha256, boolean publicFile) {
    }
}
