package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.TaskBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code airlock task add DIR | list | show NAME}: kernel tasks in the registry, through the gateway.
 * {@code add} packs the folder with the same TaskBundle the registry reads (flat, plain files, bounded) and
 * posts it with the operator's token. Exit codes: 0 ok, 2 tool error (refused, unreachable, bad folder).
 */
@Command(name = "task", mixinStandardHelpOptions = true,
        description = "Kernel tasks in the registry: add DIR (operator), list, show NAME.",
        subcommands = {TaskCommand.Add.class, TaskCommand.ListTasks.class, TaskCommand.Show.class})
final class TaskCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (add, list, show)");
    }

    /** A task folder's files, as the registry will read them; refuses folders, links and oversized files. */
    static TaskBundle pack(Path dir) throws IOException, FormatViolation {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new RegistryCommands.ToolError(dir + " is not a folder");
        }
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.equals("__pycache__") || name.endsWith(".pyc")) {
                    continue;  // Python's own cache, written when the task was tried locally: not part of the task
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new RegistryCommands.ToolError(p + " is not a plain file: a task folder is flat, without links");
                }
                if (Files.size(p) > TaskBundle.MAX_FILE_BYTES) {
                    throw new RegistryCommands.ToolError(p + " is larger than " + TaskBundle.MAX_FILE_BYTES + " bytes");
                }
                files.put(name, Files.readAllBytes(p));
            }
        }
        return TaskBundle.of(files);
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Register the task in DIR (task.yml, reference.py, task.py ...) under --name (default: the "
                    + "folder's name). The same files again give the existing version. Operator token.")
    static final class Add extends RegistryCommands.Remote {
        @Parameters(paramLabel = "DIR") Path dir;
        @Option(names = "--name", paramLabel = "NAME", description = "the task's name (default: the folder's name)")
        String name;

        @Override
        public Integer call() throws Exception {
            TaskBundle bundle;
            try {
                bundle = pack(dir);
            } catch (FormatViolation e) {
                spec.commandLine().getErr().printf("airlock: %s: %s%n", dir, e.getMessage());
                return ExitCodes.TOOL_ERROR;
            }
            String n = name != null ? name : dir.toAbsolutePath().normalize().getFileName().toString();
            GatewayClient.Answer a = postBytes("/v1/tasks?name=" + URLEncoder.encode(n, StandardCharsets.UTF_8),
                    "application/x-tar", bundle.toTar());
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            JsonNode t = a.body().path("task");
            if (format == OutputFormat.json) {
                out().println(a.body().toPrettyString());
            } else {
                out().printf("%s %s v%d  %s  lang %s  %d files%n", a.body().path("created").asBoolean() ? "registered"
                                : "unchanged (already registered)", t.path("name").asText(), t.path("version").asInt(),
                        t.path("digest").asText(), t.path("lang").asText(), t.path("files").size());
                for (JsonNode note : t.path("notes")) {
                    out().println("  note: " + note.asText());
                }
            }
            return ExitCodes.PASS;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every task's newest version.")
    static final class ListTasks extends RegistryCommands.Remote {
        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("GET", "/v1/tasks");
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            if (format == OutputFormat.json) {
                out().println(a.body().toPrettyString());
                return ExitCodes.PASS;
            }
            out().printf("%-32s  %-7s  %-4s  %-71s  %s%n", "NAME", "VERSION", "LANG", "DIGEST", "REGISTERED");
            for (JsonNode t : a.body().path("items")) {
                out().printf("%-32s  %-7d  %-4s  %-71s  %s%n", t.path("name").asText(), t.path("version").asInt(),
                        t.path("lang").asText(), t.path("digest").asText(), t.path("registeredAt").asText());
            }
            return ExitCodes.PASS;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A task: its public parts and every version.")
    static final class Show extends RegistryCommands.Remote {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() throws Exception {
            GatewayClient.Answer a = call("GET", "/v1/tasks/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
            if (!ok(a)) {
                return ExitCodes.TOOL_ERROR;
            }
            if (format == OutputFormat.json) {
                out().println(a.body().toPrettyString());
                return ExitCodes.PASS;
            }
            JsonNode latest = a.body().path("latest");
            out().printf("%s v%d  lang %s  %s%n", name, latest.path("version").asInt(), latest.path("lang").asText(),
                    latest.path("digest").asText());
            out().println(latest.path("task").path("description").asText("").strip());
            out().println("tests: " + latest.path("task").path("tests"));
            out().println("benchmarks: " + latest.path("task").path("benchmarks"));
            for (JsonNode v : a.body().path("versions")) {
                out().printf("  v%d  %s  %s by %s%n", v.path("version").asInt(), v.path("digest").asText(),
                        v.path("registeredAt").asText(), v.path("registeredBy").asText());
            }
            return ExitCodes.PASS;
        }
    }
}
