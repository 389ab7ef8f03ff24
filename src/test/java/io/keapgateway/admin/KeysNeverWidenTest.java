package io.keapgateway.admin;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A key's scopes never widen by accident: no empty list, no cleared list, no {@code *} matching nothing. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class KeysNeverWidenTest {

    private final Admin admin = Admin.local();
    private FakeKeap keap;

    @BeforeEach
    void connect() {
        keap = FakeKeapResource.clearedBehindDefault();
    }

    @Test
    void refusesToClearOrEmptyTheScopesOfAKeyAndLeavesItUnchanged() {
        List<String> narrow = List.of("GET /crm/rest/v1/contacts/**");
        String key = admin.createKey(Map.of("name", "narrow", "scopes", narrow));
        String id = Admin.idOf(key);

        Map<String, Object> cleared = new HashMap<>();
        cleared.put("scopes", null);
        for (Object patch : List.of(Map.of("scopes", List.of()), cleared)) {
            admin.request().contentType("application/merge-patch+json").body(patch).patch("/admin/keys/" + id)
                    .then().statusCode(422).contentType(containsString("application/problem+json"))
                    .body("code", equalTo("validation_failed"), "detail", containsString("non-empty"));
            admin.request().get("/admin/keys/" + id).then().statusCode(200).body("scopes", equalTo(narrow));
            given().header("X-Api-Key", key).delete("/crm/rest/v1/contacts/12").then().statusCode(403)
                    .body("code", equalTo("scope_denied"));
        }
        assertThat(keap.received()).isEmpty();
    }

    @Test
    void refusesAnEmptyListAtCreationWhereAnAbsentOneMeansFull() {
        admin.request().body(Map.of("name", "empty", "scopes", List.of())).post("/admin/keys")
                .then().statusCode(422).body("code", equalTo("validation_failed"));
        admin.request().body(Map.of("name", "default-full")).post("/admin/keys")
                .then().statusCode(201).body("scopes", equalTo(List.of("full")));
    }

    @Test
    void aStarSegmentMatchesOneNonEmptySegment() {
        String key = admin.createKey(Map.of("name", "one-contact", "scopes", List.of("GET /crm/rest/v1/contacts/*")));
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts/12").then().statusCode(200);
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts/").then().statusCode(403)
                .body("code", equalTo("scope_denied"));
        given().header("X-Api-Key", key).get("/crm/rest/v1/contacts").then().statusCode(403);
        assertThat(keap.received()).hasSize(1);
    }
}
