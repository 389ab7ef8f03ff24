package io.keapgateway.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.Received;
import io.keapgateway.testsupport.TestRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/drupal.md, run as written: the PHP blocks marked {@code <!-- readme-php: name -->} are taken
 * from docs/drupal.md and run with the machine's PHP and Debian's Guzzle 7 (installed by {@code .ci/run}) against
 * the packaged gateway and the fake Keap, which must never receive a gateway key.
 */
class ClientCompatibilityIT {

    private static final Pattern BLOCK = Pattern.compile("<!-- readme-php: ([a-z-]+) -->\\s*```php\\n(.*?)```",
            Pattern.DOTALL);
    private static final String KEAP_KEY = "KeapAK-compat-0000000000000000";

    private static FakeKeap keap;
    private static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        keap = FakeKeap.start();
        keap.acceptApiKey(KEAP_KEY);
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), TestRun.prefix("compat"));
        env.put("KEAP_GATEWAY_API_KEY", KEAP_KEY);
        // The connection's own pacing (5/s for api-key connections) is not what this test is about.
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_RATE", "100");
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_BURST", "100");
        gateway = GatewayProcess.start(env);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (gateway != null) {
            gateway.close();
        }
        if (keap != null) {
            keap.close();
        }
    }

    @Test
    void readmePhpRunsAgainstTheGatewayAndNoGatewayKeyReachesKeap() throws Exception {
        Admin admin = Admin.at(gateway.url());
        String key = admin.createKey(Map.of("name", "drupal", "scopes",
                List.of("GET /crm/rest/**", "POST /crm/rest/**", "XMLRPC ContactService.load")));
        String slowKey = admin.createKey(Map.of("name", "slow", "rate", Map.of("per_second", 1, "burst", 1)));

        JsonNode seen = runPhp(Map.of("GATEWAY_URL", gateway.url(), "GATEWAY_KEY", key, "SLOW_GATEWAY_KEY", slowKey));

        assertThat(seen.at("/contacts/path").asText()).isEqualTo("/crm/rest/v1/contacts");
        assertThat(seen.at("/contacts/query").asText()).isEqualTo("limit=5");
        assertThat(seen.at("/created/method").asText()).isEqualTo("POST");
        Received created = keap.receivedUnder("/crm/rest/v1/contacts").stream()
                .filter(r -> r.method().equals("POST")).findFirst().orElseThrow();
        assertThat(created.header("Content-Type")).isEqualTo("application/json");
        assertThat(created.bodyText()).isEqualTo(
                "{\"given_name\":\"Ada\",\"email_addresses\":[{\"email\":\"ada@example.com\",\"field\":\"EMAIL1\"}]}");
        assertThat(seen.at("/linked/path").asText()).isEqualTo("/crm/rest/v2/contacts:link");
        assertThat(seen.get("contact")).isEqualTo(new ObjectMapper().readTree(
                "{\"Id\":42,\"FirstName\":\"Fake\",\"Email\":\"contact42@example.com\"}"));
        assertThat(seen.at("/problem/code").asText()).isEqualTo("scope_denied");
        assertThat(seen.at("/problem/request_id").asText()).isNotEmpty();
        assertThat(seen.at("/me/name").asText()).isEqualTo("drupal");
        assertThat(seen.at("/me/expanded_scopes").toString()).contains("XMLRPC ContactService.load");
        assertThat(seen.at("/me/usage/requests_today").asLong()).isGreaterThanOrEqualTo(4);
        assertThat(seen.at("/limited/final_status").asInt()).isEqualTo(200);
        assertThat(seen.at("/limited/statuses").toString()).isEqualTo("[200,429,200]");
        long retryAfter = seen.at("/limited/retry_after/1").asLong();
        assertThat(retryAfter).isPositive();
        // Waited as told (less 0.2 s for clock granularity), and did not wait for nothing.
        assertThat(seen.at("/limited/seconds").asDouble()).isGreaterThan(retryAfter - 0.2);

        assertThat(keap.receivedUnder("/crm/").stream().filter(r -> r.method().equals("DELETE"))).isEmpty();
        assertThat(keap.receivedUnder("/crm/xmlrpc")).hasSize(1);
        assertThat(keap.gatewayKeysReceived()).isEmpty();
    }

    /** Extracts the blocks of docs/drupal.md, runs the driver with {@code env}, and answers what it printed. */
    private static JsonNode runPhp(Map<String, String> env) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("readme-php-");
        Matcher blocks = BLOCK.matcher(Files.readString(Path.of("docs", "drupal.md")));
        int found = 0;
        while (blocks.find()) {
            Files.writeString(dir.resolve(blocks.group(1) + ".php"), blocks.group(2));
            found++;
        }
        assertThat(found).as("readme-php blocks in docs/drupal.md").isEqualTo(2);
        Path driver = dir.resolve("driver.php");
        try (var in = ClientCompatibilityIT.class.getResourceAsStream("/php/compat-driver.php")) {
            Files.write(driver, in.readAllBytes());
        }
        Path output = dir.resolve("output.txt");
        ProcessBuilder php = new ProcessBuilder("php", driver.toString(), dir.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        php.environment().putAll(env);
        Process process;
        try {
            process = php.start();
        } catch (IOException e) {
            throw new AssertionError("php is not installed: .ci/run installs php-cli, php-curl, php-xml and "
                    + "php-guzzlehttp-guzzle", e);
        }
        boolean ended = process.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        String printed = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(ended).as("php ended within 120 s:\n" + printed).isTrue();
        assertThat(process.exitValue()).as("php's exit code; it printed:\n" + printed).isZero();
        return new ObjectMapper().readTree(printed);
    }
}
