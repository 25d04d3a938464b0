package io.airlock.cli;

import io.airlock.formats.TaskBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code airlock task add} packs a folder exactly as the registry reads it, and refuses what it would refuse. */
class TaskCommandTest {

    @Test
    void anExampleFolderPacksToATarTheRegistryReadsBackWithTheSameDigest() throws Exception {
        TaskBundle packed = TaskCommand.pack(Path.of("../examples/tasks/vectoradd_py"));
        assertThat(packed.files()).containsKeys("task.yml", "reference.py", "task.py");
        TaskBundle read = TaskBundle.read(new ByteArrayInputStream(packed.toTar()));
        assertThat(read.digest()).isEqualTo(packed.digest()).startsWith("sha256:");
    }

    @Test
    void aLinkOrASubFolderIsRefusedBeforeAnythingIsSentAndPythonsCacheIsLeftOut(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("task.yml"), "lang: py\n");
        Files.createDirectory(dir.resolve("__pycache__"));
        assertThat(TaskCommand.pack(dir).files()).containsOnlyKeys("task.yml");
        Files.createSymbolicLink(dir.resolve("reference.py"), Path.of("/etc/passwd"));
        assertThatThrownBy(() -> TaskCommand.pack(dir)).hasMessageContaining("not a plain file");
    }

    @Test
    void addWithoutAServerIsAToolError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("task.yml"), "lang: py\n");
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err)).execute("task", "add", dir.toString(), "--server", "http://127.0.0.1:9");
        assertThat(code).isEqualTo(ExitCodes.TOOL_ERROR);
        assertThat(err.toString()).contains("cannot reach");
    }
}
