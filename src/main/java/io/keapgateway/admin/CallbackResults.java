package io.keapgateway.admin;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreUnavailable;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The pages that say how an OAuth callback ended, kept in the store under a random id for
 * {@code oauth.result-page-ttl}: the callback exchanges the code once, then redirects the browser to the
 * result (post/redirect/get), which can be reloaded, bookmarked or shared without replaying the code. A page
 * holds no secret (a connection name, Keap's tenant id, advice).
 */
@ApplicationScoped
class CallbackResults {

    /** A result page's path under {@code /oauth/}, relative to the callback's: {@code result/{id}}. */
    static final String PATH = "result";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");

    private final SecureRandom random = new SecureRandom();
    private final Store store;
    private final Documents documents;
    private final Duration ttl;

    CallbackResults(Store store, Documents documents, GatewayConfig config) {
        this.store = store;
        this.documents = documents;
        this.ttl = config.oauth().resultPageTtl();
    }

    /** How a callback ended: the status and page its browser gets. */
    @RegisterForReflection
    record Result(int status, String html) {
    }

    /** Keeps {@code result}; its id, or empty when the store does not answer (the page is then answered at once). */
    Optional<String> keep(Result result) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try {
            store.putIfAbsent(key(id), documents.write(result), ttl);
            return Optional.of(id);
        } catch (StoreUnavailable down) {
            return Optional.empty();
        }
    }

    /** The result kept under {@code id}, while it lasts. */
    Optional<Result> find(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return store.get(key(id)).map(document -> documents.read(document, Result.class));
    }

    private static String key(String id) {
        return "oauth-result:" + id;
    }
}
