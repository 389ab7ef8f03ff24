package io.keapgateway.testsupport;

import static io.restassured.RestAssured.given;

import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.Map;

/** The admin API as an operator uses it, for tests (against the app under test, or another replica). */
public final class Admin {

    public static final String TOKEN = GatewayProcess.ADMIN_TOKEN;

    private final String baseUrl;

    private Admin(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** The admin API of the application under test (rest-assured's default base URI and port). */
    public static Admin local() {
        return new Admin(null);
    }

    /** The admin API of another replica. */
    public static Admin at(String baseUrl) {
        return new Admin(baseUrl);
    }

    public RequestSpecification request() {
        RequestSpecification spec = given().header("Authorization", "Bearer " + TOKEN).contentType("application/json");
        return baseUrl == null ? spec : spec.baseUri(baseUrl);
    }

    /** Creates a key with {@code fields} and answers the whole key ({@code kgw_…}). */
    public String createKey(Map<String, ?> fields) {
        return request().body(fields).post("/admin/keys").then().statusCode(201).extract().path("key");
    }

    /** Makes {@code connection} an api-key connection. */
    public void useApiKey(String connection, String apiKey) {
        request().body(Map.of("api_key", apiKey)).put("/admin/connections/" + connection).then().statusCode(200);
    }

    public ValidatableResponse revoke(String id) {
        return request().delete("/admin/keys/" + id).then();
    }

    /** The id part of a {@code kgw_<id>_<secret>} key. */
    public static String idOf(String key) {
        return key.split("_")[1];
    }
}
