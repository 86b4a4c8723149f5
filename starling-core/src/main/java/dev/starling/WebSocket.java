package dev.starling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of an object given to {@link Starling#include(Object)} as the handler of WebSockets opened
 * on a path template such as {@code /ws/{room}}.
 *
 * <p>The method takes a {@link WebSocketConnection} and any parameters a route can take (path, query and
 * header values, dependencies); they are bound and resolved before the upgrade, so a failure is answered as an
 * HTTP error (a dependency that throws {@code HttpException(403, ...)} refuses the socket). Where the handler
 * runs is decided by its return type: a {@code CompletionStage} runs on the event loop and the socket closes
 * when the stage completes; anything else is a blocking handler, run on a virtual thread of its own, and the
 * socket closes when it returns.
 *
 * <pre>{@code
 * @WebSocket("/ws/echo")
 * void echo(WebSocketConnection socket) {
 *     while (true) socket.send(socket.receiveText());
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface WebSocket {
    /** The path template, starting with {@code /}; {@code {name}} segments bind to parameters of that name. */
    String value();
}
