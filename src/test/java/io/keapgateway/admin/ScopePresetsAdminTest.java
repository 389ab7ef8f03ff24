package io.keapgateway.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Scope presets through the admin API: stored as given, expanded and enforced by the server. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class ScopePresetsAdminTest {

    private final Admin admin = Admin.local();

    @BeforeEach
    void connect() {
        FakeKeapResource.fake().clear();
        admin.useApiKey("default", FakeKeapResource.API_KEY);
    }

    @Test
    void aKeyShowsItsPresetsAsGivenAndTheProxyEnforcesTheirExpansion() {
        List<String> presets = List.of("contacts:read", "tags:write");
        String key = admin.request().body(Map.of("name", "two presets", "scopes", presets)).post("/admin/keys")
                .then().statusCode(201).body("scopes", equalTo(presets)).extract().path("key");
        String id = Admin.idOf(key);
        admin.request().get("/admin/keys/" + id).then().body("scopes", equalTo(presets));

        given().header("Authorization", "Bearer " + key).get("/crm/rest/v2/contacts").then().statusCode(200);
        given().header("Authorization", "Bearer " + key).post("/crm/rest/v2/tags").then().statusCode(200);
        given().header("Authorization", "Bearer " + key).delete("/crm/rest/v1/tags/7").then().statusCode(200);
        given().header("Authorization", "Bearer " + key).post("/crm/rest/v1/contacts").then().statusCode(403)
                .body("code", equalTo("scope_denied"));

        admin.request().body(Map.of("method", "GET", "path", "/crm/rest/v1/orders")).post("/admin/keys/" + id + "/check")
                .then().statusCode(200).body("allowed", equalTo(false), "code", equalTo("scope_denied"));
        admin.request().body(Map.of("method", "HEAD", "path", "/crm/rest/v1/contacts/3")).post("/admin/keys/" + id + "/check")
                .then().statusCode(200).body("allowed", equalTo(true));
    }

    @Test
    void anUnknownPresetIsRefusedWith422() {
        admin.request().body(Map.of("name", "typo", "scopes", List.of("contacts:read", "contacts:reed")))
                .post("/admin/keys").then().statusCode(422)
                .body("code", equalTo("validation_failed"), "detail", containsString("unknown scope preset 'contacts:reed'"));
        String id = Admin.idOf(admin.createKey(Map.of("name", "patched", "scopes", List.of("tags:read"))));
        admin.request().body(Map.of("scopes", List.of("everything"))).patch("/admin/keys/" + id).then().statusCode(422)
                .body("code", equalTo("validation_failed"), "detail", containsString("'everything'"));
        admin.request().get("/admin/keys/" + id).then().body("scopes", equalTo(List.of("tags:read")));
    }

    @Test
    void listsEveryPresetWithWhatItStandsFor() {
        admin.request().get("/admin/scope-presets").then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("full", equalTo(List.of("* /crm/**")))
                .body("'contacts:read'", hasItem("GET /crm/rest/v1/contacts/**"))
                .body("'contacts:write'", hasItem("* /crm/rest/v2/contacts:merge"))
                .body("'hooks:read'", equalTo(List.of("GET /crm/rest/v1/hooks/**", "HEAD /crm/rest/v1/hooks/**")));
        given().get("/admin/scope-presets").then().statusCode(401);
    }
}
