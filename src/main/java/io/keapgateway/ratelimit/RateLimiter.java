package io.keapgateway.ratelimit;

import io.keapgateway.config.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The gateway's limits (CONTRACT.md "Limits"): per key, per Keap connection across all replicas, and what
 * Keap itself reports. The proxy calls {@link #acquire} before forwarding a request and {@link #observe}
 * with every response Keap sends back.
 *
 * <p>Shared state lives in Redis and is decided by its script; a replica reserves small batches of each
 * bucket and spends them, and repeats a denial until the bucket refills, without asking Redis each time
 * ({@link Batches}). When Redis fails or does
 * not answer within {@link LimiterSettings#REDIS_TIMEOUT}, this replica decides alone with its share of
 * each limit (limit / the larger of the replicas seen recently and the configured floor), starting from
 * its share of the day's counts Redis last answered, until a heartbeat reaches Redis again. Redis alone
 * never makes a request fail.
 */
@Startup // the local-mode gauge and the heartbeat exist from the start, not from the first request
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(2);

    private final ReactiveRedisDataSource redis; // null: the memory store, one replica, no Redis at all
    private final LimiterSettings settings;
    private final LimitKeys keys;
    private final Clock clock;
    private final LimiterScript script;
    private final LocalLimiter local = new LocalLimiter();
    private final LocalMode mode;
    private final ReplicaCensus census;
    private final KeapObserver keap;
    private final Batches batches;
    private volatile boolean scriptLoaded;
    /** Consecutive Redis answers slower than the timeout. */
    private final AtomicInteger slowAnswers = new AtomicInteger();
    private static final int SLOW_ANSWERS_FOR_LOCAL_MODE = 3;

    @Inject
    RateLimiter(GatewayConfig config, Instance<ReactiveRedisDataSource> redis, Clock clock, MeterRegistry registry) {
        this(config.store() == GatewayConfig.StoreKind.memory ? null : redis.get(),
                LimiterSettings.from(config), clock, registry);
    }

    /** A limiter on the given Redis (null for none), for tests and for the constructor above. */
    RateLimiter(ReactiveRedisDataSource redis, LimiterSettings settings, Clock clock, MeterRegistry registry) {
        this.redis = redis;
        this.settings = settings;
        this.keys = new LimitKeys(settings.prefix());
        this.clock = clock;
        this.script = new LimiterScript(redis, keys);
        this.mode = new LocalMode(registry);
        this.census = new ReplicaCensus(redis, keys);
        this.keap = new KeapObserver(redis, keys, clock, new Backoff(() -> ThreadLocalRandom.current().nextDouble()));
        this.batches = new Batches(settings.batchMax(), settings.batchLifetime().toMillis());
    }

    @PostConstruct
    void start() {
        heartbeat().subscribe().with(ignored -> { }); // counts replicas, opens the connection, loads the script
    }

    /**
     * Decides one request and, when it is allowed, charges every limit it touches. Never fails: without
     * Redis the decision is local. Completes on the caller's Vert.x context when there is one.
     */
    public Uni<Decision> acquire(LimitRequest request) {
        Decision now = decideNow(request);
        return now != null ? Uni.createFrom().item(now) : ask(request);
    }

    /**
     * {@link #acquire} when this replica can decide at once, with nothing to wait for: Keap's block or report
     * seen here, local mode, a request of a batch it holds, a denial it knows; null when Redis must be asked.
     */
    public Decision decideNow(LimitRequest request) {
        long now = clock.millis();
        Verdict blocked = keap.blockedVerdict(request.connection(), now); // our own 429: no need to ask Redis
        if (blocked != null) {
            local.countDenied(request.connection(), request.keyId(), now); // Redis never saw it: count it here
            return blocked.toDecision();
        }
        // What Keap reported to this replica counts at once; Redis hears of it only at the next flush.
        KeapGate gate = keap.gate(request.connection());
        if (gate != null && gate.denies(request.highPriority(), now)) {
            local.countDenied(request.connection(), request.keyId(), now);
            return Candidate.choose(List.of(Candidate.keap(gate, request.highPriority(), now))).toDecision();
        }
        EffectiveLimits limits = settings.limitsFor(request);
        if (redis == null || mode.active()) {
            return decideLocally(request, limits);
        }
        Verdict held = batches.decideNow(request.connection(), request.keyId(), limits, now);
        return held == null ? null : held.toDecision();
    }

    /** Asks Redis (through this replica's batches), or decides locally when Redis fails. */
    private Uni<Decision> ask(LimitRequest request) {
        EffectiveLimits limits = settings.limitsFor(request);
        long now = clock.millis();
        // Redis's answer (and that of a reservation another request of the key is waiting for) comes back on
        // the caller's Vert.x context.
        Context context = Vertx.currentContext();
        Executor caller = context == null ? null : task -> context.runOnContext(ignored -> task.run());
        return batches.decide(request.connection(), request.keyId(), limits, census.replicas(), now,
                        batch -> script.reserve(request.connection(), request.keyId(), limits, batch, null)
                                .ifNoItem().after(settings.redisTimeout()).fail()
                                .invoke(answered -> {
                                    slowAnswers.set(0);
                                    local.remember(request.connection(), request.keyId(), answered.day(),
                                            answered.keyUsed(), answered.connectionUsed());
                                }),
                        caller)
                .map(Verdict::toDecision)
                .onFailure().recoverWithItem(failure -> {
                    // One slow answer is decided locally alone; only an error, or several slow answers in a
                    // row, switch the replica to local mode (where it counts on from Redis's last counts).
                    boolean slow = failure instanceof io.smallrye.mutiny.TimeoutException;
                    if (!slow || slowAnswers.incrementAndGet() >= SLOW_ANSWERS_FOR_LOCAL_MODE) {
                        mode.enter(failure, localReplicas());
                    }
                    return decideLocally(request, limits);
                });
    }

    /**
     * Learns from one Keap response: its {@code x-keap-*} quota headers, and on status 429 a block of the
     * connection for every replica. Does not block; any Redis write happens in the background.
     */
    public void observe(String connection, MultiMap keapResponseHeaders, int status) {
        observeAndShare(connection, keapResponseHeaders, status).subscribe().with(ignored -> { });
    }

    /** A key's counts for today (UTC). Blocking: call it from a worker thread. */
    public Usage usage(String connection, String keyId) {
        long day = LocalLimiter.day(clock.millis());
        Usage counted = local.usage(connection, keyId, day); // decided here without Redis
        if (redis == null) {
            return counted;
        }
        // Redis counts a batch when it is reserved, and the denials repeated here when they are settled.
        Usage batched = batches.pending(connection, keyId);
        Usage unsettled = new Usage(-batched.requestsToday(), batched.deniedToday());
        try {
            Map<String, String> fields = redis.hash(String.class)
                    .hmget(keys.key(connection, keyId), "day", "requests", "denied")
                    .await().atMost(ADMIN_TIMEOUT);
            if (!Long.toString(day).equals(fields.get("day"))) {
                return counted.plus(new Usage(0, unsettled.deniedToday()));
            }
            Usage stored = new Usage(number(fields.get("requests")), number(fields.get("denied")));
            return counted.plus(stored).plus(unsettled);
        } catch (RuntimeException e) {
            LOG.debugf("Usage not readable from Redis: %s", e.toString());
            return counted;
        }
    }

    /** Whether this replica decides limits alone because Redis is unreachable (the Redis fallback mode). */
    public boolean decidesLocally() {
        return mode.active();
    }

    /** What Keap last reported for the connection in answers to this replica: memory only, never blocks. */
    public Optional<KeapQuota> quotaSeenHere(String connection) {
        return keap.latest(connection);
    }

    /**
     * What Keap last reported for the connection, seen by any replica. Reads Redis unless called on an
     * event loop thread (then only what this replica saw).
     */
    public Optional<KeapQuota> lastReportedQuota(String connection) {
        Optional<KeapQuota> seen = keap.latest(connection);
        if (redis == null || mode.active() || Context.isOnEventLoopThread()) {
            return seen;
        }
        try {
            Optional<KeapQuota> shared = keap.shared(connection).await().atMost(ADMIN_TIMEOUT);
            if (seen.isEmpty() || shared.isPresent() && shared.get().observedAt().isAfter(seen.get().observedAt())) {
                return shared;
            }
        } catch (RuntimeException e) {
            LOG.debugf("Keap's report not readable from Redis: %s", e.toString());
        }
        return seen;
    }

    /**
     * Tells Redis this replica is alive, learns the replica count, and ends local mode once Redis answers
     * (loading the limiter script first: a Redis that was unreachable may have restarted without it).
     */
    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> heartbeat() {
        local.forgetIdle(clock.millis());
        if (redis == null) {
            return Uni.createFrom().voidItem();
        }
        boolean load = !scriptLoaded || mode.active();
        return census.beat()
                .chain(ignored -> load ? script.preload() : Uni.createFrom().voidItem())
                .ifNoItem().after(KeapObserver.WRITE_TIMEOUT).fail()
                .onItem().invoke(() -> {
                    scriptLoaded = true;
                    mode.leave();
                })
                .onFailure().invoke(failure -> mode.enter(failure, localReplicas()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Hands back what expired batches did not spend and counts the requests denied here, in Redis. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> settleBatches() {
        if (redis == null) {
            return Uni.createFrom().voidItem();
        }
        return batches.settle(clock.millis(), script::settle)
                .ifNoItem().after(KeapObserver.WRITE_TIMEOUT).recoverWithItem(() -> null);
    }

    /** Writes Keap's latest reports to Redis, each connection at most once per second. */
    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> flushKeapReports() {
        return keap.flush();
    }

    /**
     * {@link #observe}, completing once a 429's block has reached Redis (or failed to, within the write
     * timeout): the proxy relays Keap's 429 only then, so no replica asks Redis before the block is there.
     * Never fails.
     */
    public Uni<Void> observeAndShare(String connection, MultiMap keapResponseHeaders, int status) {
        return keap.observe(connection, keapResponseHeaders, status);
    }

    /** The replica count last seen, at least 1. */
    int replicas() {
        return census.replicas();
    }

    /** The replicas this one shares the limits with in local mode: those last counted, at least the floor. */
    int localReplicas() {
        return Math.max(census.replicas(), settings.localReplicaFloor());
    }

    private Decision decideLocally(LimitRequest request, EffectiveLimits limits) {
        int replicas = redis == null ? 1 : localReplicas(); // the memory store: one replica, whatever the floor
        EffectiveLimits share = limits.share(replicas);
        KeapGate gate = keap.gate(request.connection());
        return local.decide(request.connection(), request.keyId(), share, clock.millis(), gate, replicas).toDecision();
    }

    private static long number(String value) {
        return value == null ? 0 : Long.parseLong(value);
    }
}
