import io.airlock.identity.Roles;
import io.airlock.identity.Tokens;
import io.airlock.stack.Resp;
import io.airlock.stack.Service;
import io.airlock.stack.Stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The accept path's stack for bench/accept-path.sh: registry, guard and gateway of the checkout at
 * ROOT (packaged), no scanner or evaluator (the workers paused: what is measured is POST until 202),
 * Redis db 3 emptied, the scan queue's bound lifted so that the queue growing during a run never
 * answers 429. Writes an operator's token (no quota) to WORK/token, prints "up", runs until stdin closes.
 *
 *   java -cp "tools/stack/target/airlock-stack-0.1.0-SNAPSHOT.jar:tools/stack/target/lib/*" \
 *       bench/AcceptStack.java ROOT WORK PORT
 */
public class AcceptStack {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath().normalize();
        Path work = Path.of(args[1]).toAbsolutePath().normalize();
        int port = Integer.parseInt(args[2]);
        Stack.Options o = new Stack.Options(root, work, port, 3, "airlock_bench", false, System.getenv(), Map.of())
                .withExtra(Service.GATEWAY, "airlock.gateway.scan-queue-bound", "100000000")
                .withExtra(Service.GATEWAY, "quarkus.log.level", "WARN")
                .withExtra(Service.REGISTRY, "quarkus.log.level", "WARN")
                .withExtra(Service.GUARD, "quarkus.log.level", "WARN");
        try (Stack stack = Stack.prepare(o)) {
            try (Resp r = Resp.connect(stack.infra().redis(), 3)) {
                r.call("FLUSHDB");
            }
            stack.startAll(Service.REGISTRY, Service.GUARD, Service.GATEWAY);
            String token = Tokens.issue(stack.signingKey(), Tokens.LOCAL_ISSUER, "bench", Roles.OPERATOR,
                    Duration.ofHours(2));
            Files.writeString(work.resolve("token"), token);
            System.out.println("up " + stack.url(Service.GATEWAY));
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the script closes stdin
            }
        }
    }
}
