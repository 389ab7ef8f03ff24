package io.keapgateway.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /admin/info}: the addresses the console shows others come from the public URL, not the page. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class InfoAdminTest {

    private final Admin admin = Admin.local();

    @BeforeEach
    void connect() {
        admin.useApiKey("default", FakeKeapResource.API_KEY);
    }

    @Test
    void answersThePublicUrlTheRedirectUriTheVersionAndTheConnections() {
        // The test profile sets no public URL: the default.
        String publicUrl = ConfigProvider.getConfig().getOptionalValue("keap-gateway.public-url", String.class)
                .orElse("http://localhost:8080").replaceAll("/$", "");
        admin.request().get("/admin/info").then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("public_url", equalTo(publicUrl),
                        "redirect_uri", equalTo(publicUrl + "/oauth/callback"),
                        "version", not(emptyOrNullString()),
                        "connections.name", hasItem("default"),
                        "connections.find { it.name == 'default' }.mode", equalTo("api_key"),
                        "notification_channels.size()", equalTo(0));
    }

    @Test
    void isForTheAdminOnly() {
        given().get("/admin/info").then().statusCode(401).contentType("application/problem+json")
                .body("code", equalTo("unauthorized"));
    }
}
