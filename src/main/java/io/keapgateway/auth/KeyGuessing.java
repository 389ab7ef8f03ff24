package io.keapgateway.auth;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Slows key guessing. Failed key checks ({@code invalid_key}: an unknown id or a wrong secret; a revoked or
 * expired key is a real key, not a guess) are counted per client address on this replica; once an address has failed more than
 * {@code keap-gateway.keys.guessing.max-failures} times within {@code failure-window}, its requests that carry
 * no valid key are answered 429 {@code rate_limited} for {@code block-duration}. It is consulted only after a
 * key check failed, so a request with a valid key is never slowed, from any address. Each block is logged
 * once and counted in {@value #BLOCKS}. IPv6 clients are counted per /64, which one host usually holds whole.
 */
@Singleton // no client proxy: it serves every proxied request (README "What the profile changed")
public class KeyGuessing {

    /** Micrometer counter of addresses blocked (one per block). */
    static final String BLOCKS = "keap_gateway_key_guessing_blocks";

    private static final Logger LOG = Logger.getLogger(KeyGuessing.class);
    /** Most addresses tracked at once (about 100 bytes each); beyond it, only the ones already tracked count. */
    private static final int MAX_ADDRESSES = 50_000;

    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
    private final int maxFailures;
    private final long windowMillis;
    private final long blockMillis;
    private final Clock clock;
    private final Counter blocks;

    KeyGuessing(GatewayConfig config, Clock clock, MeterRegistry registry) {
        GatewayConfig.Keys.Guessing guessing = config.keys().guessing();
        this.maxFailures = guessing.maxFailures();
        this.windowMillis = guessing.failureWindow().toMillis();
        this.blockMillis = guessing.blockDuration().toMillis();
        this.clock = clock;
        this.blocks = Counter.builder(BLOCKS)
                .description("Client addresses blocked for failing too many key checks")
                .register(registry);
    }

    /**
     * What to answer a request from {@code address} whose key was refused with {@code refused}: a 429 while
     * the address is blocked, else {@code refused} itself (counted when it is a failed key check).
     */
    public GatewayException refused(String address, GatewayException refused) {
        boolean failedCheck = refused.code() == ErrorCode.INVALID_KEY;
        if (!failedCheck && refused.code() != ErrorCode.MISSING_KEY) {
            return refused; // the key is valid (scope_denied, ip_denied): never slowed
        }
        String client = clientOf(address);
        long now = clock.millis();
        Tally tally = tallies.get(client);
        if (tally == null && failedCheck && room(now)) {
            tally = tallies.computeIfAbsent(client, c -> new Tally());
        }
        if (tally == null) {
            return refused;
        }
        Block block = failedCheck ? tally.fail(now) : tally.current(now);
        if (block.millis() <= 0) {
            return refused;
        }
        if (block.started()) {
            blocks.increment();
            LOG.warnf("Client %s failed more than %d key checks within %d s: its requests without a valid key "
                    + "are answered 429 for %d s", address, maxFailures, windowMillis / 1000, blockMillis / 1000);
        }
        return new GatewayException(ErrorCode.RATE_LIMITED,
                "Too many invalid keys were sent from this address; try again later with a valid key.",
                Map.of("Retry-After", Long.toString(Math.max(1, (block.millis() + 999) / 1000))));
    }

    /** True if another address may be tracked, after forgetting the ones whose window and block are over. */
    private boolean room(long now) {
        if (tallies.size() < MAX_ADDRESSES) {
            return true;
        }
        tallies.values().removeIf(tally -> tally.idle(now));
        return tallies.size() < MAX_ADDRESSES;
    }

    /** The unit counted: the address itself, or an IPv6 address's /64 (its first four groups). */
    static String clientOf(String address) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        String[] groups = address.split(":", 5);
        return groups.length < 5 ? address : String.join(":", groups[0], groups[1], groups[2], groups[3]) + "::/64";
    }

    /** How long an address stays blocked from now (0: not blocked), and whether this failure blocked it. */
    private record Block(long millis, boolean started) {
        static final Block NONE = new Block(0, false);
    }

    /** One address's failures in the current window, and its block. */
    private final class Tally {
        private long windowStart;
        private int failures;
        private long blockedUntil;

        /** Counts a failure, which may start a block. */
        synchronized Block fail(long now) {
            if (blockedUntil > now) {
                return new Block(blockedUntil - now, false);
            }
            if (now - windowStart >= windowMillis) {
                windowStart = now;
                failures = 0;
            }
            if (++failures <= maxFailures) {
                return Block.NONE;
            }
            blockedUntil = now + blockMillis;
            failures = 0;
            return new Block(blockMillis, true);
        }

        synchronized Block current(long now) {
            return blockedUntil > now ? new Block(blockedUntil - now, false) : Block.NONE;
        }

        synchronized boolean idle(long now) {
            return blockedUntil <= now && now - windowStart >= windowMillis;
        }
    }
}
