package dev.starling.internal.http;

import dev.starling.Config;
import dev.starling.internal.concurrent.Cleanup;
import dev.starling.internal.params.ContentCoding;
import dev.starling.internal.params.FormData;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Decodes an exchange's form body once, in memory on the loop or with large parts spooled to temporary files
 * off it, and deletes those files when the exchange is over.
 */
final class Uploads {

    /** Form decoding is rare: a few shared locks spare every request the allocation of its own. */
    private static final ReentrantLock[] LOCKS = new ReentrantLock[16];

    static {
        for (int i = 0; i < LOCKS.length; i++) {
            LOCKS[i] = new ReentrantLock();
        }
    }

    private Uploads() {
    }

    /**
     * Returns the decoded form body of {@code exchange}, decoding it once: in memory on the event loop, else
     * with parts above {@code spoolAbove} bytes spooled to temporary files, which are deleted after the response.
     */
    static FormData decode(Exchange exchange, int spoolAbove) {
        FormData f = exchange.form;
        if (f != null) {
            return f;
        }
        boolean onLoop = exchange.ctx.executor().inEventLoop();
        // A lock, not synchronized: decoding may write files on a virtual thread, which must not pin it.
        ReentrantLock lock = lockOf(exchange);
        lock.lock();
        try {
            if (exchange.form == null) {
                ContentCoding.requireNone(exchange);
                Config config = exchange.shared().config();
                FormData decoded = FormData.decode(exchange.headers.get(HttpHeaderNames.CONTENT_TYPE), exchange.body,
                        !onLoop, spoolAbove, new FormData.Limits(config.maxFormParts(), config.maxHeaderSize()));
                exchange.form = decoded;
                if (decoded.hasTemporaryFiles()) {
                    if (exchange.formReleased || exchange.cancelled) {
                        Cleanup.run("Deleting the uploads of " + exchange, decoded::deleteFiles);
                    } else {
                        // Posted before the handler's result is, so it is registered before the response ends.
                        exchange.ctx.executor().execute(() -> {
                            if (exchange.cancelled) {
                                release(exchange);
                            } else {
                                exchange.afterResponse(() -> release(exchange));
                            }
                        });
                    }
                }
            }
            return exchange.form;
        } finally {
            lock.unlock();
        }
    }

    /** Deletes the spooled parts of the form, off the loop; later decodes delete theirs at once. */
    private static void release(Exchange exchange) {
        FormData f;
        ReentrantLock lock = lockOf(exchange);
        lock.lock();
        try {
            if (exchange.formReleased) {
                return;
            }
            exchange.formReleased = true;
            f = exchange.form;
        } finally {
            lock.unlock();
        }
        if (f != null && f.hasTemporaryFiles()) {
            Cleanup.run("Deleting the uploads of " + exchange, f::deleteFiles);
        }
    }

    private static ReentrantLock lockOf(Exchange exchange) {
        return LOCKS[(System.identityHashCode(exchange) & 0x7fffffff) % LOCKS.length];
    }
}
