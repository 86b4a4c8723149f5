package dev.starling;

import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test class when Netty's leak detector reports a {@code ByteBuf} that became garbage without being
 * released while the class ran.
 *
 * <p>Registered for every test class through {@code META-INF/services} (with
 * {@code junit.jupiter.extensions.autodetection.enabled} in {@code junit-platform.properties}); the surefire
 * {@code argLine} sets {@code -Dio.netty.leakDetection.level=paranoid} so that every buffer is tracked. After
 * the class, one garbage collection finds the unreleased buffers and a few allocations let the detector
 * report them; the leak is then named with the stack the detector recorded for it.
 */
public final class NettyLeakDetection implements BeforeAllCallback, AfterAllCallback {

    private static final String DETECTOR_LOGGER = "io.netty.util.ResourceLeakDetector";
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(NettyLeakDetection.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        ListAppender<ILoggingEvent> reports = new ListAppender<>();
        reports.setName("netty-leaks-" + context.getRequiredTestClass().getSimpleName());
        reports.start();
        detectorLogger().addAppender(reports);
        context.getStore(NAMESPACE).put(ListAppender.class, reports);
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        @SuppressWarnings("unchecked")
        ListAppender<ILoggingEvent> reports = context.getStore(NAMESPACE).remove(ListAppender.class, ListAppender.class);
        if (reports == null) {
            return;
        }
        List<String> leaks;
        try {
            letTheDetectorReport();
        } finally {
            detectorLogger().detachAppender(reports);
            reports.stop();
        }
        synchronized (reports) {
            leaks = reports.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(message -> message.startsWith("LEAK")).toList();
        }
        if (!leaks.isEmpty()) {
            fail(context.getRequiredTestClass().getSimpleName() + " leaked ByteBufs: Netty's leak detector made "
                    + leaks.size() + " report(s) (one per distinct stack):\n\n"
                    + leaks.stream().collect(Collectors.joining("\n\n")));
        }
    }

    /**
     * Collects the garbage and lets the detector look at it: a buffer found unreleased is reported when the
     * next buffer is tracked, so a few are allocated and released.
     */
    private static void letTheDetectorReport() throws InterruptedException {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        // The references this collection cleared are queued together: once the sentinel's is there, so are the
        // detector's, give or take the moments the reference handler needs for the rest of its batch.
        queue.remove(TimeUnit.SECONDS.toMillis(2));
        Reference.reachabilityFence(sentinel);
        for (int i = 0; i < 3; i++) {
            PooledByteBufAllocator.DEFAULT.buffer(16).release();
            PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
            Thread.sleep(5);
        }
    }

    private static Logger detectorLogger() {
        return (Logger) LoggerFactory.getLogger(DETECTOR_LOGGER);
    }
}
