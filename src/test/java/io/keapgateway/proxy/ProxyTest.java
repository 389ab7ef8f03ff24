package io.keapgateway.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.Received;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.keapgateway.testsupport.RawHttp;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a client sends through the proxy, and what reaches Keap. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class ProxyTest {

    private final Admin admin = Admin.local();
    @TestHTTPResource("/")
    URL base;
    private int port;
    private FakeKeap keap;
    private String key;

    @BeforeEach
    void connectAndIssueKey() {
        port = base.getPort();
        keap = FakeKeapResource.clearedBehindDefault();
        key = admin.createKey(Map.of("name", "drupal"));
    }

    @Test
    void forwardsWithTheKeapKeyInsteadOfTheClientsCredentials() {
        given().header("Authorization", "Bearer " + key)
                .header("Cookie", "SESSION=abc")
                .header("Connection", "X-Private")
                .header("X-Private", "internal")
                .header("Proxy-Authorization", "Basic eDp5")
                .header("X-Custom", "kept")
                .header("X-Request-Id", "req-42")
                .get("/crm/rest/v1/contacts?limit=5&order=email")
                .then().statusCode(200)
                .header("X-Request-Id", "req-42")
                .header("x-keap-product-quota-limit", org.hamcrest.Matchers.notNullValue())
                .body("path", equalTo("/crm/rest/v1/contacts"));

        Received received = only(keap.receivedUnder("/crm/"));
        assertThat(received.target()).isEqualTo("/crm/rest/v1/contacts?limit=5&order=email");
        assertThat(received.header("X-Keap-API-Key")).isEqualTo(FakeKeapResource.API_KEY);
        assertThat(received.header("X-Custom")).isEqualTo("kept");
        assertThat(received.header("X-Request-Id")).isEqualTo("req-42");
        assertThat(received.headers()).doesNotContainKeys("Authorization", "Cookie", "X-Private",
                "Proxy-Authorization", "X-Api-Key");
        assertThat(received.headers().toString()).doesNotContain(key.substring(4));
    }

    @Test
    void forwardsCustomMethodPathsAndEncodedQueriesByteForByte() {
        given().header("X-Api-Key", key).contentType("application/json").body("{\"ids\":[1,2]}")
                .urlEncodingEnabled(false)
                .post("/crm/rest/v2/contacts:link?filter=email%3D%3Da%40b.c&x=%20y")
                .then().statusCode(200);

        Received received = only(keap.receivedUnder("/crm/"));
        assertThat(received.target()).isEqualTo("/crm/rest/v2/contacts:link?filter=email%3D%3Da%40b.c&x=%20y");
        assertThat(received.bodyText()).isEqualTo("{\"ids\":[1,2]}");
    }

    @Test
    void acceptsTheKeyFromEveryPlaceOldClientsPutIt() {
        given().header("X-Keap-API-Key", key).get("/crm/rest/v1/tags").then().statusCode(200);
        given().urlEncodingEnabled(false).get("/crm/rest/v1/tags?access_token=" + key + "&limit=1")
                .then().statusCode(200);

        List<Received> received = keap.receivedUnder("/crm/");
        assertThat(received).hasSize(2);
        assertThat(received.get(0).header("X-Keap-API-Key")).isEqualTo(FakeKeapResource.API_KEY);
        assertThat(received.get(1).target()).isEqualTo("/crm/rest/v1/tags?limit=1");
    }

    @Test
    void forwardsXmlRpc() {
        String call = "<?xml version='1.0'?><methodCall><methodName>ContactService.load</methodName>"
                + "<params><param><value><string>ignored</string></value></param></params></methodCall>";
        given().header("Authorization", "Bearer " + key).contentType("text/xml").body(call)
                .post("/crm/xmlrpc/v1")
                .then().statusCode(200).contentType(startsWith("text/xml"));

        assertThat(only(keap.receivedUnder("/crm/xmlrpc")).bodyText()).isEqualTo(call);
    }

    @Test
    void passesKeapsOwnErrorsThroughUntouched() {
        admin.useApiKey("default", "KeapAK-test-wrong-key");

        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts")
                .then().statusCode(401)
                .contentType(startsWith("application/json"))
                .body("fault.detail.errorcode", equalTo("keymanagement.service.invalid_access_token"));
    }

    @Test
    void answersNotFoundForEveryPathOutsideTheAllowlistWithoutCallingKeap() throws Exception {
        for (String path : List.of("/token", "/crm/token", "/crm/rest/v3/contacts", "/crm/rest/v1",
                "/crm/xmlrpc/v2", "/crm/rest/v1/../../token", "/crm/rest/v1/%2e%2e/%2e%2e/token",
                "/crm/rest/v1/contacts%2F..%2F..%2Ftoken", "/crm/rest/v1//contacts", "/crm/rest/v1/./contacts",
                "/crm/rest/v1/%2E%2E/x", "/crm/rest/v1/a%5c..%5ctoken")) {
            RawHttp.Reply reply = RawHttp.send(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-Api-Key: " + key + "\r\nConnection: close\r\n\r\n");
            assertThat(reply.status()).as(path).isIn(400, 404);
            assertThat(reply.hasHeader("Content-Type", "application/problem+json")).as(path).isTrue();
        }
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesMalformedPercentEncoding() throws Exception {
        // Vert.x refuses a path it cannot decode at all with a bare 400, before the gateway sees it.
        for (String path : List.of("/crm/rest/v1/contacts%zz", "/crm/rest/v1/contacts%4", "/crm/rest/v1/contacts?q=%G1")) {
            assertThat(RawHttp.send(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-Api-Key: " + key + "\r\nConnection: close\r\n\r\n").status()).as(path).isEqualTo(400);
        }
        for (String path : List.of("/crm/rest/v1/a%00b", "/crm/rest/v1/a%0d%0ab", "/crm/rest/v1/contacts?q=a%0Ab")) {
            RawHttp.Reply reply = RawHttp.send(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "X-Api-Key: " + key + "\r\nConnection: close\r\n\r\n");
            assertThat(reply.status()).as(path).isEqualTo(400);
            assertThat(reply.body()).as(path).contains("\"code\":\"bad_request\"");
        }
        assertThat(keap.received()).isEmpty();
    }

    private static Received only(List<Received> received) {
        assertThat(received).hasSize(1);
        return received.get(0);
    }
}
