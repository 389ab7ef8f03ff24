package io.keapgateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of {@link HostileRequests}, sent over a raw socket with a valid key: each gets its refusal (or a
 * close), Keap receives nothing, and a normal request on a new connection afterwards succeeds.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class HostileRequestsTest {

    private static String key;

    @TestHTTPResource("/")
    URL base;
    private FakeKeap keap;

    @BeforeEach
    void connectAndIssueKey() {
        keap = FakeKeapResource.fake();
        if (key == null) {
            Admin.local().useApiKey("default", FakeKeapResource.API_KEY);
            key = Admin.local().createKey(Map.of("name", "hostile",
                    "rate", Map.of("per_second", 100000, "burst", 100000)));
        }
        keap.clear();
    }

    static List<HostileRequests.Case> cases() {
        return HostileRequests.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesWithoutForwardingAndKeepsServing(HostileRequests.Case hostile) throws Exception {
        RawHttp.Reply reply = RawHttp.send(null, base.getPort(),
                hostile.request().replace("KEY", key).getBytes(StandardCharsets.ISO_8859_1));

        assertThat(hostile.answers()).as(hostile.name() + " answered " + reply.text().lines().findFirst().orElse("nothing"))
                .contains(reply.status());
        if (reply.status() >= 400 && reply.status() != 414 && reply.status() != 431 && !reply.body().isEmpty()) {
            assertThat(reply.text()).as("a problem+json answer").containsIgnoringCase("application/problem+json");
        }
        assertThat(keap.received()).as("what Keap received").isEmpty();
        RawHttp.Reply normal = RawHttp.send(base.getPort(), "GET /crm/rest/v1/contacts HTTP/1.1\r\nHost: localhost\r\n"
                + "X-Api-Key: " + key + "\r\nConnection: close\r\n\r\n");
        assertThat(normal.status()).as("a normal request afterwards").isEqualTo(200);
    }

    @org.junit.jupiter.api.Test
    void tableHasAtLeastFortyRows() {
        assertThat(HostileRequests.all()).hasSizeGreaterThanOrEqualTo(40);
    }
}
