package io.keapgateway.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.keapgateway.testsupport.Admin;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The console's files and the admin API, as a browser sees their security headers. */
@QuarkusTest
class ConsoleSecurityTest {

    @Test
    void servesTheConsoleFilesUnderAStrictPolicy() {
        strict(given().get("/console").then().statusCode(200).contentType(startsWith("text/html")));
        strict(given().get("/console/console.js").then().statusCode(200).contentType(startsWith("text/javascript")));
        strict(given().get("/console/console.css").then().statusCode(200).contentType(startsWith("text/css")));
        strict(given().get("/console/icon.svg").then().statusCode(200).contentType(startsWith("image/svg+xml")));
    }

    @Test
    void redirectsTheRootToTheConsole() {
        strict(given().redirects().follow(false).get("/").then().statusCode(302).header("Location", endsWith("/console")));
    }

    @Test
    void thePageHasNoInlineScriptStyleOrHandlers() {
        String page = given().get("/console").then().statusCode(200).extract().asString();
        assertThat(page).doesNotContain("<style").doesNotContain(" style=").doesNotContainPattern("(?i)\\son[a-z]+=")
                .doesNotContain("http://").doesNotContain("https://");
        assertThat(Pattern.compile("<script(?![^>]*\\ssrc=\"/console/)").matcher(page).find())
                .as("every script is a file of the console").isFalse();
    }

    @Test
    void secretFieldsHaveNoNameSoNoFormSubmissionCanPutThemInAUrl() {
        String page = given().get("/console").then().statusCode(200).extract().asString();
        assertThat(Pattern.compile("<input[^>]*type=\"password\"[^>]*>").matcher(page).results().map(m -> m.group()))
                .hasSize(4).noneMatch(input -> input.contains(" name="));
    }

    @Test
    void servesNoOtherFileUnderTheConsole() {
        given().get("/console/index.html").then().statusCode(404);
        given().get("/console/application.properties").then().statusCode(404);
    }

    @Test
    void adminAnswersAreNeverStoredOrSniffed() {
        noStore(Admin.local().request().get("/admin/keys").then().statusCode(200));
        noStore(given().get("/admin/keys").then().statusCode(401).body("code", equalTo("unauthorized")));
        noStore(Admin.local().request().get("/admin/audit").then().statusCode(200));
    }

    @Test
    void refusesAdminCallsFromPagesOfOtherSites() {
        Admin.local().request().header("Origin", "https://evil.example").get("/admin/keys").then().statusCode(403)
                .contentType(startsWith("application/problem+json")).body("code", equalTo("cross_origin"))
                .header("Access-Control-Allow-Origin", nullValue());
        Admin.local().request().header("Origin", "null").delete("/admin/keys/AAAAAAAAAAAA").then().statusCode(403);
        // The public URL (the contract's default here) and the host the call was sent to are the gateway's own.
        Admin.local().request().header("Origin", "http://localhost:8080").get("/admin/keys").then().statusCode(200);
        Admin.local().request().header("Origin", "http://localhost:" + RestAssured.port).get("/admin/keys")
                .then().statusCode(200);
    }

    @Test
    void offersNoCorsToOtherOrigins() {
        given().header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")
                .options("/admin/keys").then().header("Access-Control-Allow-Origin", nullValue())
                .header("Access-Control-Allow-Headers", nullValue());
    }

    @Test
    void theCallbackPageSaysWhereToGoNextWhenNoConsoleStartedTheFlow() {
        // A console that starts the flow gets a link back to itself (BrowserFlowTest); a made-up state has none.
        given().get("/oauth/callback?code=x&state=made-up").then().statusCode(400)
                .body(containsString("status is in the gateway's console"));
    }

    private static void strict(ValidatableResponse response) {
        response.header("Content-Security-Policy", startsWith("default-src 'self'"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("Content-Security-Policy", not(containsString("unsafe")))
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-store");
    }

    private static void noStore(ValidatableResponse response) {
        response.header("Cache-Control", "no-store").header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
    }
}
