package io.keapgateway.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The browser flow: the authorize URL, Keap's redirect, and the callback's small HTML page, for success and
 * for what goes wrong (unknown state, a redirect URI Keap refuses, a declined authorization).
 */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class BrowserFlowTest extends OAuthConnectionTestBase {

    /** The test profile keeps the contract's default public URL. */
    static final String REDIRECT_URI = "http://localhost:8080/oauth/callback";

    private static final HttpClient BROWSER = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void browserFlowConnectsTheAccountAndNamesTheTenant() throws Exception {
        JsonPath started = adminCall(admin().post("/admin/connections/" + name + "/authorize"), 200);
        String authorizeUrl = started.getString("authorize_url");
        String state = started.getString("state");
        assertEquals(REDIRECT_URI, started.getString("redirect_uri"));
        assertTrue(authorizeUrl.startsWith(keap.baseUrl() + "/app/oauth/authorize?"), authorizeUrl);
        assertEquals(Map.of("client_id", FakeKeapResource.CLIENT_ID, "redirect_uri", REDIRECT_URI,
                "response_type", "code", "scope", "full", "state", state), query(URI.create(authorizeUrl)));
        Instant expiresAt = Instant.parse(started.getString("expires_at"));
        assertTrue(Duration.between(Instant.now(), expiresAt).toSeconds() > 9 * 60, "state valid 10 minutes");

        Browser browser = start(started);
        assertEquals(authorizeUrl, browser.authorizeUrl(), "the start page sends the browser to Keap");
        assertTrue(browser.setCookie().contains("HttpOnly") && browser.setCookie().contains("SameSite=Lax")
                && browser.setCookie().contains("Path=/oauth/callback"), browser.setCookie());
        String callback = followToCallback(browser.authorizeUrl());
        given().cookie(OAuthStates.COOKIE, browser.cookie()).get(callback).then().statusCode(200)
                .contentType(containsString("text/html"))
                .header("Cache-Control", "no-store")
                .body(containsString(name), containsString(keap.tenant()));

        adminCall(admin().get("/admin/connections/" + name), 200);
        admin().get("/admin/connections/" + name).then().statusCode(200)
                .body("status", equalTo("connected"), "tenant", equalTo(keap.tenant()),
                        "access_token_expires_at", notNullValue(), "last_refresh_at", notNullValue(),
                        "last_refresh_error", nullValue());

        // The state is single-use: the same callback again changes nothing and says to start again.
        given().cookie(OAuthStates.COOKIE, browser.cookie()).get(callback).then().statusCode(400)
                .body(containsString("no longer valid"), containsString("/authorize"));
        // So is the start page.
        given().redirects().follow(false).get(relative(started.getString("start_url"))).then().statusCode(400)
                .body(containsString("no longer valid"));

        String key = issueKey();
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then().statusCode(200);
        var forwarded = keap.receivedUnder("/crm/rest/v1/contacts");
        assertTrue(forwarded.get(forwarded.size() - 1).header("Authorization").startsWith("Bearer "),
                "the connection's access token is sent upstream");
        assertNoSecretLeaked();
    }

    /**
     * Post/redirect/get: the code is exchanged once, then the browser is sent to a result page of its own that
     * can be reloaded (or bookmarked, or shared) without replaying the code, with a way back to the console
     * that started the flow.
     */
    @Test
    void theCallbackExchangesTheCodeOnceThenShowsAResultPageThatCanBeReloaded() throws Exception {
        JsonPath started = adminCall(admin().header("Origin", "http://localhost:8080")
                .post("/admin/connections/" + name + "/authorize"), 200);
        Browser browser = start(started);
        String callback = followToCallback(browser.authorizeUrl());
        var redirected = given().redirects().follow(false).cookie(OAuthStates.COOKIE, browser.cookie()).get(callback);
        assertEquals(303, redirected.statusCode(), redirected.asString());
        String location = redirected.header("Location");
        assertTrue(location.matches("result/[A-Za-z0-9_-]{22}"), location);
        assertTrue(redirected.header("Set-Cookie").contains("Max-Age=0"), "the used state's cookie is cleared");
        int exchanges = keap.tokenCalls();

        for (int reload = 0; reload < 3; reload++) {
            given().redirects().follow(false).get("/oauth/" + location).then().statusCode(200)
                    .contentType(containsString("text/html"))
                    .header("Cache-Control", "no-store")
                    .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                    .body(containsString("Connected"), containsString(keap.tenant()),
                            containsString("<a href=\"http://localhost:8080/console\">Back to the console</a>"));
        }
        assertEquals(exchanges, keap.tokenCalls(), "reloading the result exchanges nothing");
        admin().get("/admin/connections/" + name).then().body("status", equalTo("connected"));

        given().get("/oauth/result/AAAAAAAAAAAAAAAAAAAAAA").then().statusCode(404)
                .body(containsString("no longer shown"), not(containsString(keap.tenant())));
        given().get("/oauth/result/..%2f..").then().statusCode(anyOf(equalTo(400), equalTo(404)));
    }

    @Test
    void aFlowStartedWithoutTheConsoleSaysWhereTheStatusIsShown() throws Exception {
        JsonPath started = adminCall(admin().post("/admin/connections/" + name + "/authorize"), 200);
        Browser browser = start(started);
        given().cookie(OAuthStates.COOKIE, browser.cookie()).get(followToCallback(browser.authorizeUrl())).then()
                .statusCode(200).body(containsString(keap.tenant()), containsString("status is in the gateway's console"),
                        not(containsString("Back to the console")));
    }

    @Test
    void refusesAStateThatArrivesWithoutTheCookieOfTheBrowserThatStartedIt() throws Exception {
        JsonPath started = adminCall(admin().post("/admin/connections/" + name + "/authorize"), 200);
        String callback = followToCallback(started.getString("authorize_url")); // a leaked authorize URL
        given().get(callback).then().statusCode(400)
                .body(containsString("did not start this authorization"), containsString("start_url"));
        JsonPath other = adminCall(admin().post("/admin/connections/" + name + "/authorize"), 200);
        given().cookie(OAuthStates.COOKIE, start(other).cookie()).get(callback).then().statusCode(400)
                .body(containsString("did not start this authorization"));
        admin().get("/admin/connections/" + name).then().body("status", equalTo("disconnected"));

        // Refused, not used up: the operator's own browser still completes the flow.
        Browser operator = start(started);
        given().cookie(OAuthStates.COOKIE, operator.cookie()).get(callback).then().statusCode(200)
                .body(containsString(keap.tenant()));
        admin().get("/admin/connections/" + name).then().body("status", equalTo("connected"));
    }

    @Test
    void callbackNamesTheRedirectUriToRegisterWhenKeapRefusesIt() throws Exception {
        JsonPath started = adminCall(admin().post("/admin/connections/" + name + "/authorize"), 200);
        String cookie = start(started).cookie();
        String code = keap.issueAuthorizationCode(FakeKeapResource.CLIENT_ID, "https://elsewhere.example/cb");

        given().cookie(OAuthStates.COOKIE, cookie)
                .get("/oauth/callback?code=" + code + "&state=" + started.getString("state")).then().statusCode(400)
                .body(containsString(REDIRECT_URI), containsString("KEAP_GATEWAY_PUBLIC_URL"),
                        containsString("POST /admin/connections/" + name + "/authorize"));
        admin().get("/admin/connections/" + name).then().body("status", equalTo("disconnected"));
    }

    @Test
    void callbackWithAnUnknownStateAsksToStartAgainAndEscapesWhatItShows() throws Exception {
        given().get("/oauth/callback?code=abc").then().statusCode(400)
                .body(containsString("no longer valid"), containsString("/authorize"));

        JsonPath started = adminCall(admin().post("/admin/connections/" + name + "/authorize"), 200);
        String cookie = start(started).cookie();
        String hostile = "<script>alert(1)</script>";
        given().cookie(OAuthStates.COOKIE, cookie).queryParam("state", started.getString("state")).queryParam("error", "access_denied").queryParam("error_description", hostile)
                .get("/oauth/callback").then().statusCode(400)
                .header("Content-Security-Policy", startsWith("default-src 'none'"))
                // Never framed by another site (review L-h).
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("X-Frame-Options", equalTo("DENY"))
                .body(not(containsString("<script>")), containsString("&lt;script&gt;alert(1)&lt;/script&gt;"),
                        containsString("access_denied"));
    }

    /** The browser side of the start page: where it was sent, and the cookie it was given. */
    private record Browser(String authorizeUrl, String setCookie) {
        String cookie() {
            String pair = setCookie.split(";", 2)[0];
            return pair.substring(pair.indexOf('=') + 1);
        }
    }

    /** What a browser does with the start URL: it gets the binding cookie and is sent on to Keap. */
    private static Browser start(JsonPath started) {
        var answer = given().redirects().follow(false).get(relative(started.getString("start_url")));
        assertEquals(302, answer.statusCode(), answer.asString());
        return new Browser(answer.header("Location"), answer.header("Set-Cookie"));
    }

    /** The test app listens on its own port, not on the public URL's. */
    private static String relative(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    /** What a browser does with the authorize URL: Keap redirects it to the gateway's callback. */
    private static String followToCallback(String authorizeUrl) throws Exception {
        HttpResponse<Void> redirect = BROWSER.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(302, redirect.statusCode());
        URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        assertTrue(location.toString().startsWith(REDIRECT_URI + "?"), location.toString());
        return location.getRawPath() + "?" + location.getRawQuery(); // the test app listens on its own port
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> query = new HashMap<>();
        for (String pair : List.of(uri.getRawQuery().split("&"))) {
            int eq = pair.indexOf('=');
            query.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return query;
    }
}
