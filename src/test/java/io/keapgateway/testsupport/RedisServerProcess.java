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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private {@code redis-server} run as a child process, for tests that must stop Redis and start it again
 * on the same port: either empty after a restart (no persistence, like the shared Redis of this machine), or
 * durable (an append-only file written on every command), as a production Redis with persistence comes back
 * after an outage. Tests are skipped (JUnit assumption) where {@code redis-server} is not on the PATH.
 */
public final class RedisServerProcess implements AutoCloseable {

    private final int port;
    private final Path directory; // null: nothing kept across a restart
    private Process process;

    private RedisServerProcess(int port, Path directory) {
        this.port = port;
        this.directory = directory;
    }

    /** Starts a server on a free port that comes back empty after a restart. */
    public static RedisServerProcess startOnFreePort() {
        return start(null);
    }

    /** Starts a server on a free port that keeps its data across {@link #stop()} and {@link #start()}. */
    public static RedisServerProcess startDurableOnFreePort() throws IOException {
        return start(Files.createTempDirectory("durable-redis-"));
    }

    private static RedisServerProcess start(Path directory) {
        assumeTrue(onPath("redis-server"), "redis-server is not on the PATH");
        RedisServerProcess server = new RedisServerProcess(freePort(), directory);
        server.start();
        return server;
    }

    public int port() {
        return port;
    }

    /** A Redis connection string for this server. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the server (again) and returns once it accepts connections. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", ""));
        command.addAll(directory == null ? List.of("--appendonly", "no")
                : List.of("--dir", directory.toString(), "--appendonly", "yes", "--appendfsync", "always"));
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            awaitReady(process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server", e);
        }
    }

    /** Stops the server and waits until the process has exited. */
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

    /** Kills the server (SIGKILL: no shutdown save) and waits until the process has exited. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops the server and deletes what it kept, so that its next {@link #start()} comes back empty. */
    public synchronized void stopAndForget() throws IOException {
        stop();
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).filter(f -> !f.equals(directory)).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** Stops the server and deletes its data. */
    @Override
    public void close() throws IOException {
        stop();
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    // Redis logs "Ready to accept connections" once it listens; the rest of its output is drained so the
    // pipe never fills and blocks it.
    private static void awaitReady(Process process) throws IOException {
        BufferedReader output = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            seen.append(line).append('\n');
            if (line.contains("Ready to accept connections")) {
                Thread drain = new Thread(() -> drain(output), "redis-server-output");
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

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
