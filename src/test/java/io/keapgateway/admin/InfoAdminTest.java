package io.keapgateway.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.containsString;
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
                        // Off by default: both channels listed, neither set.
                        "notification_channels.name", equalTo(java.util.List.of("webhook", "email")),
                        "notification_channels.configured", equalTo(java.util.List.of(false, false)));
    }

    @Test
    void theTestButtonSaysWhenNoChannelIsSet() {
        admin.request().post("/admin/notifications/test").then().statusCode(409)
                .contentType("application/problem+json")
                .body("code", equalTo("notifications_off"), "detail", containsString("KEAP_GATEWAY_NOTIFY_WEBHOOK_URL"));
    }

    @Test
    void isForTheAdminOnly() {
        given().get("/admin/info").then().statusCode(401).contentType("application/problem+json")
                .body("code", equalTo("unauthorized"));
    }
}
