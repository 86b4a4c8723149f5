package dev.starling.internal.http;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The peers whose forwarding headers ({@code Forwarded}, {@code X-Forwarded-*}) are believed: IP addresses and
 * CIDR ranges, parsed once from the config, or {@code *} for every peer. Nothing is resolved through DNS.
 */
public final class TrustedProxies {

    /** Trusts no peer: forwarding headers are never read. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), false);

    private final List<IpSubnetFilterRule> ranges;
    private final boolean everyone;

    private TrustedProxies(List<IpSubnetFilterRule> ranges, boolean everyone) {
        this.ranges = ranges;
        this.everyone = everyone;
    }

    /** Returns the trusted proxies that {@code entries} list; see {@link #check}. */
    public static TrustedProxies of(List<String> entries) {
        if (entries.isEmpty()) {
            return NONE;
        }
        List<IpSubnetFilterRule> ranges = new ArrayList<>();
        boolean everyone = false;
        for (String entry : entries) {
            if (entry.strip().equals("*")) {
                everyone = true;
            } else {
                ranges.add(rule(entry));
            }
        }
        return new TrustedProxies(List.copyOf(ranges), everyone);
    }

    /**
     * Checks one entry: an IPv4 or IPv6 address ({@code 10.0.0.1}, {@code ::1}), a CIDR range
     * ({@code 10.0.0.0/8}, {@code fd00::/8}) or {@code *}; anything else fails with a sentence.
     */
    public static void check(String entry) {
        if (!entry.strip().equals("*")) {   // blanks around an entry are dropped, around an address as around *
            rule(entry);
        }
    }

    private static IpSubnetFilterRule rule(String entry) {
        String e = entry.strip();
        int slash = e.indexOf('/');
        String address = slash < 0 ? e : e.substring(0, slash);
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        InetAddress ip = literal(address);
        if (ip == null) {
            throw new IllegalArgumentException("The trusted proxy '" + entry + "' is not an IP address (such as "
                    + "10.0.0.1 or ::1), a CIDR range (such as 10.0.0.0/8 or fd00::/8) or *; host names are not "
                    + "resolved.");
        }
        int bits = ip instanceof Inet4Address ? 32 : 128;
        int prefix = bits;
        if (slash >= 0) {
            String digits = e.substring(slash + 1);
            prefix = digits.matches("\\d{1,3}") ? Integer.parseInt(digits) : -1;
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("The trusted proxy range '" + entry + "' needs a prefix length from"
                        + " 0 to " + bits + " after the '/'.");
            }
        }
        return new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT);
    }

    /** Returns true when no peer is trusted, so that forwarding headers are never looked at. */
    public boolean none() {
        return ranges.isEmpty() && !everyone;
    }

    /** Returns true when the connection's peer {@code address} is a trusted proxy. */
    boolean trusts(SocketAddress address) {
        if (everyone) {
            return true;
        }
        if (!(address instanceof InetSocketAddress socket) || socket.getAddress() == null) {
            return false;
        }
        return matches(socket.getAddress());
    }

    /** Returns true when {@code ip}, an address named by a forwarding header, is a trusted proxy. */
    boolean trusts(InetAddress ip) {
        return everyone || (ip != null && matches(ip));
    }

    private boolean matches(InetAddress ip) {
        InetSocketAddress socket = new InetSocketAddress(unmapped(ip), 0);
        for (IpSubnetFilterRule range : ranges) {
            if (range.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the address that {@code text}, an IP literal, writes, or null when it is none (no DNS lookup). */
    static InetAddress literal(String text) {
        if (!NetUtil.isValidIpV4Address(text) && !NetUtil.isValidIpV6Address(text)) {
            return null;
        }
        return unmapped(NetUtil.createInetAddressFromIpAddressString(text));
    }

    /** An IPv4 address written as IPv6 ({@code ::ffff:10.0.0.1}) is the IPv4 address, for ranges of either. */
    private static InetAddress unmapped(InetAddress ip) {
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException impossible) {
                    return ip;
                }
            }
        }
        return ip;
    }
}
