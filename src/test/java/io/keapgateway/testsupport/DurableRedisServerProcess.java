package io.keapgateway.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private {@code redis-server} child process that keeps its data when it is stopped and started again (an
 * append-only file, written on every command, in a temporary directory), as a production Redis with
 * persistence does across a restart or an outage. Unlike {@link RedisServerProcess}, whose restart comes back
 * empty, the gateway's keys and connections survive here, so a test can watch what happens once Redis is back.
 * Tests are skipped (JUnit assumption) where {@code redis-server} is not on the PATH.
 */
public final class DurableRedisServerProcess implements AutoCloseable {

    private final int port;
    private final Path directory;
    private Process process;

    private DurableRedisServerProcess(int port, Path directory) {
        this.port = port;
        this.directory = directory;
    }

    /** Starts a server on a free port; skips the calling test when {@code redis-server} is missing. */
    public static DurableRedisServerProcess startOnFreePort() throws IOException {
        assumeTrue(onPath("redis-server"), "redis-server is not on the PATH");
        DurableRedisServerProcess server = new DurableRedisServerProcess(freePort(),
                Files.createTempDirectory("durable-redis-"));
        server.start();
        return server;
    }

    public int port() {
        return port;
    }

    /** A Redis connection string for this server, as {@code QUARKUS_REDIS_HOSTS} takes it. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server (again, with the data it had) and returns once it accepts connections. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", directory.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "always")
                    .redirectErrorStream(true)
                    .start();
            awaitReady(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server", e);
        }
    }

    /** Stops the server and waits until the process has exited; its data stays for the next start. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops the server and deletes its data. */
    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    // Redis logs "Ready to accept connections" once it listens (after loading its data); the rest of its
    // output is drained so the pipe never fills and blocks it.
    private static void awaitReady(Process process) throws IOException {
        BufferedReader output = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            seen.append(line).append('\n');
            if (line.contains("Ready to accept connections")) {
                Thread drain = new Thread(() -> drain(output), "durable-redis-output");
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IllegalStateException("redis-server exited before it was ready:\n" + seen);
    }

    private static void drain(BufferedReader output) {
        try {
            while (output.readLine() != null) {
                // discarded: only the startup lines matter
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }
}
