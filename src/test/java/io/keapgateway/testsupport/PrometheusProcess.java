package io.keapgateway.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Prometheus server ({@code /usr/bin/prometheus}) as a child process on a free loopback port, with a
 * configuration and rule files of the test's own and its storage in a directory of the test's own.
 */
public final class PrometheusProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts Prometheus with {@code configuration} (a prometheus.yml, whose rule_files are relative to
     * {@code directory}), written to {@code directory}, which also holds its storage and log; waits until it is
     * ready.
     */
    public static PrometheusProcess start(Path directory, String configuration) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        Path config = directory.resolve("prometheus.yml");
        Files.writeString(config, configuration);
        int port = GatewayProcess.freePort();
        Path log = directory.resolve("prometheus.log");
        List<String> command = new ArrayList<>(List.of("prometheus",
                "--config.file=" + config.toAbsolutePath(),
                "--storage.tsdb.path=" + directory.resolve("data").toAbsolutePath(),
                "--web.listen-address=127.0.0.1:" + port));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusProcess prometheus = new PrometheusProcess(process, log, port);
        try {
            prometheus.awaitReady(Duration.ofSeconds(30));
        } catch (IOException | InterruptedException | RuntimeException e) {
            prometheus.close();
            throw e;
        }
        return prometheus;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Everything Prometheus logged so far. */
    public String logs() throws IOException {
        return Files.readString(log);
    }

    /** An instant query through {@code /api/v1/query}: the whole answer (status, data, warnings or error). */
    public JsonNode query(String promql) {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** A GET of Prometheus' HTTP API, answered as JSON whatever its status (errors are JSON too). */
    public JsonNode get(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + pathAndQuery)).timeout(Duration.ofSeconds(10))
                .GET().build();
        try {
            return JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/-/ready")).build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ":\n" + logs());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100); // polling a child process that offers no start-up signal
        }
        throw new IllegalStateException("prometheus not ready after " + timeout + ":\n" + logs());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
