package io.keapgateway.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A faithful in-process fake of Keap's API host ({@code api.infusionsoft.com}) for the gateway's tests,
 * built on the JDK's HTTP server only. It behaves as {@code shared/KEAP-API-FACTS.md} describes:
 *
 * <ul>
 *   <li>{@code /crm/rest/v1/**}, {@code /crm/rest/v2/**} (including {@code :verb} paths),
 *       {@code /crm/xmlrpc} and {@code /crm/xmlrpc/v1} require a Service Account Key in
 *       {@code X-Keap-API-Key} or an access token in {@code Authorization: Bearer}, and otherwise answer
 *       401 with Apigee's {@code fault} body. A REST call answers 200 with an echo
 *       {@code {"method","path","query","body_sha256","body_bytes"}}; an XML-RPC call answers a
 *       {@code <methodResponse>}: {@code ContactService.load} a struct of the requested fields, any other
 *       method a string naming it ({@link FakeXmlRpc}).</li>
 *   <li>Special paths: {@code GET /crm/rest/v1/download/{bytes}} streams a deterministic byte stream
 *       (see {@link #expectedDownloadSha256(long)}); {@code /crm/rest/v2/slow/{millis}} answers after
 *       that delay; {@code GET /crm/rest/v[12]/oauth/connect/userinfo} names the tenant.</li>
 *   <li>Every {@code /crm} response carries the {@code x-keap-product-quota-*},
 *       {@code x-keap-product-throttle-*}, {@code x-keap-tenant-id} and pipe-separated
 *       {@code x-keap-tenant-throttle-*} headers, counting down per served call; an exhausted bucket
 *       answers 429 QuotaViolation. The JDK server capitalises the first letter of header names
 *       ({@code X-keap-…}); header names are case-insensitive, so clients must not care.</li>
 *   <li>{@code POST /token} accepts only form bodies, does code exchange (codes single-use and bound to
 *       their redirect_uri) and refresh (client via Basic or body; refresh tokens rotate and are
 *       single-use). {@code GET /app/oauth/authorize} redirects at once with a new code.</li>
 *   <li>Outages: {@link #failWith(int)} makes every API call answer a 5xx, {@link #hang()} makes them wait
 *       unanswered until {@link #release()}.</li>
 *   <li>Every request is recorded as a {@link Received}; bodies are hashed while streaming, never held
 *       whole when larger than {@link Received#KEPT_BODY_LIMIT}.</li>
 *   <li>A request that carries a gateway key ({@code kgw_…}) anywhere, in a header, the query or the body,
 *       is answered 400 and listed by {@link #gatewayKeysReceived()}: the gateway must never let one through.</li>
 * </ul>
 *
 * <p>Thread-safe. Requests are served on a cached pool, so slow or sleeping requests never block others.
 */
public final class FakeKeap implements AutoCloseable {

    /** The tenant (application) Keap reports unless {@link #setTenant(String)} says otherwise. */
    public static final String DEFAULT_TENANT = FakeCredentials.DEFAULT_TENANT;

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final AtomicInteger begun = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();

    private final HttpServer server;
    private final ExecutorService executor;
    private final FakeRecorder recorder = new FakeRecorder();
    private final FakeCredentials credentials = new FakeCredentials();
    private final FakeQuotas quotas = new FakeQuotas();
    private final FakeTokenEndpoint tokens = new FakeTokenEndpoint(credentials);
    private final FakeOutage outage = new FakeOutage();
    private final FakeApi api = new FakeApi(credentials, quotas, outage);

    private FakeKeap(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts a fake on 127.0.0.1 and a free port, with no keys or apps registered yet. */
    public static FakeKeap start() {
        // Without TCP_NODELAY the JDK server's separate header and body writes can each wait out a
        // delayed ACK (~40 ms) on keep-alive connections. Read once per JVM; only set when nobody chose.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the fake Keap server", e);
        }
        ThreadFactory daemons = runnable -> {
            Thread thread = new Thread(runnable, "fake-keap-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        ExecutorService executor = Executors.newCachedThreadPool(daemons);
        FakeKeap fake = new FakeKeap(server, executor);
        server.createContext("/", fake::handle);
        server.setExecutor(executor);
        server.start();
        return fake;
    }

    /** {@code http://127.0.0.1:<port>}, without a trailing slash. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops at once: in-flight requests (e.g. a slow path) are interrupted. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- credentials -------------------------------------------------------------------------------

    /** Registers a valid Service Account Key / PAT (sent as {@code X-Keap-API-Key}, or as Bearer). */
    public void acceptApiKey(String key) {
        credentials.acceptApiKey(key);
    }

    /** Registers an OAuth developer app. */
    public void registerApp(String clientId, String clientSecret) {
        credentials.registerApp(clientId, clientSecret);
    }

    /** A single-use authorization code bound to {@code redirectUri}, as if the user had just consented. */
    public String issueAuthorizationCode(String clientId, String redirectUri) {
        return credentials.issueAuthorizationCode(clientId, redirectUri);
    }

    /** A valid refresh token of an existing grant for {@code clientId} (to test adopting a grant). */
    public String seedGrant(String clientId) {
        return credentials.seedGrant(clientId);
    }

    /** The most recently issued refresh token if it has not been used yet, else {@code null}. */
    public String currentRefreshToken() {
        return credentials.currentRefreshToken();
    }

    /**
     * Refreshes the current grant of {@code clientId} through the token endpoint, behind the gateway's back, as a
     * second integration sharing the grant would: the gateway's refresh token is rotated away.
     */
    public void rotateBehindTheGatewaysBack(String clientId, String clientSecret) throws IOException, InterruptedException {
        String form = "grant_type=refresh_token&refresh_token="
                + java.net.URLEncoder.encode(currentRefreshToken(), java.nio.charset.StandardCharsets.UTF_8);
        String basic = java.util.Base64.getEncoder().encodeToString(
                (clientId + ":" + clientSecret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Authorization", "Basic " + basic)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the fake's token endpoint answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    /** Makes every access token issued so far expired (401 {@code access_token_expired}). */
    public void expireAccessTokens() {
        credentials.expireAccessTokens();
    }

    /** Lifetime of access tokens issued from now on, also sent as {@code expires_in} (default 24 h). */
    public void setAccessTokenLifetime(Duration lifetime) {
        credentials.setAccessTokenLifetime(lifetime);
    }

    /** The tenant host, e.g. {@code xy123.infusionsoft.com}: in {@code scope}, {@code x-keap-tenant-id}, userinfo. */
    public String tenant() {
        return credentials.tenant();
    }

    public void setTenant(String tenant) {
        credentials.setTenant(tenant);
    }

    // ---- token endpoint ----------------------------------------------------------------------------

    /** How long {@code /token} waits before answering (for refresh-race tests). */
    public void setTokenLatency(Duration latency) {
        tokens.setLatency(latency);
    }

    /** The next token call only waits {@code delay} (on top of the latency) before it rotates and answers. */
    public void delayNextTokenCall(Duration delay) {
        tokens.delayNextCall(delay);
    }

    /** The most times any one refresh token was presented to {@code /token} (Keap's rule: once). */
    public int mostUsesOfOneRefreshToken() {
        return credentials.mostUsesOfOneRefreshToken();
    }

    /**
     * A refresh token presented again after its first use, and whether the answer to that first use never
     * reached its client (it went away, e.g. killed, between sending the token and reading the new pair).
     */
    public record Reuse(java.time.Instant at, boolean firstAnswerUndelivered) {
    }

    /** Every refresh token presented again after its first use, oldest first (Keap's rule: never). */
    public List<Reuse> refreshTokenReuses() {
        return credentials.refreshTokenReuses();
    }

    /** Requests to {@code /token} of any kind since start or {@link #clear()}. */
    public int tokenCalls() {
        return tokens.tokenCalls();
    }

    /** {@code grant_type=refresh_token} requests since start or {@link #clear()}, failed ones included. */
    public int refreshCalls() {
        return tokens.refreshCalls();
    }

    // ---- quotas ------------------------------------------------------------------------------------

    /** Sets today's {@code x-keap-product-quota-available} of every credential; 0 makes calls answer 429. */
    public void setQuotaAvailable(long available) {
        quotas.setDailyAvailable(available);
    }

    /** The next {@code count} API calls answer 429 SpikeArrestViolation (without Retry-After). */
    public void rejectNextWith429(int count) {
        quotas.rejectNext(count);
    }

    /** The next {@code count} API calls with a valid credential answer 401 {@code invalid_access_token}. */
    public void rejectNextWith401(int count) {
        api.rejectNextWith401(count);
    }

    /** While true, every authenticated API call answers 429 QuotaViolation. */
    public void quotaExhausted(boolean exhausted) {
        quotas.setExhausted(exhausted);
    }

    // ---- outages -----------------------------------------------------------------------------------

    /** Every API call answers {@code status} (e.g. 503, with Apigee's fault body) until {@link #recover()}. */
    public void failWith(int status) {
        outage.failWith(status);
    }

    /** Every API call waits {@code latency} before its answer (Keap slow); {@link #recover()} ends it. */
    public void setApiLatency(Duration latency) {
        outage.setLatency(latency);
    }

    /** The next {@code count} API calls are dropped without an answer (connection closed before a status line). */
    public void resetNextApiCalls(int count) {
        outage.resetNext(count);
    }

    /** API calls are answered normally again (no failure status, latency or resets). */
    public void recover() {
        outage.recover();
    }

    /** Every API call from now on waits, unanswered, until {@link #release()} (at most two minutes). */
    public void hang() {
        outage.hang();
    }

    /** The hung API calls go on to their normal answer. */
    public void release() {
        outage.release();
    }

    // ---- recording ---------------------------------------------------------------------------------

    /**
     * Requests whose headers have arrived, counted before their body is read: a request the gateway streams
     * counts here while its client is still sending.
     */
    public int requestsBegun() {
        return begun.get();
    }

    /** Requests answered to the last byte: a download counts once its whole body was written. */
    public int requestsAnswered() {
        return answered.get();
    }

    /**
     * Bytes of {@code /crm/rest/v1/download/{bytes}} bodies written so far, all downloads together: a write
     * blocks while the receiving side does not read, so this stops growing when a download is held back.
     */
    public long downloadBytesSent() {
        return api.downloadBytesSent.get();
    }

    /** Every request received so far, oldest first (an immutable snapshot). */
    public List<Received> received() {
        return recorder.snapshot();
    }

    /**
     * Every request that carried a gateway key ({@code kgw_…}) in a header, the query or the body, described
     * (method, path, where); such a request was answered 400. Empty when the gateway kept every key back.
     */
    public List<String> gatewayKeysReceived() {
        return recorder.gatewayKeysReceived();
    }

    /** The received requests whose raw path starts with {@code pathPrefix}, oldest first. */
    public List<Received> receivedUnder(String pathPrefix) {
        return recorder.snapshot().stream().filter(r -> r.path().startsWith(pathPrefix)).toList();
    }

    /**
     * Between tests: forgets recordings, counters, quota usage and every knob (latency, 429s, lifetime,
     * tenant, outages). Keys, apps and the grants already issued stay valid.
     */
    public void clear() {
        outage.recover();
        outage.release();
        recorder.clear();
        tokens.reset();
        api.rejectNextWith401(0);
        quotas.reset();
        credentials.resetSettings();
    }

    /** Like {@link #clear()}, and also forgets keys, apps, codes and tokens. */
    public void reset() {
        clear();
        credentials.forgetEverything();
    }

    /** SHA-256 (lower-case hex) of what {@code GET /crm/rest/v1/download/{bytes}} streams. */
    public static String expectedDownloadSha256(long bytes) {
        return FakeDownloadBytes.sha256Hex(bytes);
    }

    private void handle(HttpExchange ex) {
        begun.incrementAndGet();
        try {
            FakeRecorder.Incoming in = recorder.consume(ex);
            String path = in.received().path();
            if (in.gatewayKeyAt() != null) {
                // Real Keap would not know the key either; the test reads gatewayKeysReceived() to fail.
                FakeHttp.json(ex, 400, FakeJson.fault("A gateway key reached Keap (" + in.gatewayKeyAt() + ")",
                        "gateway.key.leaked"));
            } else if (path.equals("/token")) {
                tokens.handleToken(ex, in);
            } else if (path.equals("/app/oauth/authorize")) {
                tokens.handleAuthorize(ex, in);
            } else if (path.equals("/crm") || path.startsWith("/crm/")) {
                api.handle(ex, in);
            } else {
                FakeHttp.text(ex, 404, "Not Found");
            }
        } catch (IOException | RuntimeException e) {
            answerFailure(ex, e);
        } finally {
            ex.close();
            answered.incrementAndGet();
        }
    }

    /** A bug in the fake must show up as a 500 in the test, not as a hung or reset connection. */
    private static void answerFailure(HttpExchange ex, Exception e) {
        if (ex.getResponseCode() != -1) {
            return; // headers already went out; closing the exchange is all that is left
        }
        try {
            FakeHttp.text(ex, 500, "fake Keap failed: " + e);
        } catch (IOException ignored) {
            // the client went away
        }
    }
}
