package io.keapgateway.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One more replica of the packaged gateway (the JVM jar, or the native executable when the build made
 * one), started as a child process on free ports with the given environment. Integration tests use it to
 * run several replicas against one Redis, or to start the gateway with a configuration of their own.
 */
public final class GatewayProcess implements AutoCloseable {

    /** The secrets every replica of a test shares (never real ones). */
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    public static final String ENCRYPTION_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private final Process process;
    private final Path log;
    private final int port;
    private final int managementPort;

    private GatewayProcess(Process process, Path log, int port, int managementPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.managementPort = managementPort;
    }

    /** The environment of a prod replica talking to {@code upstream} and the local Redis under {@code prefix}. */
    public static Map<String, String> environment(String upstream, String prefix) {
        Map<String, String> env = new HashMap<>();
        env.put("KEAP_GATEWAY_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("KEAP_GATEWAY_ENCRYPTION_KEY", ENCRYPTION_KEY);
        env.put("KEAP_GATEWAY_UPSTREAM_URL", upstream);
        env.put("KEAP_GATEWAY_TOKEN_URL", upstream + "/token");
        env.put("KEAP_GATEWAY_AUTHORIZE_URL", upstream + "/app/oauth/authorize");
        env.put("KEAP_GATEWAY_REDIS_PREFIX", prefix);
        env.put("QUARKUS_REDIS_HOSTS", "redis://localhost:6379");
        return env;
    }

    /** Starts a replica and waits until it is ready. */
    public static GatewayProcess start(Map<String, String> environment) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            GatewayProcess gateway = launch(environment);
            try {
                gateway.awaitReady(Duration.ofSeconds(150)); // several replicas starting at once on a loaded machine
                return gateway;
            } catch (IOException | InterruptedException | RuntimeException e) {
                gateway.kill(); // a replica that never became ready must not outlive the test
                // A port found free was taken by another process before the replica bound it: new ports, once more.
                if (attempt < 3 && !gateway.isAlive() && gateway.logs().contains("Address already in use")) {
                    continue;
                }
                throw e;
            }
        }
    }

    /**
     * Starts a replica without waiting: for tests of start-up itself. The main port is free one, or
     * {@code QUARKUS_HTTP_PORT} of the environment when a test needs to know it beforehand (e.g. for
     * {@code KEAP_GATEWAY_PUBLIC_URL}).
     */
    public static GatewayProcess launch(Map<String, String> environment) throws IOException {
        int port = environment.containsKey("QUARKUS_HTTP_PORT") ? Integer.parseInt(environment.get("QUARKUS_HTTP_PORT"))
                : freePort();
        int managementPort = freePort();
        List<String> command = new ArrayList<>();
        Path nativeImage = Path.of(System.getProperty("native.image.path", "target/none"));
        boolean isNative = Files.isExecutable(nativeImage);
        command.add(isNative ? nativeImage.toAbsolutePath().toString()
                : Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Options before -jar: after it they would be the application's arguments.
        command.add("-Xmx" + environment.getOrDefault("TEST_GATEWAY_XMX", "256m"));
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.management.port=" + managementPort);
        if (!isNative) {
            command.add("-jar");
            command.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString());
        }
        Path log = Files.createTempFile("gateway-" + port + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new GatewayProcess(builder.start(), log, port, managementPort);
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public int port() {
        return port;
    }

    public String managementUrl() {
        return "http://localhost:" + managementPort;
    }

    /** Everything the replica printed so far. */
    public String logs() throws IOException {
        return Files.readString(log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself; answers its exit code, or -1 if it is still running. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** The operating system's process id, e.g. to freeze the replica with SIGSTOP. */
    public long pid() {
        return process.pid();
    }

    /** Freezes the replica (SIGSTOP), as a long GC pause, CPU starvation or a frozen VM would. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a frozen replica run on (SIGCONT). */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
        }
    }

    /** Sends SIGTERM, as Kubernetes does on a rollout, and returns at once. */
    public void terminate() {
        process.destroy();
    }

    /** Ends the replica abruptly, as a crash or an OOM kill would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                thaw(); // a frozen process would not act on SIGTERM
            } catch (IOException | IllegalStateException e) {
                // it ended meanwhile
            }
        }
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            kill();
        }
    }

    /** Waits as a Kubernetes Service does: until readiness says this replica may take traffic. */
    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(timeout);
        HttpRequest ready = HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready")).build();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited with " + process.exitValue() + ":\n" + logs());
            }
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100); // polling a child process that offers no start-up signal
        }
        throw new IllegalStateException("gateway not ready after " + timeout + ":\n" + logs());
    }

    /** A port nothing listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
