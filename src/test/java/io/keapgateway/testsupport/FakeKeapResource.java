package io.keapgateway.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points the gateway under test at one shared {@link FakeKeap}: use
 * {@code @WithTestResource(FakeKeapResource.class)} (or the older {@code @QuarkusTestResource}) and reach
 * the fake through {@link #fake()} (or a field of type {@link FakeKeap}, which is injected). The fake
 * accepts the key {@link #API_KEY} and knows the app {@link #CLIENT_ID}/{@link #CLIENT_SECRET}. Call
 * {@link FakeKeap#clear()} between tests that change its knobs.
 *
 * <p>Quarkus may start the resource more than once (e.g. once per test profile); the fake is shared by
 * reference count and closed when the last user stops.
 */
public final class FakeKeapResource implements QuarkusTestResourceLifecycleManager {

    /**
     * The Service Account Key the fake accepts. It starts with {@code KeapAK} like a real key, but the
     * hyphen after four characters keeps it from matching {@code KeapAK-[A-Za-z0-9]{8,}}, so secret
     * scanners (and the gateway's own leak checks) never mistake it for a real one.
     */
    public static final String API_KEY = "KeapAK-test-0000000000000000";

    public static final String CLIENT_ID = "test-client-id";
    public static final String CLIENT_SECRET = "test-client-secret";

    public static final String UPSTREAM_URL_PROPERTY = "keap-gateway.upstream-url";
    public static final String TOKEN_URL_PROPERTY = "keap-gateway.token-url";
    public static final String AUTHORIZE_URL_PROPERTY = "keap-gateway.authorize-url";

    private static FakeKeap shared;
    private static int users;

    /** The running fake; fails if no test resource has started it. */
    public static synchronized FakeKeap fake() {
        if (shared == null) {
            throw new IllegalStateException(
                    "FakeKeap is not running: annotate the test with @WithTestResource(FakeKeapResource.class)");
        }
        return shared;
    }

    /**
     * The fake, with its knobs and what it received cleared, behind connection {@code default} in api-key
     * mode: where most tests of the proxy start.
     */
    public static FakeKeap clearedBehindDefault() {
        FakeKeap keap = fake();
        keap.clear();
        Admin.local().useApiKey("default", API_KEY);
        return keap;
    }

    @Override
    public Map<String, String> start() {
        synchronized (FakeKeapResource.class) {
            if (shared == null) {
                shared = FakeKeap.start();
                shared.acceptApiKey(API_KEY);
                shared.registerApp(CLIENT_ID, CLIENT_SECRET);
            }
            users++;
            String base = shared.baseUrl();
            // The @QuarkusTest classes share one app and StoreLossTest wipes the store under it: without the
            // last entry every OAuth test after it would wait out the quiet time after a store loss (5 min 15 s).
            // Packaged replicas (GatewayProcess) keep the real rule: RedisWipeDuringRefreshIT.
            return Map.of(
                    "keap-gateway.oauth.store-loss-quiet", "0s",
                    UPSTREAM_URL_PROPERTY, base,
                    TOKEN_URL_PROPERTY, base + "/token",
                    AUTHORIZE_URL_PROPERTY, base + "/app/oauth/authorize");
        }
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(fake(), new TestInjector.MatchesType(FakeKeap.class));
    }

    @Override
    public void stop() {
        synchronized (FakeKeapResource.class) {
            if (users > 0 && --users == 0) {
                shared.close();
                shared = null;
            }
        }
    }
}
