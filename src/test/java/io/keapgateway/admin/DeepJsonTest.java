package io.keapgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.keapgateway.testsupport.Admin;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Admin bodies are read under caps on nesting and lengths (config/JsonLimits): a deeply nested body is refused
 * 400 {@code bad_request}, quickly, even where the API would otherwise skip it (an unknown member).
 */
@QuarkusTest
class DeepJsonTest {

    /**
     * Quickly, on the loaded 2-core CI box: uploading the 1 MB body over loopback takes most of it (about 1 s
     * there, at a load average of 12); the refusal itself stops at depth 33.
     */
    private static final Duration QUICK = Duration.ofSeconds(3);

    private final Admin admin = Admin.local();
    @TestHTTPResource("/")
    URL base;

    @Test
    void aDeeplyNestedAdminBodyIsRefusedQuickly() throws Exception {
        int depth = 500_000; // 1 MB of brackets, under the admin body cap of 1 MiB
        String body = "{\"name\":\"deep\",\"extra\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "admin/keys"))
                .header("Authorization", "Bearer " + Admin.TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        admin.request().get("/admin/keys").then().statusCode(200); // the admin API's first request is not the point
        long start = System.nanoTime();
        HttpResponse<String> answer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(request, HttpResponse.BodyHandlers.ofString());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(answer.body()).contains("\"code\":\"bad_request\"");
        assertThat(took).isLessThan(QUICK);
    }

    @Test
    void nestingIsCappedAt32EvenInMembersTheApiWouldRefuseAsUnknown() {
        admin.request().body("{\"name\":\"shallow\",\"extra\":" + "[".repeat(20) + "]".repeat(20) + "}").post("/admin/keys")
                .then().statusCode(422).body("code", equalTo("validation_failed")); // read, and refused as unknown
        String nested = "[".repeat(40) + "]".repeat(40);
        admin.request().body("{\"name\":\"deep\",\"extra\":" + nested + "}").post("/admin/keys")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("bad_request"));
        admin.request().body("{\"name\":\"long-number\",\"extra\":" + "9".repeat(200) + "}").post("/admin/keys")
                .then().statusCode(400).body("code", equalTo("bad_request"));
    }
}
