package io.keapgateway.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.keapgateway.testsupport.GatewayProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * README's first command, {@code ./mvnw quarkus:dev}, on a machine with no Keap credential, no Redis settings
 * and no Docker: it starts on the in-memory store without an ERROR line, logs a generated admin token, and
 * that token works on the admin API. Dev mode runs on a copy of the project's sources, so it never touches
 * this build's {@code target/}. Run once, in the JVM pass: it does not use the packaged application.
 */
class DevModeIT {

    private static final Duration START = Duration.ofMinutes(4); // it compiles the project first, on 2 busy cores
    private static final Pattern ADMIN_TOKEN = Pattern.compile("the admin token for this run is (\\S+)");

    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process devMode;

    @Test
    void startsQuietlyWithoutDockerAndLogsAWorkingAdminToken() throws Exception {
        assumeFalse(Files.isExecutable(Path.of(System.getProperty("native.image.path", "target/none"))),
                "the native pass tests the executable; dev mode was tested in the JVM pass");
        int port = GatewayProcess.freePort();
        int managementPort = GatewayProcess.freePort();
        devMode = start(copyOfTheProject(), port, managementPort);

        awaitLine("Listening on", START);
        HttpClient http = HttpClient.newHttpClient();
        assertThat(get(http, "http://localhost:" + managementPort + "/q/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(get(http, "http://localhost:" + port + "/console", null).statusCode()).isEqualTo(200);
        String token = adminToken();
        HttpResponse<String> connections = get(http, "http://localhost:" + port + "/admin/connections", token);
        assertThat(connections.statusCode()).as(() -> connections.body() + "\n" + String.join("\n", output))
                .isEqualTo(200);
        assertThat(get(http, "http://localhost:" + port + "/admin/connections", "wrong-" + token).statusCode())
                .isEqualTo(401);

        assertThat(output).as("dev mode's output")
                .noneMatch(line -> line.contains(" ERROR ") || line.startsWith("[ERROR]"))
                .noneMatch(line -> line.contains("Dev Services"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (devMode != null) {
            // Maven runs the application in a JVM of its own: stop that one too.
            devMode.descendants().forEach(ProcessHandle::destroy);
            devMode.destroy();
            if (!devMode.waitFor(30, TimeUnit.SECONDS)) {
                devMode.descendants().forEach(ProcessHandle::destroyForcibly);
                devMode.destroyForcibly().waitFor();
            }
        }
    }

    /** The files a user clones, without tests or build output: {@code pom.xml}, the wrapper, {@code src/main}. */
    private static Path copyOfTheProject() throws IOException {
        Path copy = Path.of("target", "dev-mode-it", UUID.randomUUID().toString()).toAbsolutePath();
        for (String part : List.of("pom.xml", "mvnw", ".mvn", "src/main")) {
            Path from = Path.of(part);
            try (Stream<Path> files = Files.walk(from)) {
                files.forEach(file -> {
                    try {
                        Path to = copy.resolve(file.toString());
                        if (Files.isDirectory(file)) {
                            Files.createDirectories(to);
                        } else {
                            Files.createDirectories(to.getParent());
                            Files.copy(file, to);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        copy.resolve("mvnw").toFile().setExecutable(true);
        return copy;
    }

    private Process start(Path project, int port, int managementPort) throws IOException {
        List<String> command = new ArrayList<>(List.of("./mvnw", "-B", "-ntp", "quarkus:dev",
                "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + managementPort,
                "-Ddebug=false", // no debugger port: another run on this machine may hold 5005
                "-Dquarkus.console.enabled=false", "-Dquarkus.test.continuous-testing=disabled"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true);
        // A fresh machine: nothing of the gateway's or Quarkus' configuration in the environment.
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(name -> name.startsWith("KEAP_GATEWAY_") || name.startsWith("QUARKUS_")
                || name.startsWith("DOCKER_"));
        Process process = builder.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null;) {
                    output.add(line);
                }
            } catch (IOException closed) {
                // the process went away
            }
        }, "dev-mode-output");
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    private void awaitLine(String text, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (output.stream().noneMatch(line -> line.contains(text))) {
            if (!devMode.isAlive() || Instant.now().isAfter(deadline)) {
                throw new AssertionError("dev mode did not print '" + text + "':\n" + String.join("\n", output));
            }
            Thread.sleep(200); // polling a child process that offers no start-up signal
        }
    }

    private String adminToken() {
        return output.stream().map(ADMIN_TOKEN::matcher).filter(Matcher::find).map(found -> found.group(1))
                .findFirst().orElseThrow(() -> new AssertionError("no generated admin token in:\n"
                        + String.join("\n", output)));
    }

    private static HttpResponse<String> get(HttpClient http, String url, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
