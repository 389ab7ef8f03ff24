package io.keapgateway.auth;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The CIDR ranges a key may be used from; empty means anywhere. IPv4 and IPv6. */
public final class IpAllowList {

    private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    private record Range(byte[] network, int prefixBits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int fullBytes = prefixBits / 8;
            for (int i = 0; i < fullBytes; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[fullBytes] & mask) == (network[fullBytes] & mask);
        }
    }

    private final List<Range> ranges;

    private IpAllowList(List<Range> ranges) {
        this.ranges = ranges;
    }

    /** Parses CIDRs such as {@code 203.0.113.0/24} or {@code 2001:db8::/32}; a bare address means one host. */
    public static IpAllowList parse(List<String> cidrs) {
        List<Range> ranges = new ArrayList<>();
        for (String cidr : cidrs == null ? List.<String>of() : cidrs) {
            String[] parts = cidr.trim().split("/", 2);
            byte[] network = literal(parts[0]).orElseThrow(() -> invalid(cidr));
            int bits = network.length * 8;
            if (parts.length == 2) {
                try {
                    bits = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    throw invalid(cidr);
                }
                if (bits < 0 || bits > network.length * 8) {
                    throw invalid(cidr);
                }
            }
            ranges.add(new Range(network, bits));
        }
        return new IpAllowList(List.copyOf(ranges));
    }

    /** True if the list is empty or some range contains {@code address} (a textual IP). */
    public boolean allows(String address) {
        if (ranges.isEmpty()) {
            return true;
        }
        byte[] bytes = literal(address).map(IpAllowList::unmapIpv4).orElse(null);
        return bytes != null && ranges.stream().anyMatch(range -> range.contains(bytes));
    }

    /** Only IP literals are accepted, so that parsing never triggers a DNS lookup. */
    private static java.util.Optional<byte[]> literal(String text) {
        String trimmed = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (!LITERAL.matcher(trimmed).matches() || (!trimmed.contains(":") && trimmed.chars().filter(c -> c == '.').count() != 3)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(InetAddress.getByName(trimmed).getAddress());
        } catch (UnknownHostException e) {
            return java.util.Optional.empty();
        }
    }

    /** {@code ::ffff:a.b.c.d} is the IPv4 client a.b.c.d seen through a dual-stack socket. */
    private static byte[] unmapIpv4(byte[] address) {
        if (address.length == 16 && new BigInteger(1, java.util.Arrays.copyOf(address, 10)).signum() == 0
                && address[10] == (byte) 0xff && address[11] == (byte) 0xff) {
            return java.util.Arrays.copyOfRange(address, 12, 16);
        }
        return address;
    }

    private static IllegalArgumentException invalid(String cidr) {
        return new IllegalArgumentException("'" + cidr + "' is not an IP address or CIDR range");
    }
}
