/**
 * Ready-made middleware: CORS, trusted hosts and request ids.
 *
 * <pre>{@code
 * app.middlewareAsync(TrustedHosts.of("example.com", "*.example.com"))
 *    .middlewareAsync(Cors.builder().allowOrigins("https://app.example.com").allowMethods("GET", "POST").build())
 *    .middlewareAsync(RequestId.create());
 * }</pre>
 */
package dev.starling.middleware;
