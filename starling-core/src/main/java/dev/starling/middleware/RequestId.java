package dev.starling.middleware;

import dev.starling.AsyncMiddleware;
import dev.starling.Request;
import dev.starling.ResponseHead;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Gives every request an id: the client's {@code x-request-id} if it sent one, else a new UUID. Handlers find
 * it in {@code request.state().get("request-id", String.class)}; the response carries it back. Runs on the
 * event loop.
 *
 * <pre>{@code
 * app.middlewareAsync(RequestId.create());
 * }</pre>
 */
public final class RequestId implements AsyncMiddleware {

    /** The name under which the id is kept in {@link Request#state()}. */
    public static final String STATE_NAME = "request-id";

    private final String header;

    private RequestId(String header) {
        this.header = header;
    }

    /** Returns the middleware using the {@code x-request-id} header. */
    public static RequestId create() {
        return new RequestId("x-request-id");
    }

    /** Returns the middleware using {@code header}. */
    public static RequestId header(String header) {
        return new RequestId(header);
    }

    @Override
    public CompletionStage<Optional<Object>> before(Request request) {
        String id = request.header(header).filter(v -> !v.isBlank() && v.length() <= 200)
                .orElseGet(RequestId::newId);
        request.state().put(STATE_NAME, id);
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /** A random (version 4) UUID from the loop's own generator: the JDK's shared SecureRandom would be a lock. */
    private static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    @Override
    public CompletionStage<Void> after(Request request, ResponseHead response) {
        request.state().get(STATE_NAME, String.class).ifPresent(id -> response.header(header, id));
        return AsyncMiddleware.done();
    }
}
