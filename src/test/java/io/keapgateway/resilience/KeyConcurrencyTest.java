package io.keapgateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A key's own cap on requests in flight ({@code max_concurrent}): the excess is 429, other keys go on. */
@QuarkusTest
@WithTestResource(FakeKeapResource.class)
class KeyConcurrencyTest {

    private static final String CONTACTS = "/crm/rest/v1/contacts";

    @TestHTTPResource("/")
    URL base;
    private final Admin admin = Admin.local();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private FakeKeap keap;

    @BeforeEach
    void connect() {
        keap = FakeKeapResource.clearedBehindDefault();
    }

    @AfterEach
    void keapRecovers() {
        keap.clear();
    }

    @Test
    void answers429BeyondTheKeysMaxConcurrentWhileAnotherKeyGoesOn() throws Exception {
        String capped = admin.createKey(Map.of("name", "batch", "max_concurrent", 2));
        String other = admin.createKey(Map.of("name", "drupal"));
        keap.hang();
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        held.add(get(capped, 1));
        held.add(get(capped, 2));
        await().atMost(Duration.ofSeconds(30)).until(() -> keap.receivedUnder(CONTACTS).size() == 2);

        HttpResponse<String> third = get(capped, 3).get(30, TimeUnit.SECONDS);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(third.body()).contains("\"code\":\"rate_limited\"");
        assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(keap.receivedUnder(CONTACTS)).as("the refused one never reached Keap").hasSize(2);
        CompletableFuture<HttpResponse<String>> otherKey = get(other, 4);
        await().atMost(Duration.ofSeconds(30)).until(() -> keap.receivedUnder(CONTACTS).size() == 3);

        keap.release();
        assertThat(otherKey.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (CompletableFuture<HttpResponse<String>> answer : held) {
            assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(get(capped, 5).get(30, TimeUnit.SECONDS).statusCode()).as("places given back").isEqualTo(200);
    }

    @Test
    void showsAndValidatesMaxConcurrentInTheAdminApi() {
        String key = admin.createKey(Map.of("name", "batch", "max_concurrent", 3));
        String id = Admin.idOf(key);
        admin.request().get("/admin/keys/" + id).then().statusCode(200).body("max_concurrent", equalTo(3));
        admin.request().body(Map.of("max_concurrent", 5)).patch("/admin/keys/" + id)
                .then().statusCode(200).body("max_concurrent", equalTo(5));
        admin.request().body(Map.of("name", "x", "max_concurrent", 0)).post("/admin/keys")
                .then().statusCode(422).body("code", equalTo("validation_failed"))
                .body("detail", containsString("max_concurrent"));
    }

    private CompletableFuture<HttpResponse<String>> get(String key, int i) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + base.getPort() + CONTACTS + "?i=" + i))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(60))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }
}
