package io.keapgateway.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Redis of a production topology, run as child processes on free loopback ports in a temporary
 * directory, and the standard Quarkus settings that point a gateway at it: a three-master Redis Cluster
 * ({@link #cluster()}), or a primary and its replica watched by a Sentinel ({@link #sentinel()}) that a
 * test can make fail over. {@link #close()} stops every process and deletes the directory. Tests are
 * skipped (JUnit assumption) where {@code redis-server} or {@code redis-cli} is not on the PATH.
 */
public final class RedisTopology implements AutoCloseable {

    /** The name Sentinel knows the primary by. */
    public static final String MASTER_NAME = "kgw-primary";

    private static final Duration READY = Duration.ofSeconds(60);

    private final Path directory;
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, String> environment = new HashMap<>();
    private final List<Integer> dataPorts = new ArrayList<>();
    private int sentinelPort;

    private RedisTopology(Path directory) {
        this.directory = directory;
    }

    /** Three masters sharing the 16384 slots, no replicas, created with {@code redis-cli --cluster create}. */
    public static RedisTopology cluster() throws IOException, InterruptedException {
        RedisTopology topology = create("redis-cluster-");
        try {
            List<String> hosts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int port = topology.server("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "5000");
                hosts.add("127.0.0.1:" + port);
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            create.addAll(hosts);
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            topology.runToEnd(create);
            await("cluster state ok").atMost(READY).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                for (int port : topology.dataPorts) {
                    assertThat(topology.info(port, "CLUSTER", "INFO")).contains("cluster_state:ok");
                }
            });
            topology.environment.put("QUARKUS_REDIS_CLIENT_TYPE", "cluster");
            topology.environment.put("QUARKUS_REDIS_HOSTS", String.join(",",
                    hosts.stream().map(host -> "redis://" + host).toList()));
            return topology;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            topology.close();
            throw e;
        }
    }

    /** A primary, one replica of it and one Sentinel (quorum 1) that watches them. */
    public static RedisTopology sentinel() throws IOException {
        RedisTopology topology = create("redis-sentinel-");
        try {
            int primary = topology.server();
            topology.server("--replicaof", "127.0.0.1", Integer.toString(primary));
            await("replica in sync").atMost(READY).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(topology.info(primary, "INFO", "replication")).contains("connected_slaves:1")
                            .containsPattern("slave0:.*state=online"));
            topology.sentinelPort = freePort();
            Path config = topology.directory.resolve("sentinel.conf");
            Files.writeString(config, String.join("\n",
                    "port " + topology.sentinelPort,
                    "bind 127.0.0.1",
                    "dir " + topology.directory,
                    "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + primary + " 1",
                    "sentinel down-after-milliseconds " + MASTER_NAME + " 5000",
                    "sentinel failover-timeout " + MASTER_NAME + " 10000",
                    ""));
            topology.start(List.of("redis-server", config.toString(), "--sentinel"), topology.sentinelPort);
            await("sentinel sees the replica").atMost(READY).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(topology.info(topology.sentinelPort, "SENTINEL", "REPLICAS", MASTER_NAME))
                            .contains("127.0.0.1"));
            topology.environment.put("QUARKUS_REDIS_CLIENT_TYPE", "sentinel");
            topology.environment.put("QUARKUS_REDIS_HOSTS", "redis://127.0.0.1:" + topology.sentinelPort);
            topology.environment.put("QUARKUS_REDIS_MASTER_NAME", MASTER_NAME);
            return topology;
        } catch (IOException | RuntimeException | AssertionError e) {
            topology.close();
            throw e;
        }
    }

    /** The Quarkus Redis settings for a gateway replica (to put into its environment). */
    public Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    /** The ports of the data nodes (cluster masters; or the first primary and its replica). */
    public List<Integer> dataPorts() {
        return List.copyOf(dataPorts);
    }

    /** The port of the node Sentinel names as the primary now. */
    public int primaryPort() throws IOException {
        try (RedisPeek sentinel = new RedisPeek(sentinelPort)) {
            List<?> address = (List<?>) sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
            return Integer.parseInt((String) address.get(1));
        }
    }

    /**
     * Makes Sentinel promote the replica ({@code SENTINEL FAILOVER}) and waits until the old primary
     * follows the new one; answers the new primary's port.
     */
    public int failOver() throws IOException {
        int before = primaryPort();
        try (RedisPeek sentinel = new RedisPeek(sentinelPort)) {
            sentinel.call("SENTINEL", "FAILOVER", MASTER_NAME);
        }
        await("fail-over done").atMost(READY).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            assertThat(primaryPort()).isNotEqualTo(before);
            assertThat(info(primaryPort(), "INFO", "replication")).contains("role:master");
            assertThat(info(before, "INFO", "replication")).contains("role:slave")
                    .contains("master_link_status:up");
        });
        return primaryPort();
    }

    @Override
    public void close() throws IOException {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static RedisTopology create(String label) throws IOException {
        assumeTrue(onPath("redis-server") && onPath("redis-cli"), "redis-server or redis-cli is not on the PATH");
        return new RedisTopology(Files.createTempDirectory(label));
    }

    /** Starts one data node in a directory of its own; answers its port once it answers PING. */
    private int server(String... options) throws IOException {
        int port = freePort();
        Path home = Files.createDirectories(directory.resolve(Integer.toString(port)));
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", home.toString(), "--save", "", "--appendonly", "no"));
        command.addAll(List.of(options));
        start(command, port);
        dataPorts.add(port);
        return port;
    }

    private void start(List<String> command, int port) throws IOException {
        Path log = directory.resolve("process-" + processes.size() + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        await("redis on " + port).atMost(READY).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> "PONG".equals(ping(port)));
    }

    private void runToEnd(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    private static Object ping(int port) throws IOException {
        try (RedisPeek redis = new RedisPeek(port)) {
            return redis.call("PING");
        }
    }

    private String info(int port, String... command) throws IOException {
        try (RedisPeek redis = new RedisPeek(port)) {
            return String.valueOf(redis.call(command));
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator))
                .anyMatch(dir -> new File(dir, program).canExecute());
    }
}
