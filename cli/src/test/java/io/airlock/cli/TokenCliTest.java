package io.airlock.cli;

import io.airlock.identity.SigningKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TokenCliTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new String[]{Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void issuePrintsASignedTokenOnItsLastLine(@TempDir Path dir) throws Exception {
        SigningKey key = SigningKey.createIfAbsent(dir);
        String[] r = run("token", "issue", "--user", "alice", "--role", "submitter", "--ttl", "30m",
                "--key", dir.resolve(SigningKey.KEY_FILE).toString());
        assertThat(r[0]).isEqualTo("0");
        List<String> lines = r[1].lines().toList();
        String token = lines.get(lines.size() - 1);
        String[] parts = token.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"sub\":\"alice\"", "\"groups\":[\"submitter\"]");
        long iat = Long.parseLong(claims.replaceAll(".*\"iat\":(\\d+).*", "$1"));
        long exp = Long.parseLong(claims.replaceAll(".*\"exp\":(\\d+).*", "$1"));
        assertThat(exp - iat).isEqualTo(1800);
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(key.publicKey());
        s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(s.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    }

    @Test
    void badRolesTtlsAndMissingKeysAreToolErrors(@TempDir Path dir) throws Exception {
        SigningKey.createIfAbsent(dir);
        String key = dir.resolve(SigningKey.KEY_FILE).toString();
        assertThat(run("token", "issue", "--user", "alice", "--role", "admin", "--key", key)[0]).isEqualTo("2");
        assertThat(run("token", "issue", "--user", "alice", "--role", "auditor", "--ttl", "31d", "--key", key)[0]).isEqualTo("2");
        assertThat(run("token", "issue", "--user", "alice", "--role", "auditor", "--key", dir.resolve("nope").toString())[0])
                .isEqualTo("2");
    }
}
