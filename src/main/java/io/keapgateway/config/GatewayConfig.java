package io.keapgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Every setting of the gateway. Property {@code keap-gateway.x-y} is also read from the environment
 * variable {@code KEAP_GATEWAY_X_Y}; see CONTRACT.md "Configuration".
 */
@ConfigMapping(prefix = "keap-gateway")
public interface GatewayConfig {

    /** Where {@code /crm/**} is forwarded. Nothing a client sends can change it. */
    @WithDefault("https://api.infusionsoft.com")
    URI upstreamUrl();

    /** Keap's OAuth authorize page. */
    @WithDefault("https://accounts.infusionsoft.com/app/oauth/authorize")
    URI authorizeUrl();

    /** Keap's token endpoint. */
    @WithDefault("https://api.infusionsoft.com/token")
    URI tokenUrl();

    /** The gateway's external base URL; the OAuth redirect URI is this plus {@code /oauth/callback}. */
    @WithDefault("http://localhost:8080")
    URI publicUrl();

    /** OAuth client id of the connection {@code default}. */
    Optional<String> clientId();

    /** OAuth client secret of the connection {@code default}. */
    Optional<String> clientSecret();

    /** A Keap Service Account Key or PAT: makes {@code default} an api-key connection. */
    Optional<String> apiKey();

    /** Bearer token for {@code /admin/**}. Required in prod; generated and logged in dev. */
    Optional<String> adminToken();

    /** Base64 of 32 bytes: the AES-256-GCM key for secrets at rest. Required in prod; generated in dev/test. */
    Optional<String> encryptionKey();

    /** Where keys, connections, tokens and the audit trail live. */
    @WithDefault("redis")
    StoreKind store();

    /** Prefix of every Redis key the gateway writes. */
    @WithDefault("kgw:")
    String redisPrefix();

    /** Forwarding settings. */
    Proxy proxy();

    /** Rate limits. */
    Limits limits();

    /** How gateway keys are cached and tracked. */
    Keys keys();

    /** OAuth token custody. */
    OAuth oauth();

    /** The per-key record of recent proxied requests shown in the console. */
    Activity activity();

    /** The two stores. */
    enum StoreKind {
        /** Real Redis; several replicas share it. */
        redis,
        /** In this process only: one replica, for {@code quarkus:dev} and quick trials. */
        memory
    }

    /** Forwarding to Keap. */
    interface Proxy {
        /** Largest request body accepted; larger ones are answered 413 and never forwarded whole. */
        @WithDefault("64M")
        MemorySize maxBodySize();

        /** Time allowed to open a connection to Keap. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Longest wait for Keap's response headers, or between two chunks of its body. */
        @WithDefault("60s")
        Duration responseTimeout();

        /** How long an unused pooled connection to Keap stays open. */
        @WithDefault("60s")
        Duration idleTimeout();

        /** Most connections kept open to Keap per event loop. */
        @WithDefault("64")
        int poolSize();

        /** Largest request body kept in memory so that it can be replayed after a 401 (bytes). */
        @WithDefault("256K")
        MemorySize replayBufferSize();
    }

    /** Rate limits (CONTRACT.md "Limits"). */
    interface Limits {
        /** Whether the gateway limits at all; off only for measuring what limiting costs. */
        @WithDefault("true")
        boolean enabled();

        /** Pacing of what is sent to Keap per connection, all replicas together. */
        Connection connection();

        /** Default per-key limits, when a key sets none. */
        Key key();

        /** Per-connection limits; unset values take defaults that respect Keap's quotas for the connection's mode. */
        interface Connection {
            /** Requests per second (default 20; api-key connections 5). */
            OptionalInt rate();

            /** Burst size in requests (default 20; api-key connections 5). */
            OptionalInt burst();

            /** Requests per UTC day (default 150000; api-key connections 30000). */
            OptionalLong daily();
        }

        /** Default per-key limits. */
        interface Key {
            /** Requests per second. */
            @WithDefault("10")
            int rate();

            /** Burst size in requests. */
            @WithDefault("20")
            int burst();
        }
    }

    /** OAuth token custody (CONTRACT.md "Admin API", KEAP-API-FACTS.md sections 1 and 7). */
    interface OAuth {
        /** Refresh an access token this long before it expires (Keap's live 24 h). */
        @WithDefault("15m")
        Duration refreshMargin();

        /** Refresh any grant older than this even when idle (Keap's refresh tokens die after about 45 days). */
        @WithDefault("20d")
        Duration maxGrantAge();

        /** How often one replica looks for grants due for a proactive refresh. */
        @WithDefault("1m")
        Duration refreshCheckInterval();

        /** Lifetime of the cross-replica refresh lease; it is renewed while the token call runs. */
        @WithDefault("15s")
        Duration leaseTtl();

        /** Longest wait for Keap's token endpoint. */
        @WithDefault("30s")
        Duration tokenTimeout();

        /** Lifetime of the single-use {@code state} of an authorize URL. */
        @WithDefault("10m")
        Duration stateTtl();
    }

    /** Gateway keys. */
    interface Keys {
        /** How often each replica looks for key and connection changes made by another replica. */
        @WithDefault("250ms")
        Duration syncInterval();

        /** How often {@code last_used_at} is written to the store (it is kept in memory in between). */
        @WithDefault("5s")
        Duration lastUsedFlushInterval();
    }

    /** Per-key activity: the last requests of each key, written to the store in batches. */
    interface Activity {
        /**
         * How often each replica writes the requests it noted to the store. A replica that crashes loses at
         * most this much of its activity.
         */
        @WithDefault("1s")
        Duration flushInterval();

        /** Most requests noted between two writes (all keys together); beyond it the oldest are dropped. */
        @WithDefault("20000")
        int pendingLimit();
    }
}
