package io.airlock.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./airlock up}: runs the whole stack in the foreground of this (backgrounded) process until
 * it receives SIGTERM, then stops exactly what it started. The {@code airlock} script reads
 * {@code .airlock/run/stack.state} to learn when it is up and where.
 */
public final class StackMain {
    private StackMain() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Map<String, String> env = System.getenv();
        Path work = root.resolve(".airlock");
        int port = Integer.parseInt(env.getOrDefault("AIRLOCK_PORT", "8080"));
        Stack.Options options = new Stack.Options(root, work, port, 0, "airlock", true, env, Map.of());
        Path state = work.resolve("run/stack.state");
        Files.createDirectories(state.getParent());
        CountDownLatch stopped = new CountDownLatch(1);
        Stack stack = null;
        try {
            stack = Stack.prepare(options);
            stack.infra().notes().forEach(n -> System.out.println("[airlock] " + n));
            writeState(state, "starting", "");
            final Stack started = stack;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    started.close();
                    writeState(state, "stopped", "");
                } catch (IOException e) {
                    System.err.println("[airlock] shutdown: " + e);
                } finally {
                    stopped.countDown();
                }
            }, "airlock-stack-shutdown"));
            stack.startAll();
            for (Service s : Service.values()) {
                ServiceProcess p = stack.process(s);
                System.out.printf("[airlock] %-9s pid %-7d %s  (log %s)%n", s.id(), p.pid(), p.url(), p.log());
            }
            writeState(state, "up", stack.url(Service.GATEWAY));
            System.out.println("[airlock] token-signing key " + stack.keysDir().resolve(io.airlock.identity.SigningKey.KEY_FILE)
                    + " (mode 0600); a token: ./airlock token issue --user NAME --role submitter|operator|auditor");
            System.out.println("[airlock] up: gateway " + stack.url(Service.GATEWAY));
        } catch (IOException | RuntimeException e) {
            System.err.println("[airlock] failed to start: " + e.getMessage());
            writeState(state, "failed", e.getMessage().lines().findFirst().orElse(""));
            if (stack != null) {
                stack.close();
            }
            System.exit(1);
        }
        stopped.await();
    }

    private static void writeState(Path state, String phase, String url) throws IOException {
        Path tmp = state.resolveSibling("stack.state.tmp");
        String text = "phase=" + phase + "\npid=" + ProcessHandle.current().pid() + "\ngateway=" + url + "\n";
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
