package io.keapgateway.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.RawHttp;
import io.keapgateway.testsupport.Received;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What is removed before forwarding (every {@code access_token} by decoded name, forwarding claims, method
 * overrides), whose forwarded headers are believed (configured proxies only), and admin bodies of
 * unannounced length (capped at 1 MiB).
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class RequestHygieneTest {

    /** The one proxy the test profile trusts (quarkus.http.proxy.trusted-proxies). */
    static final String TRUSTED_PROXY = "127.0.0.2";

    @TestHTTPResource("/")
    URL base;
    private FakeKeap keap;
    private String key;

    @BeforeEach
    void connectAndIssueKey() {
        keap = FakeKeapResource.clearedBehindDefault();
        key = Admin.local().createKey(Map.of("name", "hygiene"));
    }

    @Test
    void removesEveryAccessTokenByItsDecodedName() throws Exception {
        RawHttp.Reply reply = get("/crm/rest/v1/contacts?limit=5&access%5Ftoken=" + key + "&%61ccess_token=junk&b=2",
                "");
        assertThat(reply.status()).isEqualTo(200);
        Received forwarded = onlyForwarded();
        assertThat(forwarded.query()).isEqualTo("limit=5&b=2");
        assertThat(forwarded.target()).doesNotContain(key).doesNotContain("junk");
    }

    @Test
    void stripsForwardingClaimsAndMethodOverrides() throws Exception {
        RawHttp.Reply reply = get("/crm/rest/v1/contacts", "X-Api-Key: " + key + "\r\nForwarded: for=203.0.113.7\r\n"
                + "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n"
                + "X-Real-IP: 203.0.113.7\r\nX-HTTP-Method-Override: DELETE\r\nX-HTTP-Method: DELETE\r\n"
                + "X-Method-Override: DELETE\r\n");
        assertThat(reply.status()).isEqualTo(200);
        Received forwarded = onlyForwarded();
        for (String header : List.of("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
                "X-Real-IP", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")) {
            assertThat(forwarded.header(header)).as(header).isNull();
        }
        assertThat(forwarded.method()).isEqualTo("GET");
    }

    @Test
    void believesForwardedAddressesOnlyFromTheConfiguredProxies() throws Exception {
        String narrow = Admin.local().createKey(Map.of("name", "pinned", "allowed_ips", List.of("203.0.113.7/32")));
        String claim = "X-Api-Key: " + narrow + "\r\nX-Forwarded-For: 203.0.113.7\r\n";

        RawHttp.Reply forged = RawHttp.send(null, base.getPort(), request("/crm/rest/v1/contacts", claim));
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.body()).contains("\"code\":\"ip_denied\"");
        assertThat(keap.received()).isEmpty();

        RawHttp.Reply viaProxy = RawHttp.send(TRUSTED_PROXY, base.getPort(), request("/crm/rest/v1/contacts", claim));
        assertThat(viaProxy.status()).isEqualTo(200);
        assertThat(onlyForwarded().header("X-Forwarded-For")).isNull();
    }

    @Test
    void capsAdminBodiesOfUnannouncedLength() throws Exception {
        String big = "{\"name\":\"" + "a".repeat(1024 * 1024) + "\"}";
        RawHttp.Reply tooBig = RawHttp.send(null, base.getPort(), chunkedAdminPost(big));
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.body()).contains("\"code\":\"payload_too_large\"");

        RawHttp.Reply small = RawHttp.send(null, base.getPort(), chunkedAdminPost("{\"name\":\"chunked\"}"));
        assertThat(small.status()).isEqualTo(201);
        assertThat(small.body()).contains("\"name\":\"chunked\"");
    }

    @Test
    void refusesTraceWithProblemJson() {
        given().header("X-Api-Key", key).request("TRACE", "/crm/rest/v1/contacts").then().statusCode(405)
                .header("Allow", org.hamcrest.Matchers.containsString("GET"))
                .body("code", equalTo("method_not_allowed"));
        assertThat(keap.received()).isEmpty();
    }

    private static byte[] chunkedAdminPost(String json) {
        String size = Integer.toHexString(json.getBytes(StandardCharsets.UTF_8).length);
        return ("POST /admin/keys HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + Admin.TOKEN + "\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + size + "\r\n" + json + "\r\n0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    }

    private Received onlyForwarded() {
        List<Received> received = keap.received();
        assertThat(received).hasSize(1);
        return received.get(0);
    }

    private RawHttp.Reply get(String target, String headers) throws Exception {
        return RawHttp.send(null, base.getPort(), request(target, headers));
    }

    private static byte[] request(String target, String headers) {
        return ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }
}
