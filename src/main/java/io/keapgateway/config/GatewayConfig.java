package io.keapgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
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

    /**
     * The encryption key being rotated away from (base64 of 32 bytes): values sealed with it are still opened,
     * and sealed again with {@link #encryptionKey()} in the background. Remove it once the store is re-sealed.
     */
    Optional<String> encryptionKeyPrevious();

    /**
     * Base64 of at least 32 bytes: the pepper of gateway-key hashes. When unset it is derived from the
     * encryption key (as before it could be set); it must be set before the encryption key is rotated.
     */
    Optional<String> keyPepper();

    /** How often a replica looks for connections whose secrets are sealed with a previous encryption key. */
    @WithDefault("10m")
    Duration resealInterval();

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

    /**
     * Telling the owner when something breaks (docs/notifications.md). Off while no channel is set. Named
     * {@code notify} in the configuration ({@code notify()} itself is taken by {@link Object}).
     */
    @WithName("notify")
    Notify notifications();

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

        /**
         * Largest XML-RPC method call accepted (bytes). XML-RPC calls are read whole, to find the method
         * name and the key in the first parameter; larger ones are answered 413.
         */
        @WithDefault("1M")
        MemorySize xmlrpcMaxBodySize();

        /**
         * Deepest element nesting accepted in an XML-RPC call ({@code methodCall} is 1; a struct in an array in
         * a parameter is about 10). Deeper ones are answered 400 {@code bad_request} as soon as the parser
         * reaches that depth. At least 8.
         */
        @WithDefault("32")
        int xmlrpcMaxDepth();

        /** Most elements accepted in one XML-RPC call; more are answered 400 {@code bad_request}. At least 16. */
        @WithDefault("100000")
        int xmlrpcMaxElements();

        /**
         * Longest text of one element in an XML-RPC call (characters); longer is answered 400
         * {@code bad_request}. As large as the body cap by default: {@code FileService.uploadFile} sends a whole
         * file as one base64 string. At least 1024.
         */
        @WithDefault("1048576")
        int xmlrpcMaxTextLength();

        /**
         * Time budget of reading one XML-RPC call once its parse started, and separately of its wait for a parser
         * thread; a parse that takes longer is answered 400 {@code bad_request}, a call that waited longer 503
         * {@code upstream_unavailable} with {@code Retry-After}. At least 10 ms.
         */
        @WithDefault("1s")
        Duration xmlrpcParseTimeout();

        /**
         * Threads that parse XML-RPC calls, shared by nothing else (not the event loops, not the worker pool,
         * not health checks). At least 1.
         */
        @WithDefault("2")
        int xmlrpcParseThreads();

        /**
         * Most XML-RPC calls waiting for a parser thread; one more is answered 503 {@code upstream_unavailable}
         * with {@code Retry-After} at once. At least 1.
         */
        @WithDefault("64")
        int xmlrpcParseQueue();

        /**
         * Longest wait for a free pooled connection to Keap (including opening it); past it the request is
         * answered 503 {@code upstream_unavailable} instead of queueing without end.
         */
        @WithDefault("2s")
        Duration poolWaitTimeout();

        /**
         * Longest silence of a client while its request body streams, and longest wait for a client to
         * read (drain) the answer; past it both sides are cut off and the upstream connection is freed.
         */
        @WithDefault("15s")
        Duration clientIdleTimeout();

        /**
         * Longest time the rest of a refused request's body is read and thrown away (a 413, or a 401 or 403
         * answered before the upload ended), so that the client reads the answer instead of a reset
         * connection; then the HTTP/1 connection is closed, or the HTTP/2 stream reset.
         */
        @WithDefault("5s")
        Duration refusedBodyTimeout();

        /**
         * Most requests in flight to Keap per connection on this replica (bulkhead), counted from the moment
         * the request is sent until its answer is relayed; the excess is answered 503 at once.
         */
        @WithDefault("100")
        int maxInFlight();

        /**
         * Most connections one client address (the TCP peer, not a forwarded header) holds open on the main
         * port, counted from their first request; one more is answered 429 and closed. Behind a load balancer
         * every client shares its address: size this for the balancer's connection pool.
         */
        @WithDefault("256")
        int maxConnectionsPerAddress();
    }

    /** The circuit breaker of each connection: Keap failing is answered fast, locally, while it recovers. */
    Breaker breaker();

    /** Circuit breaker settings (per connection, per replica). */
    interface Breaker {
        /** Failures in a row (connect failures, timeouts, 5xx from Keap) that open the circuit. */
        @WithDefault("5")
        int failureThreshold();

        /** How long an open circuit answers 503 locally before one probe request is let through. */
        @WithDefault("10s")
        Duration openDuration();
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

        /**
         * The fewest replicas a replica assumes while Redis is unreachable: each enforces limit / max(replicas
         * it last counted, this). A replica started during an outage has counted only itself; set this to the
         * number of replicas you run (docs/limits.md).
         */
        @WithDefault("1")
        int localReplicaFloor();

        /** How much of a bucket a replica reserves from Redis at once, to spend without asking again. */
        Batch batch();

        /**
         * Batches of the shared limits (docs/limits.md): a replica reserves up to {@code max} requests of a
         * key's and its connection's buckets in one script call and spends them locally for at most
         * {@code lifetime}; what is left then is handed back.
         */
        interface Batch {
            /** Largest batch, in requests; 1 asks Redis for every request. */
            @WithDefault("16")
            int max();

            /** How long a batch may be spent; checked, and leftovers handed back, every second. */
            @WithDefault("1s")
            Duration lifetime();
        }

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

            /**
             * Most requests of one key in flight at once on this replica (from its first byte until its answer
             * is relayed), when the key sets no {@code max_concurrent}; the excess is answered 429. Off, like
             * every limit, when {@code limits.enabled} is false.
             */
            @WithDefault("16")
            int maxConcurrent();
        }
    }

    /** OAuth token custody (CONTRACT.md "Admin API", KEAP-API-FACTS.md sections 1 and 7). */
    interface OAuth {
        /**
         * Refresh an access token this long before it expires (Keap's live 24 h), or half its lifetime before if
         * Keap gave a lifetime shorter than twice this.
         */
        @WithDefault("15m")
        Duration refreshMargin();

        /**
         * An access token is no longer sent this long before Keap's expiry (clock skew plus a request's transit),
         * or a quarter of its lifetime before if that is shorter, so that a short-lived token is still used.
         */
        @WithDefault("30s")
        Duration expirySkew();

        /**
         * No grant is refreshed again sooner than this after its last refresh, on any replica, whatever
         * lifetime Keap gives (even 0 s); only a 401 for the very token (see {@link #rejectionRefreshFloor()}) or
         * an operator's refresh comes sooner. Positive, and shorter than {@link #maxGrantAge()}.
         */
        @WithDefault("10s")
        Duration minRefreshInterval();

        /** Refresh any grant older than this even when idle (Keap's refresh tokens die after about 45 days). */
        @WithDefault("20d")
        Duration maxGrantAge();

        /** How often one replica looks for grants due for a proactive refresh. */
        @WithDefault("1m")
        Duration refreshCheckInterval();

        /** Lifetime of the cross-replica refresh lease; it is renewed while the token call runs. */
        @WithDefault("15s")
        Duration leaseTtl();

        /**
         * How long a request or an admin call waits for a token call (its own, or another replica's) before it
         * answers with an error. The token call itself goes on: see {@link #tokenCallLimit()}.
         */
        @WithDefault("30s")
        Duration tokenTimeout();

        /**
         * The longest a token call may run: only then does the gateway close its connection to Keap (a call is
         * never abandoned earlier, since Keap may rotate the refresh token at any moment of it). The record
         * "exchange of grant version N in progress" lives this long plus {@link #leaseTtl()}, so no replica
         * sends that refresh token again while the call may still be answered.
         */
        @WithDefault("5m")
        Duration tokenCallLimit();

        /**
         * After the store lost its data, how long no replica begins a token exchange (one may have been out,
         * its records gone with the data). Unset: {@code token-call-limit} plus {@code lease-ttl}, the longest
         * an exchange begun before the loss can still run and save its pair. Anything shorter gives up "a
         * refresh token reaches Keap at most once" across a Redis wipe; the tests' shared app sets 0s.
         */
        Optional<Duration> storeLossQuiet();

        /**
         * On SIGTERM, how long a replica may wait for its refreshes in flight and for pairs it could not save
         * yet, before its shutdown goes on (an ERROR names each connection still held at exit). The shutdown
         * delay and the wait for requests in flight come after it; only a refresh out at SIGTERM makes it wait.
         */
        @WithDefault("20s")
        Duration shutdownDrain();

        /** Longest pause between two attempts to save a pair Keap issued while the store does not answer. */
        @WithDefault("1s")
        Duration saveRetryBackoff();

        /**
         * A 401 from Keap makes the gateway refresh an access token only once it is at least this old; a younger
         * one is not refreshed again (Keap's 401 goes to the client as it is), so a run of 401s cannot rotate the
         * grant over and over.
         */
        @WithDefault("60s")
        Duration rejectionRefreshFloor();

        /** Lifetime of the single-use {@code state} of an authorize URL. */
        @WithDefault("10m")
        Duration stateTtl();

        /**
         * How long the page that tells the operator how the OAuth callback ended stays readable at its own
         * address ({@code /oauth/result/{id}}): reloading or sharing it within this time shows the same result.
         */
        @WithDefault("1h")
        Duration resultPageTtl();
    }

    /** Gateway keys. */
    interface Keys {
        /** How key guessing is slowed (per client address, on each replica). */
        Guessing guessing();

        /** Key guessing: too many failed key checks from one address block its requests without a valid key. */
        interface Guessing {
            /** Failed key checks an address may make within {@code failure-window} before it is blocked. */
            @WithDefault("20")
            int maxFailures();

            /** The window in which failed key checks are counted. */
            @WithDefault("1m")
            Duration failureWindow();

            /** How long a blocked address's requests without a valid key are answered 429. */
            @WithDefault("5m")
            Duration blockDuration();
        }

        /** How often each replica looks for key and connection changes made by another replica. */
        @WithDefault("250ms")
        Duration syncInterval();

        /** How often {@code last_used_at} is written to the store (it is kept in memory in between). */
        @WithDefault("5s")
        Duration lastUsedFlushInterval();

        /**
         * How long a replica remembers that a well-formed key id is in neither its memory nor the store, so
         * that a guessed id costs at most one Redis read per window. A key made meanwhile is not hidden by
         * it: a key is found in memory first, and every replica loads new keys within the sync interval.
         */
        @WithDefault("10s")
        Duration unknownIdWindow();
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

        /**
         * Requests kept per key (the console pages through them), from 100 to 10000. Each takes about 150
         * bytes in the store: 1000 keys at the default keep about 150 MB at most in Redis.
         */
        @WithDefault("1000")
        int kept();
    }

    /**
     * Notifications (docs/notifications.md): a webhook and/or e-mail, each off until its address is set. Each
     * occurrence of an event is sent once across all replicas, and once more when it clears.
     */
    interface Notify {
        /** The webhook channel. */
        Webhook webhook();

        /** The e-mail channel and its SMTP server. */
        Email email();

        /** The console's address put in every message; unset: {@code public-url} plus {@code /console}. */
        Optional<URI> consoleUrl();

        /** How often each replica looks at the conditions that are notified. At least 1 s. */
        @WithDefault("30s")
        Duration checkInterval();

        /** How long refreshing a grant must keep failing (the old token still valid) before it is notified. */
        @WithDefault("15m")
        Duration refreshFailingFor();

        /** How long a circuit toward Keap must stay open (or probing) before it is notified. */
        @WithDefault("5m")
        Duration circuitOpenFor();

        /** How long Redis must stay unreachable (limits decided locally) before it is notified. */
        @WithDefault("5m")
        Duration redisUnreachableFor();

        /** A key expiring within this time is notified (once per key and expiry). */
        @WithDefault("7d")
        Duration keyExpiryWarning();

        /** Keap's daily quota left, in percent, below which the quota is notified as low. 1 to 99. */
        @WithDefault("10")
        int quotaLowPercent();

        /** An occurrence still not cleared after this long is sent again, as a reminder. */
        @WithDefault("7d")
        Duration repeatAfter();

        /** Retries of a message a channel did not accept. */
        Delivery delivery();

        /** A webhook: JSON (or Slack's {@code {"text": ...}}) POSTed to {@code url}, signed with {@code secret}. */
        interface Webhook {
            /** Where messages are POSTed; unset: no webhook. Credentials in it are never shown nor logged. */
            Optional<URI> url();

            /** {@code json} (the gateway's own document) or {@code slack} (an incoming webhook's {@code text}). */
            @WithDefault("json")
            WebhookFormat format();

            /**
             * Key of the HMAC-SHA256 in {@code X-Keap-Gateway-Signature}; unset: messages are not signed. At least
             * 16 characters.
             */
            Optional<String> secret();
        }

        /** The two webhook formats. */
        enum WebhookFormat {
            /** The gateway's JSON document (docs/notifications.md "Payload"). */
            json,
            /** {@code {"text": "..."}}, what Slack's (and Mattermost's, Rocket.Chat's) incoming webhooks take. */
            slack
        }

        /** E-mail over SMTP, through Vert.x's mail client (the one Quarkus' mailer is built on). */
        interface Email {
            /** Recipients, comma-separated; unset: no e-mail. */
            Optional<java.util.List<String>> to();

            /** The sender address; required with {@link #to()}. */
            Optional<String> from();

            /** The SMTP server. */
            @WithDefault("localhost")
            String host();

            /** The SMTP port: 25, 587 with STARTTLS, 465 with TLS. */
            @WithDefault("25")
            int port();

            /** SMTP login, if the server asks for one. */
            Optional<String> username();

            /** SMTP password (keep it in the Secret). */
            Optional<String> password();

            /** TLS from the first byte (SMTPS, usually port 465). */
            @WithDefault("false")
            boolean tls();

            /** STARTTLS: {@code DISABLED}, {@code OPTIONAL} (when the server offers it) or {@code REQUIRED}. */
            @WithDefault("OPTIONAL")
            StartTls startTls();
        }

        /** Whether the SMTP connection is upgraded with STARTTLS. */
        enum StartTls {
            DISABLED, OPTIONAL, REQUIRED
        }

        /** How a message a channel refused or did not answer is retried. */
        interface Delivery {
            /** Attempts per message and channel, the first included. At least 1. */
            @WithDefault("6")
            int attempts();

            /** Pause before the first retry; doubled (with up to 20% jitter) each time. */
            @WithDefault("5s")
            Duration initialBackoff();

            /** Longest pause between two attempts. */
            @WithDefault("5m")
            Duration maxBackoff();

            /** Longest wait for one attempt (connect and answer, or the SMTP conversation). */
            @WithDefault("10s")
            Duration timeout();
        }
    }
}
