/**
 * Starling: a web framework with an event loop per core and a bounded threadpool for blocking code.
 * Only {@code dev.starling}, {@code dev.starling.concurrent}, {@code dev.starling.params},
 * {@code dev.starling.middleware}, {@code dev.starling.security} and {@code dev.starling.testing} are API;
 * everything under {@code dev.starling.internal} may change in any release.
 */
module dev.starling {
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.codec.http2;
    requires io.netty.handler;
    requires io.netty.transport.classes.epoll;
    // TestResponse.json() hands out Jackson's JsonNode, so users of the module read Jackson too.
    requires transitive tools.jackson.databind;
    requires org.slf4j;
    requires static jakarta.validation;
    requires static org.bouncycastle.pkix;
    requires static org.bouncycastle.provider;
    requires java.net.http;
    // The watchdog reads a loop's CPU clock and the collectors' pause times (ThreadMXBean, GarbageCollectorMXBean).
    requires java.management;

    exports dev.starling;
    exports dev.starling.concurrent;
    exports dev.starling.params;
    exports dev.starling.testing;
    exports dev.starling.middleware;
    exports dev.starling.security;
}
