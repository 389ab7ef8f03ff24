package io.keapgateway.deploy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx as a child process with a configuration of the test's, its prefix (configuration, pid, logs,
 * temporary files) in a directory of its own under {@code target/}.
 */
final class NginxProcess implements AutoCloseable {

    private final Path prefix;
    private final int port;
    private final Process process;

    private NginxProcess(Path prefix, int port, Process process) {
        this.prefix = prefix;
        this.port = port;
        this.process = process;
    }

    /** Writes {@code configuration} under {@code prefix}, checks it with {@code nginx -t}, starts nginx on it. */
    static NginxProcess start(Path prefix, int port, String configuration) throws IOException, InterruptedException {
        write(prefix, configuration);
        run(prefix, "-t");
        Process process = new ProcessBuilder(command(prefix)).redirectErrorStream(true)
                .redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        NginxProcess nginx = new NginxProcess(prefix, port, process);
        nginx.awaitListening();
        return nginx;
    }

    int port() {
        return port;
    }

    Path prefix() {
        return prefix;
    }

    /** The configuration it runs. */
    String configuration() throws IOException {
        return Files.readString(prefix.resolve("nginx.conf"));
    }

    /**
     * Replaces the configuration as a reload does (SIGHUP): new workers take new connections, the old ones finish
     * what they serve. Returns once the new configuration was checked and the signal sent.
     */
    void reload(String configuration) throws IOException, InterruptedException {
        write(prefix, configuration);
        run(prefix, "-t");
        run(prefix, "-s", "reload");
    }

    String errorLog() throws IOException {
        Path log = prefix.resolve("error.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static void write(Path prefix, String configuration) throws IOException {
        for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            Files.createDirectories(prefix.resolve("temp").resolve(temp));
        }
        Files.writeString(prefix.resolve("nginx.conf"), configuration);
    }

    private static List<String> command(Path prefix, String... more) {
        // -e: the error log before the configuration is read (Debian's default, /var/log/nginx, may not be writable).
        List<String> command = new java.util.ArrayList<>(List.of("nginx", "-p", prefix.toAbsolutePath() + "/",
                "-c", prefix.resolve("nginx.conf").toAbsolutePath().toString(),
                "-e", prefix.resolve("error.log").toAbsolutePath().toString()));
        command.addAll(List.of(more));
        return command;
    }

    private static void run(Path prefix, String... arguments) throws IOException, InterruptedException {
        Process nginx;
        try {
            nginx = new ProcessBuilder(command(prefix, arguments)).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("nginx is not installed: .ci/run installs Debian's nginx", e);
        }
        String output = new String(nginx.getInputStream().readAllBytes());
        if (!nginx.waitFor(30, TimeUnit.SECONDS) || nginx.exitValue() != 0) {
            throw new AssertionError("nginx " + String.join(" ", arguments) + " failed:\n" + output);
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("nginx exited with " + process.exitValue() + ":\n" + errorLog()
                        + Files.readString(prefix.resolve("stdout.log")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50); // nginx offers no start-up signal but the open port
            }
        }
        throw new AssertionError("nginx did not listen on " + port + ":\n" + errorLog());
    }
}
