package io.keapgateway.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keap's answers are data, never a page of the gateway's origin (review M-A), and a path is what it looks like
 * to every layer after the gateway (review S-b: double encoding, Unicode look-alikes of separators).
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class KeapAnswersAreDataTest {

    static final String CSP = "sandbox; default-src 'none'";

    private final Admin admin = Admin.local();
    private FakeKeap keap;
    private String key;

    @BeforeEach
    void connectAndIssueKey() {
        keap = FakeKeapResource.clearedBehindDefault();
        key = admin.createKey(Map.of("name", "webforms", "scopes", List.of("read-only")));
    }

    @Test
    void keapsHtmlIsRelayedSandboxedAndNotSniffed() {
        given().urlEncodingEnabled(false)
                .get("/crm/rest/v2/webforms/123:data?access_token=" + key)
                .then().statusCode(200).contentType(startsWith("text/html"))
                .body(containsString("<script>"))
                .header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff");
        assertThat(keap.receivedUnder("/crm/rest/v2/webforms")).hasSize(1);
    }

    @Test
    void theGatewaysOwnRefusalsOnProxyPathsToo() {
        given().urlEncodingEnabled(false).get("/crm/rest/v2/webforms/123:data")
                .then().statusCode(401).header("Content-Security-Policy", CSP).header("X-Content-Type-Options", "nosniff");
        given().urlEncodingEnabled(false).header("X-Api-Key", key).get("/crm/rest/v1/contacts/%2e%2e/users")
                .then().statusCode(404).header("Content-Security-Policy", CSP).header("X-Content-Type-Options", "nosniff");
    }

    @Test
    void refusesDoubleEncodingAndLookalikeDotsInPaths() {
        for (String path : new String[] {"/crm/rest/v1/contacts/%252e%252e/users", "/crm/rest/v1/contacts/%25",
                "/crm/rest/v1/contacts/%EF%BC%8E%EF%BC%8E/users", "/crm/rest/v1/contacts/a%EF%BC%8Fb"}) {
            given().urlEncodingEnabled(false).header("X-Api-Key", key)
                    .get(path)
                    .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("bad_request"));
        }
        assertThat(keap.receivedUnder("/crm/")).isEmpty();
    }
}
