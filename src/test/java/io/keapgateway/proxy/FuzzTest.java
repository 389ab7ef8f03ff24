package io.keapgateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RawHttp;
import io.keapgateway.testsupport.Received;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Random bytes (fixed seed) in the method, path, query and header values of requests that carry a valid key:
 * no 5xx, nothing forwarded that the allowlist refuses, and no client credential reaching Keap.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class FuzzTest {

    static final long SEED = 0x5EED_2026L;
    static final int CASES = 2500;
    /** The fuzzer's own client address, so that its invalid keys count against no other test. */
    static final String FROM = "127.0.0.3";

    /** Bytes that mean something to a parser, drawn more often than the rest. */
    private static final byte[] SPECIAL = "%;./\\\r\n\0 \t#?&=+:,*\"'<>@[]{}|^`~".getBytes(StandardCharsets.ISO_8859_1);
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
            "TRACE", "CONNECT", "FOO");
    private static final Pattern ALLOWED = Pattern.compile("/crm/(rest/v[12]/[^;\\\\]*|xmlrpc|xmlrpc/v1)");
    /** X-Keap-API-Key is not here: the gateway sets it to the connection's credential (checked below). */
    private static final Set<String> NEVER_FORWARDED_HEADERS = Set.of("x-api-key", "cookie",
            "forwarded", "x-forwarded-for", "x-real-ip", "x-http-method-override", "x-http-method", "x-method-override");

    @TestHTTPResource("/")
    URL base;

    @Test
    void randomRequestsNeverFailTheGatewayOrReachKeapUnchecked() throws Exception {
        FakeKeap keap = FakeKeapResource.fake();
        Admin.local().useApiKey("default", FakeKeapResource.API_KEY);
        String key = Admin.local().createKey(Map.of("name", "fuzz", "rate", Map.of("per_second", 100000, "burst", 100000)));
        keap.clear();
        Random random = new Random(SEED);
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        for (int i = 0; i < CASES && Instant.now().isBefore(deadline); i++) {
            byte[] request = request(random, key);
            RawHttp.Reply reply = RawHttp.send(FROM, base.getPort(), request);
            assertThat(reply.status()).as("case %d: %s", i, new String(request, StandardCharsets.ISO_8859_1))
                    .isLessThan(500);
        }
        List<Received> forwarded = keap.received();
        assertThat(forwarded).as("some cases are well-formed enough to be forwarded").isNotEmpty();
        String secret = key.substring(key.lastIndexOf('_') + 1);
        for (Received received : forwarded) {
            assertThat(received.path()).as("forwarded path").matches(ALLOWED);
            for (String segment : received.path().split("/", -1)) {
                assertThat(segment).isNotIn(".", "..");
            }
            assertThat(received.path().toLowerCase()).doesNotContain("%2e", "%2f", "%5c", "%3b");
            assertThat(RequestGuard.METHODS).contains(received.method());
            assertThat(received.headers("X-Keap-API-Key")).containsExactly(FakeKeapResource.API_KEY);
            assertThat(received.header("Authorization")).isNull();
            received.headers().forEach((name, values) -> {
                assertThat(NEVER_FORWARDED_HEADERS).as("header " + name).doesNotContain(name.toLowerCase());
                assertThat(name.toLowerCase()).doesNotStartWith("x-forwarded-");
                values.forEach(value -> assertThat(value).doesNotContain(secret));
            });
            assertThat(String.valueOf(received.query())).doesNotContain(secret).doesNotContainIgnoringCase("access");
            assertThat(received.bodyText()).doesNotContain(secret);
        }
    }

    /** One request: the key in a header or the query, random bytes in method, path, query and headers. */
    private static byte[] request(Random random, String key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, random.nextInt(10) == 0 ? junk(random, 1 + random.nextInt(8)) : METHODS.get(random.nextInt(METHODS.size())));
        write(out, " /crm/rest/v" + (1 + random.nextInt(3)) + "/contacts");
        if (random.nextBoolean()) {
            write(out, "/" + junk(random, random.nextInt(12)));
        }
        write(out, "?" + junk(random, random.nextInt(12)));
        boolean keyInQuery = random.nextInt(4) == 0;
        if (keyInQuery) {
            write(out, "&" + List.of("access_token", "access%5Ftoken", "%61ccess_token").get(random.nextInt(3)) + "=" + key);
        }
        write(out, " HTTP/1.1\r\nConnection: close\r\nHost: localhost\r\n");
        if (!keyInQuery) {
            write(out, List.of("X-Api-Key: ", "Authorization: Bearer ", "X-Keap-API-Key: ").get(random.nextInt(3)) + key + "\r\n");
        }
        for (String header : List.of("X-Fuzz", "Accept", "X-Forwarded-For", "X-HTTP-Method-Override", "Forwarded")) {
            if (random.nextBoolean()) {
                write(out, header + ": " + junk(random, random.nextInt(16)) + "\r\n");
            }
        }
        write(out, "\r\n");
        return out.toByteArray();
    }

    private static String junk(Random random, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = random.nextBoolean() ? SPECIAL[random.nextInt(SPECIAL.length)] : (byte) random.nextInt(256);
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }
}
