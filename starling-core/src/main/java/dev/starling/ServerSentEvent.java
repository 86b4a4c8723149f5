package dev.starling;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One server-sent event: a stream of them is sent as {@code text/event-stream}.
 *
 * <p>A handler that returns a {@code Flow.Publisher}, {@code Iterator} or {@code Stream} whose first item is a
 * {@code ServerSentEvent} gets a {@code text/event-stream} response with {@code cache-control: no-cache}; each
 * event is written in the SSE wire format, its data split into one {@code data:} line per line.
 *
 * <pre>{@code
 * @Get("/ticks")
 * Stream<ServerSentEvent> ticks() {
 *     return clock.ticks().map(t -> ServerSentEvent.of(t.toString()).withEvent("tick"));
 * }
 * }</pre>
 *
 * @param data  the event's data; may hold several lines
 * @param event the event type ({@code event:}), if any
 * @param id    the event id ({@code id:}), if any
 * @param retry the reconnection time the client should use ({@code retry:}), if any
 */
public record ServerSentEvent(String data, Optional<String> event, Optional<String> id, Optional<Duration> retry) {

    /** Checks the fields: none null, and no line break in the event type or id. */
    public ServerSentEvent {
        Objects.requireNonNull(data, "The data of a server-sent event must not be null; use \"\" for none.");
        Objects.requireNonNull(event, "The event type must not be null; use Optional.empty() for none.");
        Objects.requireNonNull(id, "The event id must not be null; use Optional.empty() for none.");
        Objects.requireNonNull(retry, "The retry time must not be null; use Optional.empty() for none.");
        event.ifPresent(e -> checkLine(e, "event type"));
        id.ifPresent(i -> {
            checkLine(i, "event id");
            if (i.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("An event id must not contain NUL; browsers ignore such ids.");
            }
        });
        retry.ifPresent(r -> {
            if (r.isNegative()) {
                throw new IllegalArgumentException("The retry time must not be negative, but it is " + r + ".");
            }
        });
    }

    /** Returns an event with {@code data} and no type, id or retry time. */
    public static ServerSentEvent of(String data) {
        return new ServerSentEvent(data, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Returns a copy with the event type {@code event}. */
    public ServerSentEvent withEvent(String event) {
        return new ServerSentEvent(data, Optional.of(Objects.requireNonNull(event, "The event type must not be null.")),
                id, retry);
    }

    /** Returns a copy with the event id {@code id}. */
    public ServerSentEvent withId(String id) {
        return new ServerSentEvent(data, event, Optional.of(Objects.requireNonNull(id, "The event id must not be null.")),
                retry);
    }

    /** Returns a copy that tells the client to wait {@code retry} before reconnecting. */
    public ServerSentEvent withRetry(Duration retry) {
        return new ServerSentEvent(data, event, id,
                Optional.of(Objects.requireNonNull(retry, "The retry time must not be null.")));
    }

    /** Returns a copy with {@code data}. */
    public ServerSentEvent withData(String data) {
        return new ServerSentEvent(data, event, id, retry);
    }

    /** Returns the event in the SSE wire format, ending with the blank line that dispatches it. */
    public String encode() {
        StringBuilder out = new StringBuilder(data.length() + 16);
        event.ifPresent(e -> out.append("event: ").append(e).append('\n'));
        id.ifPresent(i -> out.append("id: ").append(i).append('\n'));
        retry.ifPresent(r -> out.append("retry: ").append(r.toMillis()).append('\n'));
        int start = 0;
        for (int i = 0; i <= data.length(); i++) {
            char c = i < data.length() ? data.charAt(i) : '\n';
            if (c == '\n' || c == '\r') {
                out.append("data: ").append(data, start, i).append('\n');
                if (c == '\r' && i + 1 < data.length() && data.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        return out.append('\n').toString();
    }

    private static void checkLine(String value, String what) {
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("The " + what + " of a server-sent event must be one line, but '"
                    + value.replace("\r", "\\r").replace("\n", "\\n") + "' has a line break.");
        }
    }
}
