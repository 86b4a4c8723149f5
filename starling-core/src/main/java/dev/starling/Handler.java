package dev.starling;

/**
 * A handler written in blocking style: Starling offloads it to the default threadpool.
 *
 * <pre>{@code
 * app.get("/report", request -> reports.build());   // runs on a starling-worker thread
 * }</pre>
 */
@FunctionalInterface
public interface Handler {

    /** Handles one request and returns the response body, a {@link Response}, or null for 204. */
    Object handle(Request request) throws Exception;
}
