package dev.starling.bench;

import dev.starling.internal.routing.PathTemplate;
import dev.starling.internal.routing.RoutingTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one request among 100 routes (or 1,000: {@code extra}) with the real {@link RoutingTable}: one {@code lookup(method, rawPath)}, as
 * the app does for every request before binding, in nanoseconds per operation.
 *
 * <p>White-box: the table is built as {@code App} builds it, {@code router.add(method,
 * PathTemplate.parse(path), route)} for each route, in registration order. The app's value type
 * ({@code internal.Route}) is package-private; the router is generic and never looks at the value, so here
 * the value is the route's name. The 100 routes are a REST API: CRUD on 12 resources, nested resources with
 * one and two parameters, and static paths (health, auth, admin), with GET, POST, PUT, PATCH and DELETE.
 *
 * <table>
 * <caption>variants</caption>
 * <tr><td>{@code staticLate}</td><td>{@code GET /api/v1/admin/audit-log}, a static path registered 99th of
 * 100: static paths are one hash lookup, whatever their order</td></tr>
 * <tr><td>{@code templatedTwoParams}</td><td>{@code GET /api/v1/users/17/orders/4711}, matching
 * {@code /api/v1/users/{userId}/orders/{orderId}}, the last of the 8 six-segment templates (908 with
 * {@code extra = 900}): the segment tree follows {@code users}, so the others cost nothing</td></tr>
 * <tr><td>{@code miss}</td><td>{@code GET /api/v1/users/17/invoices/4711}, which no route matches (404): the
 * static map misses and all 8 six-segment templates are tried</td></tr>
 * </table>
 *
 * <pre>{@code
 * starling-bench/jmh Routing
 * starling-bench/jmh Routing -f 1 -wi 5 -i 3 -w 2s -r 2s     # a quick look
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class RoutingBenchmark {

    private static final String[] RESOURCES = {"users", "orders", "products", "carts", "payments", "shipments",
        "reviews", "coupons", "categories", "suppliers", "warehouses", "invoices"};

    /** The 40 routes after the 60 CRUD routes, in registration order. */
    private static final String[] MORE = {
        "GET /health",
        "GET /ready",
        "GET /metrics",
        "GET /api/v1/me",
        "PATCH /api/v1/me",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/logout",
        "POST /api/v1/auth/refresh",
        "GET /api/v1/search",
        "GET /api/v1/users/{userId}/orders",
        "POST /api/v1/users/{userId}/orders",
        "GET /api/v1/users/{userId}/addresses",
        "POST /api/v1/users/{userId}/addresses",
        "GET /api/v1/users/{userId}/addresses/{addressId}",
        "PUT /api/v1/users/{userId}/addresses/{addressId}",
        "DELETE /api/v1/users/{userId}/addresses/{addressId}",
        "GET /api/v1/products/{productId}/reviews",
        "POST /api/v1/products/{productId}/reviews",
        "GET /api/v1/products/{productId}/reviews/{reviewId}",
        "DELETE /api/v1/products/{productId}/reviews/{reviewId}",
        "GET /api/v1/orders/{orderId}/items",
        "GET /api/v1/orders/{orderId}/items/{itemId}",
        "GET /api/v1/orders/{orderId}/shipments/{shipmentId}",
        "POST /api/v1/orders/{orderId}/cancel",
        "POST /api/v1/orders/{orderId}/refund",
        "GET /api/v1/carts/{cartId}/items",
        "POST /api/v1/carts/{cartId}/items",
        "PUT /api/v1/carts/{cartId}/items/{itemId}",
        "DELETE /api/v1/carts/{cartId}/items/{itemId}",
        "POST /api/v1/carts/{cartId}/checkout",
        "GET /api/v1/categories/{categoryId}/products",
        "GET /api/v1/suppliers/{supplierId}/products/{productId}",
        "GET /api/v1/warehouses/{warehouseId}/stock/{productId}",
        "PUT /api/v1/warehouses/{warehouseId}/stock/{productId}",
        "GET /api/v1/users/{userId}/orders/{orderId}",
        "PATCH /api/v1/users/{userId}/orders/{orderId}",
        "GET /api/v1/admin/stats",
        "POST /api/v1/admin/reindex",
        "GET /api/v1/admin/audit-log",
        "GET /api/v2/search",
    };

    /**
     * Six-segment templates registered before the 100 ({@code /api/v1/extra-N/{id}/parts/{part}}), so the table
     * holds 100 or 1,000 routes; with the segment tree the variants cost the same either way.
     */
    @Param({"0", "900"})
    public int extra;

    private RoutingTable<String> router;

    /** The routes in registration order: CRUD on every resource, then {@link #MORE}. */
    static List<String> routes() {
        List<String> out = new ArrayList<>();
        for (String r : RESOURCES) {
            out.add("GET /api/v1/" + r);
            out.add("POST /api/v1/" + r);
            out.add("GET /api/v1/" + r + "/{id}");
            out.add("PUT /api/v1/" + r + "/{id}");
            out.add("DELETE /api/v1/" + r + "/{id}");
        }
        out.addAll(Arrays.asList(MORE));
        return out;
    }

    /** Builds the table once, as route registration does, and checks that every variant routes as it says. */
    @Setup
    public void setUp() {
        List<String> routes = new ArrayList<>();
        for (int i = 0; i < extra; i++) {
            routes.add("GET /api/v1/extra-" + i + "/{id}/parts/{part}");
        }
        routes.addAll(routes());
        if (routes.size() != 100 + extra) {
            throw new IllegalStateException("The benchmark has " + routes.size() + " routes, not " + (100 + extra));
        }
        router = new RoutingTable<>();
        for (String route : routes) {
            String[] parts = route.split(" ", 2);
            router.add(parts[0], PathTemplate.parse(parts[1]), route);
        }
        if (routes.indexOf("GET /api/v1/admin/audit-log") != 98 + extra) {
            throw new IllegalStateException("GET /api/v1/admin/audit-log is not the 99th of the 100 routes");
        }
        check(staticLate(), "GET /api/v1/admin/audit-log");
        check(templatedTwoParams(), "GET /api/v1/users/{userId}/orders/{orderId}", "17", "4711");
        RoutingTable.Match<String> miss = miss();
        if (miss.found() || miss.methodNotAllowed()) {
            throw new IllegalStateException("The miss matched " + miss);
        }
    }

    private static void check(RoutingTable.Match<String> match, String route, String... values) {
        if (!match.found() || !match.route().equals(route) || !Arrays.equals(match.values(), values)) {
            throw new IllegalStateException("Expected " + route + " " + Arrays.toString(values) + ", got " + match);
        }
    }

    /** A static path registered late. */
    @Benchmark
    public RoutingTable.Match<String> staticLate() {
        return router.lookup("GET", "/api/v1/admin/audit-log");
    }

    /** A template with two path parameters, behind 7 other templates of the same length. */
    @Benchmark
    public RoutingTable.Match<String> templatedTwoParams() {
        return router.lookup("GET", "/api/v1/users/17/orders/4711");
    }

    /** No route: a 404. */
    @Benchmark
    public RoutingTable.Match<String> miss() {
        return router.lookup("GET", "/api/v1/users/17/invoices/4711");
    }
}
