package io.keapgateway.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.testsupport.GatewayProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A webhook receiver as an owner would write one: PHP's built-in server running the verification block of
 * docs/notifications.md as it is written there (so the docs' example is what the test checks), which
 * refuses an unsigned, forged or stale message with 401. Around it, the test's own lines keep what was
 * accepted, count what was refused, and answer 500 to the next few messages when told to (a receiver down).
 */
final class WebhookReceiver implements AutoCloseable {

    private static final Pattern PHP_BLOCK = Pattern.compile("```php\n(.*?)```", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path dir;
    private final int port;

    WebhookReceiver(String secret) throws IOException, InterruptedException {
        this.port = GatewayProcess.freePort();
        this.dir = Files.createTempDirectory("webhook-receiver-");
        for (String part : new String[] {"accepted", "refused", "failed"}) {
            Files.createDirectory(dir.resolve(part));
        }
        Files.writeString(dir.resolve("receiver.php"), "<?php\n"
                + "register_shutdown_function(function () {\n"
                + "    if (http_response_code() === 401) { touch(__DIR__ . '/refused/' . hrtime(true)); }\n"
                + "});\n"
                + documentedVerification()
                + "$failNext = __DIR__ . '/fail-next';\n"
                + "$left = is_file($failNext) ? (int) file_get_contents($failNext) : 0;\n"
                + "if ($left > 0) {\n"
                + "    file_put_contents($failNext, (string) ($left - 1));\n"
                + "    touch(__DIR__ . '/failed/' . hrtime(true));\n"
                + "    http_response_code(500);\n"
                + "    exit;\n"
                + "}\n"
                + "$n = hrtime(true);\n"
                + "file_put_contents(__DIR__ . \"/accepted/$n.auth\", getallheaders()['Authorization'] ?? '');\n"
                + "file_put_contents(__DIR__ . \"/accepted/$n.json\", json_encode($message));\n"
                + "http_response_code(204);\n");
        ProcessBuilder builder = new ProcessBuilder("php", "-S", "127.0.0.1:" + port, dir.resolve("receiver.php").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
        builder.environment().put("KEAP_GATEWAY_NOTIFY_WEBHOOK_SECRET", secret);
        this.process = builder.start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("php -S did not start: " + Files.readString(dir.resolve("server.log")));
                }
                Thread.sleep(50); // a child process with no start-up signal
            }
        }
    }

    /** The PHP block of docs/notifications.md "Verifying the signature". */
    private static String documentedVerification() throws IOException {
        Matcher block = PHP_BLOCK.matcher(Files.readString(Path.of("docs", "notifications.md")));
        if (!block.find()) {
            throw new IllegalStateException("docs/notifications.md has no PHP block");
        }
        return block.group(1);
    }

    /** The URL to configure, with a path and credentials the gateway must never show. */
    String url(String userInfo, String secretPath) {
        return "http://" + userInfo + "@127.0.0.1:" + port + "/hooks/" + secretPath;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    void failNext(int count) throws IOException {
        Files.writeString(dir.resolve("fail-next"), Integer.toString(count));
    }

    /** Every accepted message, oldest first. */
    List<JsonNode> accepted() {
        return files("accepted", ".json").map(file -> {
            try {
                return JSON.readTree(Files.readString(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    /** The Authorization header of every accepted message. */
    List<String> authorizations() {
        return files("accepted", ".auth").map(file -> {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    /** Messages of {@code event} with {@code status} accepted so far. */
    List<JsonNode> accepted(String event, String status) {
        return accepted().stream().filter(body -> body.get("event").asText().equals(event)
                && body.get("status").asText().equals(status)).toList();
    }

    int refusedSignatures() {
        return (int) files("refused", "").count();
    }

    int failedOnPurpose() {
        return (int) files("failed", "").count();
    }

    private Stream<Path> files(String part, String suffix) {
        try (Stream<Path> listed = Files.list(dir.resolve(part))) {
            return listed.filter(file -> file.getFileName().toString().endsWith(suffix))
                    .sorted(Comparator.comparing(file -> Long.parseLong(file.getFileName().toString().split("\\.")[0])))
                    .toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
