package io.keapgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 300 guessed keys from one address: past the threshold (20 failures a minute) they are answered 429 with
 * Retry-After, the block is logged once; an honest key from the same address, and wrong keys from another
 * address, are unaffected.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class KeyGuessingTest {

    /** This test's client addresses, of its own, so that no other test's requests count against them. */
    static final String GUESSER = "127.0.0.4";
    static final String NEIGHBOUR = "127.0.0.6";
    /** The proxy the test profile trusts for X-Forwarded-For. */
    static final String TRUSTED_PROXY = "127.0.0.2";
    static final String BLOCK_LOGGED = "Client " + GUESSER + " failed more than";

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    @TestHTTPResource("/")
    URL base;
    private final List<String> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (logged) {
                logged.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters()));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger(KeyGuessing.class.getName()).addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger(KeyGuessing.class.getName()).removeHandler(capture);
    }

    @Test
    void slowsGuessingFromOneAddressButNeverAnHonestKey() throws Exception {
        Admin.local().useApiKey("default", FakeKeapResource.API_KEY);
        String honest = Admin.local().createKey(Map.of("name", "honest"));
        SecureRandom random = new SecureRandom();
        List<Integer> statuses = new ArrayList<>();
        RawHttp.Reply last = null;
        for (int i = 0; i < 300; i++) {
            last = send(GUESSER, "kgw_" + base62(random, 12) + "_" + base62(random, 43));
            statuses.add(last.status());
        }
        assertThat(statuses.subList(0, 20)).containsOnly(401);
        assertThat(statuses.subList(20, 300)).containsOnly(429);
        assertThat(last.body()).contains("\"code\":\"rate_limited\"");
        assertThat(last.hasHeader("Retry-After", "")).isTrue();

        assertThat(send(GUESSER, honest).status()).as("an honest key from the guessing address").isEqualTo(200);
        assertThat(send(GUESSER, null).status()).as("no key from the guessing address").isEqualTo(429);
        assertThat(send(NEIGHBOUR, "kgw_" + base62(random, 12) + "_" + base62(random, 43)).status())
                .as("a wrong key from another address").isEqualTo(401);
        assertThat(blockLogLines()).as("the block is logged once").isEqualTo(1);
    }

    @Test
    void countsEveryWayOfWritingOneIpv6Slash64AsOneClient() {
        assertThat(KeyGuessing.clientOf("2001:db8::1")).isEqualTo(KeyGuessing.clientOf("2001:db8:0:0:ffff::2"))
                .isEqualTo(KeyGuessing.clientOf("[2001:0db8:0000:0000:1:2:3:4]"))
                .isEqualTo(KeyGuessing.clientOf("2001:DB8::9%eth0"))
                .isEqualTo("2001:db8:0:0:0:0:0:0/64");
        assertThat(KeyGuessing.clientOf("2001:db8:0:1::1")).isNotEqualTo(KeyGuessing.clientOf("2001:db8::1"));
        assertThat(KeyGuessing.clientOf("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(KeyGuessing.clientOf("192.0.2.7")).isEqualTo("192.0.2.7");
    }

    @Test
    void keepsCountingNewAddressesWhenTheTableIsFull() {
        KeyGuessing guessing = new KeyGuessing(3, Duration.ofMinutes(1), Duration.ofMinutes(5), 100,
                Clock.systemUTC(), new SimpleMeterRegistry());
        GatewayException wrong = new GatewayException(ErrorCode.INVALID_KEY, "wrong");
        for (int i = 0; i < 1000; i++) {
            guessing.refused("10.0." + (i / 250) + "." + (i % 250), wrong); // far more addresses than it holds
        }
        List<ErrorCode> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(guessing.refused("10.9.9.9", wrong).code());
        }
        assertThat(answers).containsExactly(ErrorCode.INVALID_KEY, ErrorCode.INVALID_KEY, ErrorCode.INVALID_KEY,
                ErrorCode.RATE_LIMITED, ErrorCode.RATE_LIMITED);
    }

    @Test
    void gatewayKeyIsThrottledTooPerIpv6Slash64() throws Exception {
        SecureRandom random = new SecureRandom();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 22; i++) {
            // Each guess from another address of one /64, written compressed, as a proxy forwards it.
            String request = "GET /gateway/key HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 2001:db8:7::" + (i + 1)
                    + "\r\nAuthorization: Bearer kgw_" + base62(random, 12) + "_" + base62(random, 43)
                    + "\r\nConnection: close\r\n\r\n";
            statuses.add(RawHttp.send(TRUSTED_PROXY, base.getPort(), request.getBytes(StandardCharsets.ISO_8859_1))
                    .status());
        }
        assertThat(statuses.subList(0, 20)).containsOnly(401);
        assertThat(statuses.subList(20, 22)).containsOnly(429);
    }

    /** Lines logged about this test's guessing address blocking. */
    long blockLogLines() throws Exception {
        synchronized (logged) {
            return logged.stream().filter(line -> line.contains("failed more than") && line.contains(GUESSER)).count();
        }
    }

    private RawHttp.Reply send(String from, String key) throws Exception {
        String request = "GET /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\n"
                + (key == null ? "" : "Authorization: Bearer " + key + "\r\n") + "Connection: close\r\n\r\n";
        return RawHttp.send(from, base.getPort(), request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String base62(SecureRandom random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(BASE62.charAt(random.nextInt(BASE62.length())));
        }
        return text.toString();
    }
}
