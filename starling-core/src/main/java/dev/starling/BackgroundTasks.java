package dev.starling;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Work to do after the response has been written, FastAPI's {@code BackgroundTasks}: declare a parameter of
 * this type and add tasks; they run in order once the client has its answer, plain ones on the threadpool,
 * asynchronous ones on the event loop. A failing task is logged and does not stop the next.
 *
 * <pre>{@code
 * @Post("/signup")
 * String signup(@Query String email, BackgroundTasks tasks) {
 *     tasks.add(() -> mailer.sendWelcome(email));
 *     return "ok";
 * }
 * }</pre>
 */
public interface BackgroundTasks {

    /** A blocking task. */
    @FunctionalInterface
    interface Task {
        /** Does the work. */
        void run() throws Exception;
    }

    /** Adds a blocking task; it runs on the threadpool after the response. */
    BackgroundTasks add(Task task);

    /** Adds an asynchronous task; it starts on the event loop after the response and must not block. */
    BackgroundTasks addAsync(Supplier<? extends CompletionStage<?>> task);
}
