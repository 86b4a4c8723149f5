package dev.starling.internal.http;

import dev.starling.HttpException;
import dev.starling.WebSocketConnection;
import dev.starling.internal.concurrent.Observers;
import dev.starling.internal.Durations;
import dev.starling.internal.concurrent.Context;
import dev.starling.internal.concurrent.OffloadTask;
import dev.starling.internal.concurrent.Scope;
import dev.starling.internal.params.FormData;
import dev.starling.internal.params.SocketSource;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response on one connection: the request as read (see {@link RequestView}), the
 * {@link Scope} that owns its offloaded work, its time limit, and the entry points of its answer. The
 * writers of the answer ({@link ResultWriter} and those it calls) keep their state here. Everything but
 * {@link #track}, {@link #untrack} and the request getters runs on the connection's loop.
 */
public final class Exchange extends RequestView implements Scope, FormData.Source, SocketSource {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");

    final ConnectionHandler connection;
    final boolean keepAlive;
    /** The status of the response head that went out, for observers. */
    int status;
    /** When the request was read (nanoTime), when anyone observes requests; 0 otherwise. */
    private final long arrivedAt;
    volatile boolean cancelled;
    boolean responded;
    /** The failure has been offered to the exception handlers (or must not be): the next one is answered as is. */
    boolean userHandled;
    /** The request's offloaded tasks: null, one task, or an array (see {@link TaskScope}). */
    volatile Object tasks;
    StreamWriter stream;
    /** The request's time limit, when it has one; cancelled once the response is over. */
    private ScheduledFuture<?> deadline;
    /** Set once the request was answered 504: work it offloads afterwards is cancelled, unless promised. */
    private volatile boolean expired;
    private List<Runnable> afterResponse;
    /** The request's context: its scope and the context values set for it so far (by middleware, say). */
    private volatile Context context;
    /** What failed the request, first: kept for the dependencies' cleanup; null while nothing has. */
    private volatile Throwable failure;
    /** The bytes of the body budget this request's body holds until the exchange is over; on the loop. */
    long budgeted;
    /** The decoded form body, once something asked for it (see {@link Uploads}). */
    volatile FormData form;
    boolean formReleased;
    /** The WebSocket this request opens, made when its handler's parameters are bound. */
    private WebSocketSession socket;
    /** The WebSocket's exchange is over; on the loop. */
    private boolean socketEnded;

    Exchange(ConnectionHandler connection, ChannelHandlerContext ctx, String method, String uri, HttpHeaders headers,
             byte[] body, boolean keepAlive) {
        super(ctx, method, uri, headers, body);
        this.connection = connection;
        this.keepAlive = keepAlive;
        this.arrivedAt = connection.shared().observer().isPresent() ? System.nanoTime() : 0L;
    }

    @Override
    Shared shared() {
        return connection.shared();
    }

    /** Runs {@code r} on this exchange's loop: at once when already there, else posted to it. */
    public void onLoop(Runnable r) {
        if (ctx.executor().inEventLoop()) {
            r.run();
        } else {
            ctx.executor().execute(r);
        }
    }

    /** Returns a stage with {@code stage}'s outcome, completed on this exchange's loop. */
    public <T> CompletableFuture<T> onLoop(CompletionStage<? extends T> stage) {
        CompletableFuture<T> here = new CompletableFuture<>();
        stage.whenComplete((value, error) -> onLoop(() -> {
            if (error != null) {
                here.completeExceptionally(error);
            } else {
                here.complete(value);
            }
        }));
        return here;
    }

    /** Returns the event loop of this exchange's connection. */
    public EventExecutor loop() {
        return ctx.executor();
    }

    @Override
    public boolean formDecoded() {
        return form != null;
    }

    @Override
    public FormData formData() {
        return Uploads.decode(this, 1024 * 1024);
    }

    /** Returns the decoded form body; off the loop, parts above {@code spoolAbove} bytes go to temporary files. */
    public FormData formData(int spoolAbove) {
        return Uploads.decode(this, spoolAbove);
    }

    @Override
    public void track(OffloadTask<?> task) {
        TaskScope.add(this, task);
        if (cancelled || (expired && !task.promised())) {
            task.cancel(true);   // the request has been answered: only work promised to it may still run
        }
    }

    @Override
    public void untrack(OffloadTask<?> task) {
        TaskScope.remove(this, task);
    }

    @Override
    public String routeName() {
        return routeName;
    }

    /**
     * Gives the request {@code nanos} to start its response; past it the client gets 504 and the request's
     * offloaded work is cancelled. Runs on the loop.
     */
    public void deadline(long nanos) {
        if (deadline != null) {
            return;   // routed twice (a form decoded off the loop comes back here): the first limit stands
        }
        deadline = ctx.executor().schedule(() -> timedOut(nanos), nanos, TimeUnit.NANOSECONDS);
    }

    private void timedOut(long nanos) {
        if (responded || cancelled) {
            return;
        }
        // The handler's work so far; what the 504 starts (the middleware's after-phase) must not be cancelled.
        Object handlersWork = tasks;
        expired = true;
        // The timeout is the server's answer, not a failure of the handler's to offer to its exception handlers.
        userHandled = true;
        failed(new CancellationException("The request took longer than its time limit of "
                + Durations.describe(nanos) + "."));
        fail(new RequestTimedOut(method + " " + routeTemplate, nanos));
        // After the 504: a cancelled stage completes on this loop at once and would answer first.
        TaskScope.cancelAll(handlersWork);
    }

    /** The client is gone: cancel offloaded work and stop the stream; nothing more is written. */
    void cancel() {
        failed(new CancellationException("The client went away before the response was sent."));
        cancelled = true;
        TaskScope.cancelAll(tasks);
        StreamWriter s = stream;
        if (s != null) {
            s.cancel();
        }
    }

    /** Sends a handler's result, whatever its kind; may be called from any thread. */
    public void respond(Object result) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> respond(result));
            return;
        }
        if (responded || cancelled) {
            ResultWriter.discard(result);
            return;
        }
        ResultWriter.respond(this, result);
    }

    /** Sends the response for a failure; may be called from any thread. */
    public void fail(Throwable error) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> fail(error));
            return;
        }
        if (responded || cancelled) {
            return;
        }
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        failed(e);
        if (!userHandled) {
            // Set before the handler runs: a handler that fails at once (or is refused a token) re-enters here.
            userHandled = true;
            if (connection.shared().port().recover(this, e)) {
                return;
            }
        }
        ResponseWriter.write(this, ErrorResponses.of(e, this, connection.shared().json()));
    }

    /** Returns the request's context: this request as the scope, with the values its code has set. */
    public Context context() {
        Context c = context;
        if (c == null) {
            c = Context.forScope(this);
            context = c;
        }
        return c;
    }

    /**
     * Keeps {@code c} as the request's context: values that middleware set are then seen by the handler and by
     * the after phase, as a request id should be.
     */
    @Override
    public void contextChanged(Context c) {
        if (c.scope() == this) {
            context = c;
        }
    }

    private void failed(Throwable e) {
        if (failure == null) {
            failure = e;
        }
    }

    /** Returns what failed the request first (the handler, a dependency, its time limit, the client leaving). */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Closes a handler's result that its cancelled task will never deliver. */
    public static void discardResult(Object result) {
        ResultWriter.discard(result);
    }

    /** Something went wrong while answering: close the connection rather than leave the client waiting. */
    public void abort() {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(this::abort);
            return;
        }
        responded = true;
        ctx.close();
    }

    /** Returns true when the response must close the connection: the client or the server's shutdown asks so. */
    boolean closes() {
        return !keepAlive || connection.shared().inFlight().draining();
    }

    /**
     * Runs {@code action} once the exchange is over: its response written (or failed to write) or its
     * connection gone. Actions run on the loop in the order they were added; each must not block.
     */
    public void afterResponse(Runnable action) {
        if (afterResponse == null) {
            afterResponse = new ArrayList<>(2);
        }
        afterResponse.add(action);
    }

    /** The exchange is over: run the after-response actions, once. */
    void over() {
        giveBackBody();
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (arrivedAt != 0L && status != 0) {
            connection.shared().observer().ifPresent(o -> Observers.requestEnded(o, method, routeTemplate, status,
                    System.nanoTime() - arrivedAt));
        }
        List<Runnable> actions = afterResponse;
        afterResponse = null;
        if (actions != null) {
            for (Runnable action : actions) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.error("An after-response action of {} failed.", routeName, e);
                }
            }
        }
    }

    // ---- a WebSocket opened by this request ----

    @Override
    public WebSocketConnection webSocket() {
        return session();
    }

    WebSocketSession session() {
        if (socket == null) {
            socket = new WebSocketSession(this);
        }
        return socket;
    }

    /** Returns why this request cannot open a WebSocket, as the HTTP error to answer; empty when it can. */
    public Optional<HttpException> webSocketRefusal() {
        return WebSocketUpgrade.refusal(this);
    }

    /**
     * Answers 101 and turns the connection into a WebSocket; the stage completes once the socket is open, on the
     * loop. Empty when the client has already gone: the connection has ended the exchange then.
     */
    public Optional<CompletionStage<WebSocketConnection>> acceptWebSocket() {
        if (cancelled || !ctx.channel().isActive()) {
            return Optional.empty();
        }
        responded = true;
        return Optional.of(WebSocketUpgrade.accept(this));
    }

    /**
     * The WebSocket's handler has ended ({@code error} null when it returned): the socket is closed if it is still
     * open, and the exchange is over, as a written response ends one. Any thread.
     */
    public void webSocketEnded(Throwable error) {
        onLoop(() -> {
            if (socketEnded) {
                return;   // an async handler's stage completing after its socket closed
            }
            socketEnded = true;
            session().handlerEnded(error);
            over();
            connection.shared().inFlight().done();
        });
    }

    /** Gives the body's bytes back to the server's body budget, once. */
    void giveBackBody() {
        connection.shared().bodies().giveBack(budgeted);
        budgeted = 0;
    }

    /** The socket has closed: the request's offloaded work is cancelled, as when an HTTP client goes away. */
    void socketClosed() {
        cancelled = true;
        TaskScope.cancelAll(tasks);
    }

    /** The socket can take more: resume a paused stream. */
    void writable() {
        StreamWriter s = stream;
        if (s != null) {
            s.writable();
        }
    }
}
