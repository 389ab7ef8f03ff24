package io.keapgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /admin/connections/{name}/test}: one Keap call with the connection's credential, answering what
 * Keap said; and {@code GET /admin/audit?key=|connection=}, which the console filters its trail with.
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class ConnectionTestResourceTest {

    private final Admin admin = Admin.local();
    private FakeKeap keap;

    @BeforeEach
    void connect() {
        keap = FakeKeapResource.clearedBehindDefault();
    }

    @AfterEach
    void restore() {
        keap.recover();
    }

    @Test
    void callsKeapsUserinfoWithTheConnectionsCredential() {
        admin.request().post("/admin/connections/default/test").then().statusCode(200)
                .body("connection", equalTo("default")).body("keap_status", equalTo(200)).body("ok", equalTo(true))
                .body("path", equalTo("/crm/rest/v1/oauth/connect/userinfo"))
                .body("latency_ms", greaterThanOrEqualTo(0)).body("tenant", equalTo(keap.tenant()))
                .body("keap_said", nullValue());
        assertThat(keap.receivedUnder("/crm/rest/v1/oauth/connect/userinfo")).hasSize(1)
                .allSatisfy(received -> assertThat(received.header("X-Keap-API-Key"))
                        .isEqualTo(FakeKeapResource.API_KEY));
    }

    @Test
    void answersWhatKeapSaidWhenKeapRefuses() {
        admin.useApiKey("default", "KeapAK-not-accepted-000000000000");
        try {
            admin.request().post("/admin/connections/default/test").then().statusCode(200)
                    .body("keap_status", equalTo(401)).body("ok", equalTo(false))
                    .body("keap_said", org.hamcrest.Matchers.containsString("Invalid access token"));
        } finally {
            admin.useApiKey("default", FakeKeapResource.API_KEY);
        }
    }

    @Test
    void aConnectionThatCannotCallIsAProblem() {
        admin.request().post("/admin/connections/nowhere/test").then().statusCode(404)
                .contentType("application/problem+json").body("code", equalTo("not_found"));
        admin.request().contentType("application/json")
                .body(Map.of("client_id", "app-never-connected", "client_secret", "s3cret"))
                .put("/admin/connections/probe-oauth").then().statusCode(200);
        admin.request().post("/admin/connections/probe-oauth/test").then()
                .contentType("application/problem+json").body("code", equalTo("not_connected"));
        assertThat(keap.receivedUnder("/crm/rest/v1/oauth/connect/userinfo")).isEmpty();
    }

    @Test
    void filtersTheAuditTrailByKeyAndByConnection() {
        String first = Admin.idOf(admin.createKey(Map.of("name", "audited-1")));
        String second = Admin.idOf(admin.createKey(Map.of("name", "audited-2")));
        admin.request().contentType("application/json").body(Map.of("name", "audited-1b"))
                .patch("/admin/keys/" + first).then().statusCode(200);
        admin.request().post("/admin/connections/default/test").then().statusCode(200);

        List<String> ofFirst = admin.request().get("/admin/audit?key=" + first).then().statusCode(200)
                .extract().jsonPath().getList("action");
        assertThat(ofFirst).containsExactly("key.update", "key.create");
        assertThat(admin.request().get("/admin/audit?key=" + second).then().extract().jsonPath().getList("target", String.class))
                .containsOnly(second);
        var ofDefault = admin.request().get("/admin/audit?connection=default&limit=1").then().statusCode(200)
                .extract().jsonPath();
        assertThat(ofDefault.getList("action")).containsExactly("connection.test");
        assertThat(ofDefault.getString("[0].detail")).contains("keap_status=200");

        admin.request().get("/admin/audit?key=&limit=3").then().statusCode(200).body("size()", equalTo(3));
        for (String query : List.of("key=a&connection=b", "limit=0", "limit=1001")) {
            admin.request().get("/admin/audit?" + query).then().statusCode(422)
                    .contentType("application/problem+json").body("code", equalTo("validation_failed"));
        }
    }
}
