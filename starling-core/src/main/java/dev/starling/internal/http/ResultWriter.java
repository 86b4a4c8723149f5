package dev.starling.internal.http;

import dev.starling.FileResponse;
import dev.starling.concurrent.Concurrency;
import dev.starling.internal.concurrent.Cleanup;
import dev.starling.internal.concurrent.ClosingIterator;
import dev.starling.internal.concurrent.LoopProbe;
import dev.starling.internal.files.StaticLookup;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.Iterator;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a handler's result into its response by the result's kind: a stream or iterator pulled on the
 * threadpool, a file, a stage awaited, a publisher streamed, anything else encoded whole. On the loop.
 */
final class ResultWriter {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");

    private ResultWriter() {
    }

    /** Sends {@code result} as the response of {@code exchange}, which has not responded yet. */
    static void respond(Exchange exchange, Object result) {
        if (result instanceof Stream<?> items) {
            // Pulled item by item on the threadpool; closing the iterator closes the stream (its onClose handlers).
            exchange.respond(Concurrency.iterateInThreadpool(new ClosingIterator<>(items)));
            return;
        }
        if (result instanceof Iterator<?> items) {
            exchange.respond(Concurrency.iterateInThreadpool(items));
            return;
        }
        if (result instanceof FileResponse file) {
            FileWriter.send(exchange, () -> file);
            return;
        }
        if (result instanceof StaticLookup lookup) {
            FileWriter.send(exchange, lookup::resolve);
            return;
        }
        if (result instanceof CompletionStage<?> stage) {
            stage.whenComplete((value, error) -> {
                try {
                    if (error != null) {
                        exchange.fail(error);
                    } else {
                        exchange.respond(value);
                    }
                } catch (Throwable t) {
                    // A stage swallows what its callbacks throw; a lost response would hang the client.
                    LOG.error("{} could not send its response to {} {}.", exchange.routeName, exchange.method,
                            exchange.uri, t);
                    exchange.abort();
                }
            });
            return;
        }
        if (result instanceof Flow.Publisher<?> publisher) {
            exchange.responded = true;
            StreamWriter s = new StreamWriter(exchange);
            exchange.stream = s;
            try {
                publisher.subscribe(s);
            } catch (Throwable t) {
                s.onError(t);
            }
            return;
        }
        // Encoding and writing (and compressing) the body is Starling's work, though it may run inside the span
        // the watchdog counts for the route's continuation: it says so if it takes too long.
        LoopProbe probe = LoopProbe.current();
        boolean wasWriting = probe != null && probe.writing(true);
        try {
            FullHttpResponse response;
            try {
                response = Results.encode(result, exchange.connection.shared().json());
            } catch (RuntimeException e) {
                exchange.fail(e);
                return;
            }
            ResponseWriter.write(exchange, response);
        } finally {
            if (probe != null) {
                probe.writing(wasWriting);
            }
        }
    }

    /** Closes a result that holds resources (a stream, a closeable iterator) when it will never be sent. */
    static void discard(Object result) {
        if (result instanceof Stream<?> items) {
            Cleanup.run("Closing the unsent stream " + items, items::close);
        } else if (result instanceof Iterator<?> && result instanceof AutoCloseable closeable) {
            Cleanup.run("Closing the unsent iterator " + result, closeable::close);
        } else if (result instanceof CompletionStage<?> stage) {
            stage.thenAccept(ResultWriter::discard);
        }
    }
}
