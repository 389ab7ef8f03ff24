package io.keapgateway.proxy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.Received;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An access token Keap stops accepting early is refreshed once, and the rejected requests are replayed. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class OAuthReplayTest {

    private final Admin admin = Admin.local();
    private FakeKeap keap;
    private String key;

    @BeforeEach
    void connectWithOAuth() {
        keap = FakeKeapResource.fake();
        keap.clear();
        admin.request().body(Map.of("client_id", FakeKeapResource.CLIENT_ID, "client_secret", FakeKeapResource.CLIENT_SECRET))
                .put("/admin/connections/replayed").then().statusCode(200);
        admin.request().body(Map.of("refresh_token", keap.seedGrant(FakeKeapResource.CLIENT_ID)))
                .post("/admin/connections/replayed/tokens").then().statusCode(200);
        key = admin.createKey(Map.of("name", "oauth-client", "connection", "replayed",
                "rate", Map.of("per_second", 100, "burst", 100)));
    }

    @Test
    void refreshesOnceAndReplaysEveryRequestKeapRejected() throws Exception {
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);
        int refreshesBefore = keap.refreshCalls();
        keap.expireAccessTokens();

        ExecutorService clients = Executors.newFixedThreadPool(10);
        try {
            List<CompletableFuture<Integer>> answers = IntStream.range(0, 20)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> i % 2 == 0
                            ? given().header("X-Api-Key", key).get("/crm/rest/v1/contacts/" + i).statusCode()
                            : given().header("X-Api-Key", key).contentType("application/json").body("{\"n\":" + i + "}")
                                    .post("/crm/rest/v2/contacts").statusCode(), clients))
                    .toList();
            assertThat(answers.stream().map(CompletableFuture::join)).containsOnly(200);
        } finally {
            clients.shutdown();
        }

        assertThat(keap.refreshCalls() - refreshesBefore).isEqualTo(1);
        List<Received> posts = keap.receivedUnder("/crm/rest/v2/contacts").stream()
                .filter(r -> r.method().equals("POST")).toList();
        assertThat(posts.stream().filter(r -> r.bodyText().startsWith("{\"n\":")).map(Received::bodyText).distinct())
                .hasSize(10); // every body reached Keap intact, replays included
    }

    @Test
    void replaysAnXmlRpcCallWithItsKeyStillNeutralised() {
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);
        keap.expireAccessTokens();

        given().contentType("text/xml").body(XmlRpcProxyTest.load(key))
                .post("/crm/xmlrpc/v1")
                .then().statusCode(200).body(org.hamcrest.Matchers.containsString("contact42@example.com"));

        List<Received> calls = keap.receivedUnder("/crm/xmlrpc");
        assertThat(calls).hasSize(2); // rejected once, replayed once
        assertThat(calls).extracting(Received::bodyText).containsOnly(XmlRpcProxyTest.load("backwards-compatability"));
        assertThat(keap.gatewayKeysReceived()).isEmpty();
    }

    @Test
    void relaysKeapsAnswerWhenTheRequestCannotBeReplayed() {
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);
        keap.expireAccessTokens();

        given().header("X-Api-Key", key).contentType("application/octet-stream").body(new byte[300 * 1024])
                .post("/crm/rest/v1/files")
                .then().statusCode(401)
                .body("fault.detail.errorcode", equalTo("keymanagement.service.access_token_expired"));
        // The next replayable request still recovers.
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(200);
    }
}
