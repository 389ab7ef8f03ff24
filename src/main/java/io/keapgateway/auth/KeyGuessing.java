package io.keapgateway.auth;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Slows key guessing. Failed key checks ({@code invalid_key}: an unknown id or a wrong secret; a revoked or
 * expired key is a real key, not a guess) are counted per client address on this replica; once an address has failed more than
 * {@code keap-gateway.keys.guessing.max-failures} times within {@code failure-window}, its requests that carry
 * no valid key are answered 429 {@code rate_limited} for {@code block-duration}. It is consulted only after a
 * key check failed, so a request with a valid key is never slowed, from any address. Each block is logged
 * once and counted in {@value #BLOCKS}. IPv6 clients are counted per /64, which one host usually holds whole.
 * At most {@value #MAX_ADDRESSES} addresses are tracked; past it the one that failed least recently is
 * forgotten, so that new addresses are always counted.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
@Startup // its counter exists at 0 from the start: Prometheus' increase() does not see a first block that creates it
public class KeyGuessing {

    /** Micrometer counter of addresses blocked (one per block). */
    static final String BLOCKS = "keap_gateway_key_guessing_blocks";

    private static final Logger LOG = Logger.getLogger(KeyGuessing.class);
    /** Most addresses tracked at once (about 100 bytes each); beyond it the least recently seen is forgotten. */
    static final int MAX_ADDRESSES = 50_000;
    /**
     * What an IPv6 literal may hold (hex digits, colons, an embedded IPv4 address). Starting with a hex digit
     * or a colon and holding a colon, the JDK parses it as a literal or refuses it, and never looks it up.
     */
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    /** Least recently used first; guarded by itself (it is touched only after a key check failed). */
    private final Map<String, Tally> tallies;
    private final int maxFailures;
    private final long windowMillis;
    private final long blockMillis;
    private final Clock clock;
    private final Counter blocks;

    @Inject
    KeyGuessing(GatewayConfig config, Clock clock, MeterRegistry registry) {
        this(config.keys().guessing().maxFailures(), config.keys().guessing().failureWindow(),
                config.keys().guessing().blockDuration(), MAX_ADDRESSES, clock, registry);
    }

    /** For tests: the table's size given ({@code maxAddresses}). */
    KeyGuessing(int maxFailures, Duration window, Duration block, int maxAddresses, Clock clock,
            MeterRegistry registry) {
        this.maxFailures = maxFailures;
        this.windowMillis = window.toMillis();
        this.blockMillis = block.toMillis();
        this.tallies = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Tally> eldest) {
                return size() > maxAddresses;
            }
        };
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
        Tally tally;
        synchronized (tallies) {
            tally = failedCheck ? tallies.computeIfAbsent(client, c -> new Tally()) : tallies.get(client);
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

    /**
     * The unit counted: an IPv4 address itself, or an IPv6 address's /64 in one canonical form whatever way
     * it was written ({@code 2001:db8::1}, a zone, brackets). An IPv4-mapped IPv6 address counts as its IPv4.
     */
    static String clientOf(String address) {
        String literal = address.startsWith("[") && address.endsWith("]")
                ? address.substring(1, address.length() - 1) : address;
        int zone = literal.indexOf('%');
        literal = zone < 0 ? literal : literal.substring(0, zone);
        if (literal.indexOf(':') < 0 || !IPV6_LITERAL.matcher(literal).matches()) {
            return address;
        }
        try {
            byte[] bytes = InetAddress.getByName(literal).getAddress(); // a literal: parsed, never looked up
            if (bytes.length == 4) {
                return InetAddress.getByAddress(bytes).getHostAddress();
            }
            Arrays.fill(bytes, 8, 16, (byte) 0);
            return InetAddress.getByAddress(bytes).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            return address; // not an address after all: counted as written
        }
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
    }
}
