package io.keapgateway.error;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Problem {@code type} URIs point at pages the gateway serves itself, one per code. */
@QuarkusTest
class ErrorPagesTest {

    @Test
    void aProblemsTypeIsAPageOfTheGatewayNamingTheCode() {
        String type = given().get("/crm/rest/v1/contacts").then().statusCode(401)
                .contentType(startsWith("application/problem+json"))
                .body("code", equalTo("missing_key"))
                .extract().path("type");
        assertThat(type).isEqualTo("/errors/missing_key");

        given().get(type).then().statusCode(200).contentType(startsWith("text/html"))
                .header("Content-Security-Policy", containsString("default-src 'none'"))
                .body(containsString("401 missing_key"), containsString("Authorization: Bearer"));
    }

    @Test
    void everyCodeHasAPage() {
        for (ErrorCode code : ErrorCode.values()) {
            given().get(code.type()).then().statusCode(200)
                    .body(containsString(code.status() + " " + code.code()), containsString(code.title()));
        }
    }

    @Test
    void anUnknownCodeIsAProblemNotAPage() {
        given().get("/errors/no_such_code").then().statusCode(404)
                .contentType(startsWith("application/problem+json")).body("code", equalTo("not_found"));
        // Sent as written (RestAssured would encode the % again, and %25 is refused as double encoding).
        given().urlEncodingEnabled(false).get("/errors/%3Cscript%3E").then().statusCode(404).body(org.hamcrest.Matchers.not(containsString("<script>")));
    }
}
