package io.keapgateway.testsupport;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;

/**
 * One replica of the gateway run from its container image with podman, the way Kubernetes runs the
 * Deployment of deploy/base: a non-root user (1001:1001), a read-only root filesystem with a tmpfs at
 * /tmp, no capabilities. The surface is {@link GatewayProcess}'s (url, managementUrl, logs, terminate,
 * awaitExit, kill, close), so a test written for packaged replicas can run images instead.
 *
 * <p>How podman runs here: as root with {@code --runtime runc} (crun fails on this machine's hybrid
 * cgroups), on the host's network (no registry or CNI setup needed; the replica reaches Redis and the
 * fake Keap on localhost like a child process would), and with ulimits below the machine's hard limits
 * (podman's defaults are refused). Ports are free ports of the host, set through the environment
 * ({@code QUARKUS_HTTP_PORT}, {@code QUARKUS_MANAGEMENT_PORT}); the environment's values are handed to
 * podman as its own environment ({@code -e NAME}), never on a command line.
 */
public final class ContainerReplica implements AutoCloseable {

    /** The user of deploy/base's pod security context. */
    public static final String USER = "1001:1001";

    private final String name;
    private final int port;
    private final int managementPort;

    private ContainerReplica(String name, int port, int managementPort) {
        this.name = name;
        this.port = port;
        this.managementPort = managementPort;
    }

    /** True when podman is installed (the tests that need it assume this). */
    public static boolean podmanInstalled() {
        try {
            return run(Duration.ofSeconds(30), List.of("podman", "--version"), Map.of()).exit == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String packagedImage;

    /**
     * The image of what this run packaged, built once per test JVM with the documented command
     * ({@code src/main/docker/build-images.sh --packaged}): the native image when the build made an
     * executable (the native suite), else the JVM image. Named after the run, removed when the JVM exits;
     * the base images stay in podman's storage for the next run.
     */
    public static synchronized String packagedImage() throws IOException {
        if (packagedImage == null) {
            String name = "localhost/keap-gateway-it-" + TestRun.ID.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "-");
            Instant started = Instant.now();
            Result built = run(Duration.ofMinutes(15),
                    List.of("src/main/docker/build-images.sh", "--packaged", isNative() ? "native" : "jvm"),
                    Map.of("IMAGE_NAME", name, "IMAGE_TAG", "test"));
            if (built.exit != 0) {
                throw new IllegalStateException("build-images.sh failed (" + built.exit + "):\n" + built.output);
            }
            String image = (isNative() ? name : name + "-jvm") + ":test";
            System.out.printf("built %s in %d s%n%s", image, Duration.between(started, Instant.now()).toSeconds(), built.output);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    run(Duration.ofMinutes(1), List.of("podman", "rmi", "--force", image), Map.of());
                } catch (IOException | RuntimeException e) {
                    // the image stays behind; the next run's build replaces its tag
                }
            }));
            packagedImage = image;
        }
        return packagedImage;
    }

    /** True when this run built the native executable (the native suite), as {@link GatewayProcess} decides. */
    public static boolean isNative() {
        return Files.isExecutable(Path.of(System.getProperty("native.image.path", "target/none")));
    }

    /** Starts a replica of {@code image} with {@code environment} and waits until it is ready. */
    public static ContainerReplica start(String image, Map<String, String> environment) throws IOException, InterruptedException {
        ContainerReplica replica = launch(image, environment);
        try {
            replica.awaitReady(Duration.ofSeconds(150));
        } catch (IOException | InterruptedException | RuntimeException e) {
            replica.close();
            throw e;
        }
        return replica;
    }

    /** Starts a replica without waiting. The main port is a free one, or the environment's QUARKUS_HTTP_PORT. */
    public static ContainerReplica launch(String image, Map<String, String> environment) throws IOException {
        Map<String, String> env = new HashMap<>(environment);
        int port = env.containsKey("QUARKUS_HTTP_PORT") ? Integer.parseInt(env.get("QUARKUS_HTTP_PORT"))
                : GatewayProcess.freePort();
        int managementPort = GatewayProcess.freePort();
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        String name = "kgw-" + TestRun.ID + "-" + port;
        List<String> command = new ArrayList<>(List.of("podman", "run", "--detach", "--name", name,
                "--runtime", "runc", "--network=host",
                "--ulimit", "nofile=1024:4096", "--ulimit", "nproc=1024:4096",
                "--user", USER, "--read-only", "--tmpfs", "/tmp", "--cap-drop", "all",
                "--security-opt", "no-new-privileges"));
        env.keySet().stream().sorted().forEach(key -> {
            command.add("--env");
            command.add(key);
        });
        command.add(image);
        Result result = run(Duration.ofSeconds(60), command, env);
        if (result.exit != 0) {
            run(Duration.ofSeconds(30), List.of("podman", "rm", "--force", name), Map.of());
            throw new IllegalStateException("podman run failed (" + result.exit + "): " + result.output);
        }
        return new ContainerReplica(name, port, managementPort);
    }

    public String name() {
        return name;
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
        return run(Duration.ofSeconds(30), List.of("podman", "logs", name), Map.of()).output;
    }

    public boolean isAlive() throws IOException {
        return "true".equals(inspect("{{.State.Running}}"));
    }

    /** Sends SIGTERM, as Kubernetes does on a rollout, and returns at once. */
    public void terminate() throws IOException {
        run(Duration.ofSeconds(30), List.of("podman", "kill", "--signal", "TERM", name), Map.of());
    }

    /**
     * What {@code podman stop} does (SIGTERM, then SIGKILL after {@code grace}), waiting for the end; answers
     * the container's exit code (143 after SIGTERM, 137 when it had to be killed).
     */
    public int stop(Duration grace) throws IOException {
        Result stopped = run(grace.plusSeconds(30), List.of("podman", "stop", "--time", Long.toString(grace.toSeconds()), name), Map.of());
        if (stopped.exit != 0) {
            throw new IllegalStateException("podman stop failed: " + stopped.output);
        }
        return Integer.parseInt(inspect("{{.State.ExitCode}}"));
    }

    /** Waits for the container to end by itself; answers its exit code, or -1 if it still runs. */
    public int awaitExit(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (isAlive()) {
            if (Instant.now().isAfter(deadline)) {
                return -1;
            }
            Thread.sleep(100); // podman offers no wait with a timeout
        }
        return Integer.parseInt(inspect("{{.State.ExitCode}}"));
    }

    /** Ends the replica abruptly (SIGKILL), as a crash or an OOM kill would. */
    public void kill() throws IOException {
        run(Duration.ofSeconds(30), List.of("podman", "kill", "--signal", "KILL", name), Map.of());
    }

    /** Stops the container if it runs and removes it. */
    @Override
    public void close() throws IOException {
        run(Duration.ofSeconds(60), List.of("podman", "rm", "--force", "--time", "10", name), Map.of());
    }

    private String inspect(String format) throws IOException {
        Result result = run(Duration.ofSeconds(30), List.of("podman", "inspect", "--format", format, name), Map.of());
        if (result.exit != 0) {
            throw new IllegalStateException("podman inspect " + name + " failed: " + result.output);
        }
        return result.output.strip();
    }

    /** Waits as a Kubernetes Service does: until readiness says this replica may take traffic. */
    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(timeout);
        HttpRequest ready = HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        while (Instant.now().isBefore(deadline)) {
            try {
                if (client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                if (!isAlive()) {
                    throw new IllegalStateException("container " + name + " exited:\n" + logs());
                }
            }
            Thread.sleep(100); // polling a container that offers no start-up signal
        }
        throw new IllegalStateException("container " + name + " not ready after " + timeout + ":\n" + logs());
    }

    /** A finished command: its exit code and everything it printed. */
    public record Result(int exit, String output) {
    }

    /** Runs a command (podman, or the image build) with extra environment; output is stdout and stderr merged. */
    public static Result run(Duration timeout, List<String> command, Map<String, String> environment) throws IOException {
        Path output = Files.createTempFile("podman-", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not end within " + timeout + ":\n"
                        + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
