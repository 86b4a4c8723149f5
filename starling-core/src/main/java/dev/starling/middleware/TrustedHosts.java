package dev.starling.middleware;

import dev.starling.AsyncMiddleware;
import dev.starling.HttpException;
import dev.starling.Request;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Refuses requests whose {@code Host} header names a host this server does not answer to, Starlette's
 * {@code TrustedHostMiddleware}; {@code *.example.com} allows every subdomain. Runs on the event loop.
 *
 * <pre>{@code
 * app.middlewareAsync(TrustedHosts.of("example.com", "*.example.com"));
 * }</pre>
 */
public final class TrustedHosts implements AsyncMiddleware {

    private final List<String> hosts;

    private TrustedHosts(List<String> hosts) {
        this.hosts = hosts;
    }

    /** Returns the middleware allowing {@code hosts} (names without port; {@code *.domain} for subdomains). */
    public static TrustedHosts of(String... hosts) {
        if (hosts.length == 0) {
            throw new IllegalArgumentException("TrustedHosts needs at least one host name.");
        }
        return new TrustedHosts(List.of(hosts).stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
    }

    @Override
    public CompletionStage<Optional<Object>> before(Request request) {
        String host = request.header("host").orElse("").toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon);
        }
        for (String allowed : hosts) {
            if (allowed.equals("*") || allowed.equals(host)
                    || (allowed.startsWith("*.") && host.endsWith(allowed.substring(1)))) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
        }
        return CompletableFuture.failedFuture(new HttpException(400, "The Host header names a host this server "
                + "does not answer to."));
    }
}
