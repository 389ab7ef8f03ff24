package io.keapgateway.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.HealthPaths;
import io.keapgateway.testsupport.Management;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What each health endpoint means (live: the process answers; ready: started and not shutting down; well:
 * every connection connected and Redis shared), asserted through HTTP on the management port.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class HealthTest {

    private final Admin admin = Admin.local();
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void theProbedEndpointsAnswerUp() {
        for (String path : HealthPaths.PROBES) {
            given().get(managementRoot() + path).then().statusCode(200).body("status", equalTo("UP"));
        }
    }

    @Test
    void aConnectionWithoutCredentialTakesWellnessDownButNotReadiness() {
        admin.useApiKey("default", FakeKeapResource.API_KEY);
        String lost = "lost-" + UUID.randomUUID().toString().substring(0, 8);
        admin.request().body(Map.of("client_id", FakeKeapResource.CLIENT_ID, "client_secret", FakeKeapResource.CLIENT_SECRET))
                .put("/admin/connections/" + lost).then().statusCode(200);

        given().get(managementRoot() + "/q/health/well").then().statusCode(503)
                .body("checks.find { it.name == 'keap-connections' }.data.'" + lost + "'", equalTo("disconnected"))
                .body("checks.find { it.name == 'keap-connections' }.data.default", equalTo("connected"))
                .body("checks.find { it.name == 'redis' }.data.limits", equalTo("shared"))
                .body(not(containsString(FakeKeapResource.API_KEY)))
                .body(not(containsString(FakeKeapResource.CLIENT_SECRET)));
        given().get(managementRoot() + "/q/health/ready").then().statusCode(200).body(not(containsString(lost)));
        given().get(managementRoot() + "/q/health/live").then().statusCode(200);
    }

    /** The management interface's root; the packaged app's run overrides this. */
    String managementRoot() {
        return Management.root(management);
    }
}
