package io.keapgateway.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Checks that {@link FakeKeap} behaves like Keap as described in shared/KEAP-API-FACTS.md. */
class FakeKeapTest {

    private static final String KEY = FakeKeapResource.API_KEY;
    private static final String CLIENT = FakeKeapResource.CLIENT_ID;
    private static final String SECRET = FakeKeapResource.CLIENT_SECRET;
    private static final String REDIRECT = "https://gateway.example.com/oauth/callback";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private FakeKeap fake;

    @BeforeEach
    void startFake() {
        fake = FakeKeap.start();
        fake.acceptApiKey(KEY);
        fake.registerApp(CLIENT, SECRET);
    }

    @AfterEach
    void stopFake() {
        fake.close();
    }

    @Test
    void testKeyCannotBeMistakenForARealOne() {
        assertFalse(Pattern.compile("KeapAK-[A-Za-z0-9]{8,}").matcher(KEY).find());
    }

    @Test
    void apiCallsWithoutUsableCredentialGetApigee401Faults() throws Exception {
        assertFault(send(get("/crm/rest/v1/contacts")), 401, "oauth.v2.InvalidAccessToken", "Invalid access token");
        assertFault(send(get("/crm/rest/v2/contacts").header("X-Keap-API-Key", "KeapAK-unknown")),
                401, "keymanagement.service.invalid_access_token", "Invalid access token");
        assertFault(send(get("/crm/xmlrpc/v1").header("Authorization", "Bearer nope")),
                401, "keymanagement.service.invalid_access_token", "Invalid access token");

        String accessToken = refresh(fake.seedGrant(CLIENT)).get("access_token").asText();
        assertEquals(200, send(withBearer("/crm/rest/v1/contacts", accessToken)).statusCode());
        fake.expireAccessTokens();
        assertFault(send(withBearer("/crm/rest/v1/contacts", accessToken)),
                401, "keymanagement.service.access_token_expired", "Invalid access token");
    }

    /** The soak's Keap faults: slow answers, and connections dropped without an answer, until recover(). */
    @Test
    void apiCallsCanBeSlowedAndDropped() throws Exception {
        fake.setApiLatency(Duration.ofMillis(300));
        long start = System.nanoTime();
        assertEquals(200, send(withKey("/crm/rest/v1/contacts")).statusCode());
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos(), "answered after the latency");
        fake.resetNextApiCalls(1);
        // A POST: the JDK client sends a GET again on a connection closed before any answer, once.
        assertThrows(IOException.class, () -> send(withKey("/crm/rest/v2/contacts").POST(BodyPublishers.ofString("{}"))),
                "dropped without an answer");
        assertEquals(200, send(withKey("/crm/rest/v1/contacts")).statusCode(), "only the next call is dropped");
        fake.resetNextApiCalls(3);
        fake.recover();
        assertEquals(200, send(withKey("/crm/rest/v1/contacts")).statusCode(), "recover() ends every fault");
    }

    /** Every refresh token presented again is recorded, and whether its first answer never reached its client. */
    @Test
    void refreshTokenReusesAreRecorded() throws Exception {
        String original = fake.seedGrant(CLIENT);
        refresh(original);
        assertTrue(fake.refreshTokenReuses().isEmpty());
        HttpResponse<String> again = send(tokenRequest("grant_type=refresh_token&refresh_token="
                + URLEncoder.encode(original, StandardCharsets.UTF_8), true));
        assertEquals(400, again.statusCode());
        assertEquals(1, fake.refreshTokenReuses().size());
        assertFalse(fake.refreshTokenReuses().get(0).firstAnswerUndelivered(), "the first answer was read");
    }

    @Test
    void restCallsEchoTheRawRequest() throws Exception {
        HttpResponse<String> response = send(withKey("/crm/rest/v2/contacts:link?filter=a%3D1&x=%7C")
                .POST(BodyPublishers.ofString("{\"ids\":[1,2]}")));

        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        JsonNode echo = JSON.readTree(response.body());
        assertEquals("POST", echo.get("method").asText());
        assertEquals("/crm/rest/v2/contacts:link", echo.get("path").asText());
        assertEquals("filter=a%3D1&x=%7C", echo.get("query").asText());
        assertEquals(sha256("{\"ids\":[1,2]}".getBytes(StandardCharsets.UTF_8)), echo.get("body_sha256").asText());
        assertEquals(13, echo.get("body_bytes").asLong());
        assertTrue(JSON.readTree(send(withKey("/crm/rest/v1/contacts")).body()).get("query").isNull());

        Received received = fake.receivedUnder("/crm/rest/v2/").get(0);
        assertEquals(KEY, received.header("x-keap-api-key"));
        assertEquals("{\"ids\":[1,2]}", received.bodyText());
        assertEquals(2, fake.receivedUnder("/crm/").size());
    }

    @Test
    void xmlRpcAnswersTheMethodName() throws Exception {
        String call = "<?xml version=\"1.0\"?><methodCall><methodName>ContactService.load</methodName>"
                + "<params><param><value><string>backwards-compatability</string></value></param></params>"
                + "</methodCall>";
        for (String path : List.of("/crm/xmlrpc", "/crm/xmlrpc/v1")) {
            HttpResponse<String> response =
                    send(withKey(path).header("Content-Type", "text/xml").POST(BodyPublishers.ofString(call)));
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/xml"));
            assertTrue(response.body().contains("<methodResponse>"));
            assertTrue(response.body().contains("ContactService.load"));
        }
    }

    @Test
    void userinfoNamesTheTenant() throws Exception {
        HttpResponse<String> response = send(withKey("/crm/rest/v1/oauth/connect/userinfo"));
        assertEquals(200, response.statusCode());
        assertEquals("xy123", JSON.readTree(response.body()).get("tenant_id").asText());
        assertEquals("xy123.infusionsoft.com", response.headers().firstValue("x-keap-tenant-id").orElseThrow());
    }

    @Test
    void quotaHeadersArePresentAndCountDown() throws Exception {
        HttpResponse<String> first = send(withKey("/crm/rest/v1/contacts"));
        HttpResponse<String> second = send(withKey("/crm/rest/v1/contacts"));

        long midnight = LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC)
                .toInstant().toEpochMilli();
        assertEquals(String.valueOf(midnight), header(second, "x-keap-product-quota-expiry-time"));
        assertEquals("day", header(second, "x-keap-product-quota-time-unit"));
        assertEquals("1", header(second, "x-keap-product-quota-interval"));
        assertEquals("30000", header(second, "x-keap-product-quota-limit"));
        assertEquals("minute", header(second, "x-keap-product-throttle-time-unit"));
        assertEquals("1", header(second, "x-keap-product-throttle-interval"));
        assertEquals("240", header(second, "x-keap-product-throttle-limit"));
        assertEquals("minute|day", header(second, "x-keap-tenant-throttle-time-unit"));
        assertEquals("1|1", header(second, "x-keap-tenant-throttle-interval"));
        assertEquals("10000|250000", header(second, "x-keap-tenant-throttle-limit"));
        assertEquals("xy123.infusionsoft.com", header(second, "x-keap-tenant-id"));

        String used = "x-keap-product-quota-used";
        String available = "x-keap-product-quota-available";
        assertEquals(1, number(second, used) - number(first, used));
        assertEquals(-1, number(second, available) - number(first, available));
        // The minute window may roll over between the two calls, so check it within one response.
        long throttleUsed = number(second, "x-keap-product-throttle-used");
        assertTrue(throttleUsed >= 1);
        assertEquals(240, throttleUsed + number(second, "x-keap-product-throttle-available"));
        String[] tenantAvailable = header(second, "x-keap-tenant-throttle-available").split("\\|");
        assertEquals(2, tenantAvailable.length);
        assertTrue(Long.parseLong(tenantAvailable[0]) < 10_000 && Long.parseLong(tenantAvailable[1]) < 250_000);

        // Even a refused call carries them.
        assertNotNull(header(send(get("/crm/rest/v1/contacts")), "x-keap-product-quota-available"));
    }

    @Test
    void quotaKnobsAnswer429() throws Exception {
        fake.setQuotaAvailable(1);
        HttpResponse<String> last = send(withKey("/crm/rest/v1/contacts"));
        assertEquals(200, last.statusCode());
        assertEquals("0", header(last, "x-keap-product-quota-available"));
        assertFault(send(withKey("/crm/rest/v1/contacts")), 429, "policies.ratelimit.QuotaViolation", null);

        fake.clear();
        fake.quotaExhausted(true);
        HttpResponse<String> exhausted = send(withKey("/crm/rest/v2/contacts"));
        assertFault(exhausted, 429, "policies.ratelimit.QuotaViolation", null);
        assertEquals("0", header(exhausted, "x-keap-product-quota-available"));
        fake.quotaExhausted(false);
        assertEquals(200, send(withKey("/crm/rest/v2/contacts")).statusCode());

        fake.rejectNextWith429(2);
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> spike = send(withKey("/crm/rest/v2/contacts"));
            assertFault(spike, 429, "policies.ratelimit.SpikeArrestViolation", "Spike arrest violation. Allowed rate : "
                    + "MessageRate{messagesPerPeriod=25, periodInMicroseconds=1000000, maxBurstMessageCount=25.0}");
            assertTrue(spike.headers().firstValue("Retry-After").isEmpty());
        }
        assertEquals(200, send(withKey("/crm/rest/v2/contacts")).statusCode());
    }

    @Test
    void refreshTokensRotateAndAreSingleUse() throws Exception {
        String original = fake.seedGrant(CLIENT);

        JsonNode first = refresh(original);
        assertEquals("bearer", first.get("token_type").asText());
        assertEquals(86400, first.get("expires_in").asLong());
        assertEquals("full|xy123.infusionsoft.com", first.get("scope").asText());
        String rotated = first.get("refresh_token").asText();
        assertNotEquals(original, rotated);
        assertEquals(rotated, fake.currentRefreshToken());

        HttpResponse<String> reuse = send(tokenRequest("grant_type=refresh_token&refresh_token=" + original, true));
        assertOAuthError(reuse, 400, "invalid_grant", "Invalid refresh token");

        // Nango's style: client credentials in the body instead of Basic.
        HttpResponse<String> bodyStyle = send(tokenRequest("grant_type=refresh_token&refresh_token=" + rotated
                + "&client_id=" + CLIENT + "&client_secret=" + SECRET, false));
        assertEquals(200, bodyStyle.statusCode());
        String newest = JSON.readTree(bodyStyle.body()).get("access_token").asText();
        assertEquals(200, send(withBearer("/crm/rest/v2/contacts", newest)).statusCode());

        HttpResponse<String> wrongClient = send(request("/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", basic(CLIENT, "wrong"))
                .POST(BodyPublishers.ofString("grant_type=refresh_token&refresh_token=" + fake.currentRefreshToken())));
        assertOAuthError(wrongClient, 401, "invalid_client", "Invalid client credentials");

        assertEquals(4, fake.refreshCalls());
        assertEquals(4, fake.tokenCalls());
    }

    @Test
    void concurrentRefreshesOfOneTokenLetExactlyOneWin() throws Exception {
        String token = fake.seedGrant(CLIENT);
        fake.setTokenLatency(Duration.ofMillis(150));
        HttpRequest request = tokenRequest("grant_type=refresh_token&refresh_token=" + token, true).build();

        CompletableFuture<HttpResponse<String>> a = HTTP.sendAsync(request, BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> b = HTTP.sendAsync(request, BodyHandlers.ofString());

        List<Integer> statuses = List.of(a.get().statusCode(), b.get().statusCode());
        assertTrue(statuses.contains(200) && statuses.contains(400), statuses.toString());
        assertEquals(2, fake.refreshCalls());
    }

    @Test
    void jsonTokenRequestIsRejected() throws Exception {
        HttpResponse<String> response = send(request("/token")
                .header("Content-Type", "application/json")
                .header("Authorization", basic(CLIENT, SECRET))
                .POST(BodyPublishers.ofString(
                        "{\"grant_type\":\"refresh_token\",\"refresh_token\":\"" + fake.seedGrant(CLIENT) + "\"}")));
        assertOAuthError(response, 400, "invalid_request", "response_type or grant_type is required");
    }

    @Test
    void authorizationCodeIsBoundToItsRedirectUriAndSingleUse() throws Exception {
        String code = fake.issueAuthorizationCode(CLIENT, REDIRECT);

        assertOAuthError(send(codeExchange(code, "https://elsewhere.example.com/cb")),
                400, "invalid_request", "Invalid redirect_uri");
        HttpResponse<String> ok = send(codeExchange(code, REDIRECT));
        assertEquals(200, ok.statusCode());
        JsonNode grant = JSON.readTree(ok.body());
        assertNotNull(grant.get("access_token"));
        assertNotNull(grant.get("refresh_token"));
        assertOAuthError(send(codeExchange(code, REDIRECT)), 400, "invalid_grant", "Invalid authorization code");
    }

    @Test
    void authorizePageRedirectsWithACodeScopeAndState() throws Exception {
        String query = "client_id=" + CLIENT + "&redirect_uri=" + URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8)
                + "&response_type=code&scope=full&state=s%20t";
        HttpResponse<String> response = send(get("/app/oauth/authorize?" + query));

        assertEquals(302, response.statusCode());
        String location = response.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT + "?code="), location);
        assertTrue(location.contains("&scope=full%7Cxy123.infusionsoft.com&state=s+t"), location);
        String code = location.substring(location.indexOf("code=") + 5, location.indexOf('&'));
        assertEquals(200, send(codeExchange(code, REDIRECT)).statusCode());

        assertEquals(400, send(get("/app/oauth/authorize?" + query.replace(CLIENT, "nobody"))).statusCode());
        assertEquals(400, send(get("/app/oauth/authorize?" + query.replace("scope=full", "scope=read"))).statusCode());
    }

    @Test
    void fiftyMebibyteChunkedUploadIsHashedWhileStreaming() throws Exception {
        long size = 50L * 1024 * 1024;
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        // A publisher from an InputStream has no known length, so the client sends it chunked.
        HttpRequest upload = withKey("/crm/rest/v1/files")
                .header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.ofInputStream(() -> new CountingStream(size, expected)))
                .build();

        HttpResponse<String> response = HTTP.send(upload, BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        JsonNode echo = JSON.readTree(response.body());
        String hash = HexFormat.of().formatHex(expected.digest());
        assertEquals(size, echo.get("body_bytes").asLong());
        assertEquals(hash, echo.get("body_sha256").asText());
        Received received = fake.receivedUnder("/crm/rest/v1/files").get(0);
        assertEquals(size, received.bodyBytes());
        assertEquals(hash, received.bodySha256());
        assertNull(received.body(), "a body above 64 KiB must not be kept");
        assertEquals("chunked", received.header("transfer-encoding"));
    }

    @Test
    void downloadStreamsTheBytesTheHelperHashes() throws Exception {
        long size = 3 * 1024 * 1024 + 5; // not a multiple of the chunk or word size
        HttpResponse<InputStream> response =
                HTTP.send(withKey("/crm/rest/v1/download/" + size).build(), BodyHandlers.ofInputStream());

        assertEquals(200, response.statusCode());
        assertEquals("application/octet-stream", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(String.valueOf(size), response.headers().firstValue("Content-Length").orElseThrow());
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[32 * 1024];
            for (int n; (n = in.read(buffer)) != -1; total += n) {
                sha.update(buffer, 0, n);
            }
        }
        assertEquals(size, total);
        assertEquals(FakeKeap.expectedDownloadSha256(size), HexFormat.of().formatHex(sha.digest()));
        assertEquals(sha256(new byte[0]), FakeKeap.expectedDownloadSha256(0));
        assertNotEquals(FakeKeap.expectedDownloadSha256(size), FakeKeap.expectedDownloadSha256(size - 1));
    }

    @Test
    void slowPathWaitsBeforeAnswering() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response =
                send(withKey("/crm/rest/v2/slow/200").method("PATCH", BodyPublishers.ofString("{}")));
        assertEquals(200, response.statusCode());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 200);
        assertEquals("/crm/rest/v2/slow/200", JSON.readTree(response.body()).get("path").asText());
    }

    @Test
    void clearForgetsRecordingsButResetForgetsCredentials() throws Exception {
        send(withKey("/crm/rest/v1/contacts"));
        fake.clear();
        assertTrue(fake.received().isEmpty());
        assertEquals(200, send(withKey("/crm/rest/v1/contacts")).statusCode());

        fake.reset();
        assertFault(send(withKey("/crm/rest/v1/contacts")), 401, "keymanagement.service.invalid_access_token", null);
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private HttpRequest.Builder request(String target) {
        return HttpRequest.newBuilder(URI.create(fake.baseUrl() + target)).timeout(Duration.ofSeconds(10));
    }

    private HttpRequest.Builder get(String target) {
        return request(target).GET();
    }

    private HttpRequest.Builder withKey(String target) {
        return get(target).header("X-Keap-API-Key", KEY);
    }

    private HttpRequest.Builder withBearer(String target, String accessToken) {
        return get(target).header("Authorization", "Bearer " + accessToken);
    }

    private HttpRequest.Builder tokenRequest(String form, boolean basicAuth) {
        HttpRequest.Builder builder = request("/token")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString(form));
        return basicAuth ? builder.header("Authorization", basic(CLIENT, SECRET)) : builder;
    }

    private HttpRequest.Builder codeExchange(String code, String redirectUri) {
        return tokenRequest("grant_type=authorization_code&client_id=" + CLIENT + "&client_secret=" + SECRET
                + "&code=" + code + "&redirect_uri=" + URLEncoder.encode(redirectUri, StandardCharsets.UTF_8), false);
    }

    private JsonNode refresh(String refreshToken) throws Exception {
        HttpResponse<String> response =
                send(tokenRequest("grant_type=refresh_token&refresh_token=" + refreshToken, true));
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), BodyHandlers.ofString());
    }

    private static void assertFault(HttpResponse<String> response, int status, String errorcode, String faultstring)
            throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow().split(";")[0]);
        JsonNode fault = JSON.readTree(response.body()).get("fault");
        assertEquals(errorcode, fault.get("detail").get("errorcode").asText());
        if (faultstring != null) {
            assertEquals(faultstring, fault.get("faultstring").asText());
        }
    }

    private static void assertOAuthError(HttpResponse<String> response, int status, String error, String description)
            throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(error, body.get("error").asText());
        assertEquals(description, body.get("error_description").asText());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private static long number(HttpResponse<?> response, String name) {
        return Long.parseLong(header(response, name));
    }

    private static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Produces {@code size} bytes of a simple pattern, hashing them on the way out; never holds them all. */
    private static final class CountingStream extends InputStream {
        private final long size;
        private final MessageDigest digest;
        private long position;

        CountingStream(long size, MessageDigest digest) {
            this.size = size;
            this.digest = digest;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(length, size - position);
            for (int i = 0; i < n; i++) {
                long p = position + i;
                buffer[offset + i] = (byte) (p * 31 + (p >>> 11));
            }
            digest.update(buffer, offset, n);
            position += n;
            return n;
        }
    }
}
