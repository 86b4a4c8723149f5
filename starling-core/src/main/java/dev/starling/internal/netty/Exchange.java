package dev.starling.internal.netty;

import dev.starling.HttpException;
import dev.starling.Request;
import dev.starling.concurrent.CapacityExceededException;
import dev.starling.internal.binding.FormData;
import dev.starling.internal.binding.ValidationFailure;
import dev.starling.internal.concurrent.Cleanup;
import dev.starling.internal.concurrent.OffloadTask;
import dev.starling.internal.concurrent.Scope;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response on one connection: the {@link Request} that handlers see, the
 * {@link Scope} that owns its offloaded work, and the writer of its response. Everything but
 * {@link #track}, {@link #untrack} and the {@link Request} getters runs on the connection's loop.
 */
public final class Exchange implements Request, Scope, FormData.Source {

    private static final Logger LOG = LoggerFactory.getLogger("dev.starling.errors");
    private static final RefusalLog REFUSALS = new RefusalLog(LOG);
    private static final String[] NO_VALUES = new String[0];
    private static final VarHandle TASKS;

    static {
        try {
            TASKS = MethodHandles.lookup().findVarHandle(Exchange.class, "tasks", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConnectionHandler connection;
    private final ChannelHandlerContext ctx;
    private final String method;
    private final String uri;
    private final HttpHeaders headers;
    private final byte[] body;
    private final boolean keepAlive;
    private final boolean head;
    private String routeName = "(no route)";
    /** The matched route's template, for observers; "unmatched" until a route matches. */
    private String routeTemplate = "unmatched";
    /** The status of the response head that went out, for observers. */
    private int status;
    /** When the request was read (nanoTime), when anyone observes requests; 0 otherwise. */
    private final long arrivedAt;
    private List<String> pathNames = List.of();
    private String[] pathValues = NO_VALUES;
    private QueryStringDecoder query;
    private volatile boolean cancelled;
    private boolean responded;
    private boolean userHandled;
    /** The request's offloaded tasks: null, one task, or an array; updated by CAS since workers add to it too. */
    private volatile Object tasks;
    private Stream stream;
    /** The request's time limit, when it has one; cancelled once the response is over. */
    private java.util.concurrent.ScheduledFuture<?> deadline;
    /** Set once the request was answered 504: work it offloads afterwards is cancelled, unless promised. */
    private volatile boolean expired;
    private java.util.List<Runnable> afterResponse;
    /** Form decoding is rare: a few shared locks spare every request the allocation of its own. */
    private static final java.util.concurrent.locks.ReentrantLock[] FORM_LOCKS = new java.util.concurrent.locks.ReentrantLock[16];

    static {
        for (int i = 0; i < FORM_LOCKS.length; i++) {
            FORM_LOCKS[i] = new java.util.concurrent.locks.ReentrantLock();
        }
    }

    /** The decoded form body, once something asked for it; guarded by {@link #formLock()} while decoding. */
    private volatile FormData form;
    /** The cookies, decoded on first use. */
    private volatile Map<String, String> cookies;
    private boolean formReleased;
    private volatile dev.starling.AppState state;

    Exchange(ConnectionHandler connection, ChannelHandlerContext ctx, String method, String uri, HttpHeaders headers,
             byte[] body, boolean keepAlive) {
        this.connection = connection;
        this.ctx = ctx;
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.keepAlive = keepAlive;
        this.head = method.equals("HEAD");
        this.arrivedAt = connection.server().observer().isPresent() ? System.nanoTime() : 0L;
    }

    /** Records the matched route: its name for logs, its template for observers and the path values in template order. */
    public void matched(String routeName, String template, List<String> names, String[] values) {
        this.routeName = routeName;
        this.routeTemplate = template;
        this.pathNames = names;
        this.pathValues = values;
    }

    /** Returns the path part of the request target, still percent-encoded. */
    public String rawPath() {
        int end = uri.length();
        int q = uri.indexOf('?');
        if (q >= 0) {
            end = q;
        }
        int hash = uri.indexOf('#');
        if (hash >= 0 && hash < end) {
            end = hash;
        }
        String path = uri.substring(0, end);
        if (!path.startsWith("/")) {
            // absolute-form (GET http://host/path): keep only the path
            int scheme = path.indexOf("://");
            int slash = scheme < 0 ? -1 : path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        return path;
    }

    /**
     * Returns why the request target cannot be percent-decoded, as a sentence for a 400, or null when it can:
     * every {@code %} in the path and the query starts an escape of two hexadecimal digits, and each run of
     * escapes makes valid UTF-8 (which the decoder would otherwise turn into U+FFFD, or fail on with a 500).
     */
    public String undecodableTarget() {
        int end = uri.indexOf('#');
        if (end < 0) {
            end = uri.length();
        }
        int percent = uri.indexOf('%');
        if (percent < 0 || percent >= end) {
            return null;
        }
        int q = uri.indexOf('?');
        if (q < 0 || q > end) {
            q = end;
        }
        String problem = undecodable(uri, 0, q, "path");
        return problem != null || q == end ? problem : undecodable(uri, q + 1, end, "query");
    }

    private static String undecodable(String s, int from, int to, String part) {
        byte[] run = null;
        for (int i = s.indexOf('%', from); i >= 0 && i < to; i = s.indexOf('%', i)) {
            int n = 0;
            boolean ascii = true;
            while (i < to && s.charAt(i) == '%') {
                int hi = i + 1 < to ? hex(s.charAt(i + 1)) : -1;
                int lo = i + 2 < to ? hex(s.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    return "The request " + part + " holds '" + s.substring(i, Math.min(i + 3, to))
                            + "', which is not a percent-encoded byte.";
                }
                if (run == null) {
                    run = new byte[(to - from) / 3];
                }
                run[n++] = (byte) (hi << 4 | lo);
                ascii &= hi < 8;
                i += 3;
            }
            if (!ascii) {
                try {
                    StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(run, 0, n));
                } catch (java.nio.charset.CharacterCodingException e) {
                    return "The request " + part + " is not valid UTF-8 once percent-decoded.";
                }
            }
        }
        return null;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** Returns the middleware's view of a response head. */
    public static dev.starling.ResponseHead headOf(HttpResponse response) {
        return new NettyResponseHead(response);
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
    public io.netty.util.concurrent.EventExecutor loop() {
        return ctx.executor();
    }

    boolean keepAlive() {
        return keepAlive;
    }

    // ---- Request ----

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return new QueryStringDecoder(rawPath()).path();
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public Optional<String> pathParam(String name) {
        int i = pathNames.indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(pathValues[i]);
    }

    @Override
    public Optional<String> query(String name) {
        List<String> values = decoder().parameters().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    @Override
    public List<String> queryAll(String name) {
        List<String> values = decoder().parameters().get(name);
        return values == null ? List.of() : List.copyOf(values);
    }

    private QueryStringDecoder decoder() {
        QueryStringDecoder d = query;
        if (d == null) {
            d = new QueryStringDecoder(uri);
            query = d;
        }
        return d;
    }

    @Override
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    @Override
    public List<String> headers(String name) {
        return headers.getAll(name);
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** Returns the body's length in bytes, without copying it. */
    public int bodyLength() {
        return body.length;
    }

    @Override
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> cookie(String name) {
        Map<String, String> c = cookies;
        if (c == null) {
            c = new java.util.HashMap<>();
            for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
                for (io.netty.handler.codec.http.cookie.Cookie cookie
                        : io.netty.handler.codec.http.cookie.ServerCookieDecoder.STRICT.decodeAll(header)) {
                    c.putIfAbsent(cookie.name(), cookie.value());
                }
            }
            cookies = c;
        }
        return Optional.ofNullable(c.get(name));
    }

    @Override
    public boolean formDecoded() {
        return form != null;
    }

    @Override
    public byte[] rawBody() {
        return body;
    }

    @Override
    public FormData formData() {
        return formData(1024 * 1024);
    }

    /**
     * Returns the decoded form body, decoding it once: in memory on the event loop, else with parts above
     * {@code spoolAbove} bytes spooled to temporary files, which are deleted after the response.
     */
    public FormData formData(int spoolAbove) {
        FormData f = form;
        if (f != null) {
            return f;
        }
        boolean onLoop = ctx.executor().inEventLoop();
        // A lock, not synchronized: decoding may write files on a virtual thread, which must not pin it.
        java.util.concurrent.locks.ReentrantLock formLock = formLock();
        formLock.lock();
        try {
            if (form == null) {
                FormData decoded = FormData.decode(headers.get(HttpHeaderNames.CONTENT_TYPE), body, !onLoop,
                        spoolAbove);
                form = decoded;
                if (decoded.hasTemporaryFiles()) {
                    if (formReleased || cancelled) {
                        Cleanup.run("Deleting the uploads of " + this, decoded::deleteFiles);
                    } else {
                        // Posted before the handler's result is, so it is registered before the response ends.
                        ctx.executor().execute(() -> {
                            if (cancelled) {
                                releaseForm();
                            } else {
                                afterResponse(this::releaseForm);
                            }
                        });
                    }
                }
            }
            return form;
        } finally {
            formLock.unlock();
        }
    }

    private java.util.concurrent.locks.ReentrantLock formLock() {
        return FORM_LOCKS[(System.identityHashCode(this) & 0x7fffffff) % FORM_LOCKS.length];
    }

    /** Deletes the spooled parts of the form, off the loop; later decodes delete theirs at once. */
    private void releaseForm() {
        FormData f;
        java.util.concurrent.locks.ReentrantLock formLock = formLock();
        formLock.lock();
        try {
            if (formReleased) {
                return;
            }
            formReleased = true;
            f = form;
        } finally {
            formLock.unlock();
        }
        if (f != null && f.hasTemporaryFiles()) {
            Cleanup.run("Deleting the uploads of " + this, f::deleteFiles);
        }
    }

    @Override
    public dev.starling.AppState state() {
        dev.starling.AppState s = state;
        if (s == null) {
            s = new dev.starling.internal.SharedState();
            state = s;
        }
        return s;
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(ctx.channel().remoteAddress());
    }

    @Override
    public String toString() {
        return method + " " + uri;
    }

    // ---- Scope ----

    @Override
    public void track(OffloadTask<?> task) {
        for (;;) {
            Object current = tasks;
            Object next;
            if (current == null) {
                next = task;
            } else if (current instanceof OffloadTask<?> one) {
                next = new OffloadTask<?>[] {one, task};
            } else {
                OffloadTask<?>[] many = (OffloadTask<?>[]) current;
                OffloadTask<?>[] grown = Arrays.copyOf(many, many.length + 1);
                grown[many.length] = task;
                next = grown;
            }
            if (TASKS.compareAndSet(this, current, next)) {
                break;
            }
        }
        if (cancelled || (expired && !task.promised())) {
            task.cancel(true);   // the request has been answered: only work promised to it may still run
        }
    }

    @Override
    public void untrack(OffloadTask<?> task) {
        for (;;) {
            Object current = tasks;
            Object next;
            if (current == task) {
                next = null;
            } else if (current instanceof OffloadTask<?>[] many) {
                int i = Arrays.asList(many).indexOf(task);
                if (i < 0) {
                    return;
                }
                OffloadTask<?>[] shrunk = new OffloadTask<?>[many.length - 1];
                System.arraycopy(many, 0, shrunk, 0, i);
                System.arraycopy(many, i + 1, shrunk, i, many.length - i - 1);
                next = shrunk.length == 1 ? shrunk[0] : shrunk;
            } else {
                return;
            }
            if (TASKS.compareAndSet(this, current, next)) {
                return;
            }
        }
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
        deadline = ctx.executor().schedule(() -> timedOut(nanos), nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
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
        fail(new RequestTimedOut(method + " " + routeTemplate, nanos));
        // After the 504: a cancelled stage completes on this loop at once and would answer first.
        cancelTasks(handlersWork);
    }

    private void cancelTasks() {
        cancelTasks(tasks);
    }

    private static void cancelTasks(Object current) {
        if (current instanceof OffloadTask<?> one) {
            one.cancel(true);
        } else if (current instanceof OffloadTask<?>[] many) {
            for (OffloadTask<?> task : many) {
                task.cancel(true);
            }
        }
    }

    /** The client is gone: cancel offloaded work and stop the stream; nothing more is written. */
    void cancel() {
        cancelled = true;
        cancelTasks();
        Stream s = stream;
        if (s != null) {
            s.cancel();
        }
    }

    // ---- Response ----

    /** Sends a handler's result, whatever its kind; may be called from any thread. */
    public void respond(Object result) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> respond(result));
            return;
        }
        if (responded || cancelled) {
            discard(result);
            return;
        }
        if (result instanceof java.util.stream.Stream<?> items) {
            // Pulled item by item on the threadpool; closing the iterator closes the stream (its onClose handlers).
            respond(dev.starling.concurrent.Concurrency.iterateInThreadpool(
                    new dev.starling.internal.concurrent.ClosingIterator<>(items)));
            return;
        }
        if (result instanceof java.util.Iterator<?> items) {
            respond(dev.starling.concurrent.Concurrency.iterateInThreadpool(items));
            return;
        }
        if (result instanceof dev.starling.FileResponse file) {
            sendFile(() -> file);
            return;
        }
        if (result instanceof dev.starling.internal.files.StaticLookup lookup) {
            sendFile(lookup::resolve);
            return;
        }
        if (result instanceof CompletionStage<?> stage) {
            stage.whenComplete((value, error) -> {
                try {
                    if (error != null) {
                        fail(error);
                    } else {
                        respond(value);
                    }
                } catch (Throwable t) {
                    // A stage swallows what its callbacks throw; a lost response would hang the client.
                    LOG.error("{} could not send its response to {} {}.", routeName, method, uri, t);
                    abort();
                }
            });
            return;
        }
        if (result instanceof Flow.Publisher<?> publisher) {
            responded = true;
            Stream s = new Stream();
            stream = s;
            try {
                publisher.subscribe(s);
            } catch (Throwable t) {
                s.onError(t);
            }
            return;
        }
        FullHttpResponse response;
        try {
            response = Results.encode(result, connection.server().json(), ctx.alloc());
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        write(response);
    }

    /** Closes a handler's result that its cancelled task will never deliver. */
    public static void discardResult(Object result) {
        discard(result);
    }

    /** Closes a result that holds resources (a stream, a closeable iterator) when it will never be sent. */
    private static void discard(Object result) {
        if (result instanceof java.util.stream.Stream<?> items) {
            dev.starling.internal.concurrent.Cleanup.run("Closing the unsent stream " + items, items::close);
        } else if (result instanceof java.util.Iterator<?> && result instanceof AutoCloseable closeable) {
            dev.starling.internal.concurrent.Cleanup.run("Closing the unsent iterator " + result, closeable::close);
        } else if (result instanceof CompletionStage<?> stage) {
            stage.thenAccept(Exchange::discard);
        }
    }

    /**
     * Sends a file: finds, stats and opens it on the threadpool (file system calls block), then writes the
     * headers and the file with zero-copy transfer on the loop. {@code target} runs on the worker and returns
     * a {@code FileResponse} or another result to send instead (a redirect).
     */
    private void sendFile(java.util.concurrent.Callable<Object> target) {
        responded = true;
        boolean conditional = method.equals("GET") || head;
        dev.starling.internal.files.FilePlan.Conditions conditions = new dev.starling.internal.files.FilePlan.Conditions(
                head,
                conditional ? headers.get(HttpHeaderNames.IF_NONE_MATCH) : null,
                conditional ? headers.get(HttpHeaderNames.IF_MODIFIED_SINCE) : null,
                conditional ? headers.get(HttpHeaderNames.RANGE) : null,
                conditional ? headers.get(HttpHeaderNames.IF_RANGE) : null);
        // Not in the request's scope: a disconnect must not drop a plan that holds an open file; it is
        // closed below instead.
        var previous = dev.starling.internal.concurrent.Context.set(dev.starling.internal.concurrent.Context.EMPTY);
        CompletionStage<Object> planned;
        try {
            planned = dev.starling.concurrent.Concurrency.runInThreadpool(() -> {
                Object found = target.call();
                return found instanceof dev.starling.FileResponse file
                        ? dev.starling.internal.files.FilePlan.prepare(file, conditions) : found;
            });
        } finally {
            dev.starling.internal.concurrent.Context.set(previous);
        }
        planned.whenComplete((plan, error) -> {
            if (!ctx.executor().inEventLoop()) {
                ctx.executor().execute(() -> planned(plan, error));
            } else {
                planned(plan, error);
            }
        });
    }

    private void planned(Object plan, Throwable error) {
        try {
            if (cancelled) {
                if (plan instanceof dev.starling.internal.files.FilePlan file) {
                    file.close();
                }
                return;
            }
            responded = false;
            if (error != null) {
                fail(error);
            } else if (plan instanceof dev.starling.internal.files.FilePlan file) {
                writeFile(file);
            } else {
                respond(plan);
            }
        } catch (Throwable t) {
            LOG.error("{} could not send its file to {} {}.", routeName, method, uri, t);
            if (plan instanceof dev.starling.internal.files.FilePlan file) {
                file.close();
            }
            abort();
        }
    }

    private void writeFile(dev.starling.internal.files.FilePlan plan) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(plan.status());
        if (plan.status() == 304) {
            FullHttpResponse response = new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    status, Unpooled.EMPTY_BUFFER);
            plan.headers().forEach(h -> response.headers().add(h.getKey(), h.getValue()));
            write(response);
            return;
        }
        responded = true;
        boolean close = !keepAlive || connection.server().draining();
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        plan.headers().forEach(h -> response.headers().add(h.getKey(), h.getValue()));
        HttpUtil.setContentLength(response, plan.length());
        if (ctx.pipeline().get("gzip") != null) {
            HttpInitializer.notCompressed(response);
        }
        head(response, close, () -> {
            ctx.write(response);
            if (plan.channel() != null) {
                // No TLS or compression in the pipeline: the transport sends the file itself (sendfile).
                ctx.write(new io.netty.channel.DefaultFileRegion(plan.channel(), plan.position(), plan.length()));
            } else if (plan.bytes() != null) {
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(plan.bytes())));
            }
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener(f -> connection.finished(this, close || !f.isSuccess()));
        }, () -> {
            if (plan.channel() != null) {
                try {
                    plan.channel().close();
                } catch (java.io.IOException e) {
                    LOG.debug("Closing {} failed: {}", plan, e.toString());
                }
            }
        });
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
        if (!userHandled) {
            // Set before the handler runs: a handler that fails at once (or is refused a token) re-enters here.
            userHandled = true;
            if (connection.server().handle(this, e)) {
                return;
            }
        }
        var json = connection.server().json();
        FullHttpResponse response;
        if (e instanceof HttpException http) {
            HttpResponseStatus status = HttpResponseStatus.valueOf(http.status());
            response = Results.error(status, http.detail() != null ? http.detail() : status.reasonPhrase(), json);
            try {
                for (Map.Entry<String, String> h : http.headers().entrySet()) {
                    response.headers().set(h.getKey(), h.getValue());
                }
            } catch (IllegalArgumentException bad) {
                LOG.error("{} failed with an HttpException whose headers cannot be sent ({}).", routeName,
                        bad.getMessage());
                response.release();
                response = Results.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", json);
            }
        } else if (e instanceof dev.starling.RequestValidationException invalid) {
            response = Results.error(HttpResponseStatus.UNPROCESSABLE_ENTITY, invalid.errors(), json);
        } else if (e instanceof CapacityExceededException full) {
            REFUSALS.warn(routeName, full.getMessage());
            response = Results.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "The server is at capacity; retry shortly.", json);
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        } else if (e instanceof RequestTimedOut late) {
            // One line per 504, like a 500's (without a stack trace: the handler did not fail, it was late).
            LOG.warn("{} was answered 504: {}", routeName, late.getMessage());
            response = Results.error(HttpResponseStatus.GATEWAY_TIMEOUT, late.getMessage(), json);
        } else if (e instanceof CancellationException) {
            response = Results.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "The request was cancelled.", json);
        } else {
            LOG.error("{} failed while answering {} {}.", routeName, method, uri, e);
            connection.server().unhandled(this, e);
            response = Results.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "Internal Server Error", json);
        }
        write(response);
    }

    /** Writes a whole response and hands the connection to the next request. */
    void write(FullHttpResponse response) {
        responded = true;
        boolean close = !keepAlive || connection.server().draining();
        int status = response.status().code();
        if (status == 204 || status == 304 || status < 200) {
            // These statuses never have a body, and RFC 9110 forbids content-length on 204.
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        } else {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        if (head) {
            response.content().release();
            response = response.replace(Unpooled.EMPTY_BUFFER);
        }
        FullHttpResponse out = response;
        head(out, close, () -> ctx.writeAndFlush(out).addListener(f -> connection.finished(this, close || !f.isSuccess())),
                out::release);
    }

    /**
     * Lets the middleware see and change the head, then sends it with {@code send}; {@code drop} releases what
     * was prepared when the client went away meanwhile. Runs on the loop.
     */
    private void head(HttpResponse response, boolean close, Runnable send, Runnable drop) {
        Server server = connection.server();
        if (!server.hasMiddleware()) {
            setConnection(response, close);
            status = response.status().code();
            send.run();
            return;
        }
        server.afterMiddleware(this, response).whenComplete((v, error) -> {
            Runnable go = () -> {
                if (error != null) {
                    LOG.error("An after-middleware of {} failed; the response is sent as it was.", routeName, error);
                }
                if (cancelled) {
                    drop.run();
                    return;
                }
                setConnection(response, close);
                // What the client gets, after the middleware had its say.
                status = response.status().code();
                send.run();
            };
            if (ctx.executor().inEventLoop()) {
                go.run();
            } else {
                ctx.executor().execute(go);
            }
        });
    }

    private void setConnection(HttpResponse response, boolean close) {
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (connection.http10()) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /** Writes a {@code Flow.Publisher} as a chunked response, one item per chunk, paced by the socket. */
    private final class Stream implements Flow.Subscriber<Object> {
        private Flow.Subscription subscription;
        private boolean headersSent;
        /** What waits for the head to be written (the middleware may take a while); null once it is. */
        private List<Runnable> afterHead;
        private boolean finished;
        private boolean waitingForWritable;
        /** The first item was a ServerSentEvent: every item is sent as an event. */
        private boolean eventStream;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            onLoop(() -> {
                subscription = s;
                if (cancelled) {
                    s.cancel();
                } else if (head) {
                    s.cancel();
                    sendHeaders(null, this::end);
                } else {
                    s.request(1);
                }
            });
        }

        @Override
        public void onNext(Object item) {
            onLoop(() -> {
                if (finished || cancelled) {
                    return;
                }
                byte[] bytes;
                try {
                    bytes = Results.chunk(item, connection.server().json(),
                            headersSent ? eventStream : item instanceof dev.starling.ServerSentEvent);
                } catch (RuntimeException e) {
                    subscription.cancel();
                    onError(e);
                    return;
                }
                sendHeaders(item, () -> ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)))
                        .addListener(f -> {
                            if (!f.isSuccess()) {
                                cancel();
                            } else if (ctx.channel().isWritable()) {
                                subscription.request(1);
                            } else {
                                waitingForWritable = true;
                            }
                        }));
            });
        }

        void writable() {
            if (waitingForWritable && !finished) {
                waitingForWritable = false;
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable error) {
            onLoop(() -> {
                if (finished || cancelled) {
                    return;
                }
                if (!headersSent) {
                    finished = true;
                    responded = false;
                    fail(error);
                    return;
                }
                finished = true;
                LOG.error("{} failed while streaming {} {}; the connection is closed to end the response.", routeName,
                        method, uri, error);
                ctx.close();
                connection.finished(Exchange.this, true);
            });
        }

        @Override
        public void onComplete() {
            onLoop(() -> {
                if (finished || cancelled) {
                    return;
                }
                sendHeaders(null, this::end);
            });
        }

        /** Sends the head once (through the middleware), then {@code then}; later calls queue behind it. */
        private void sendHeaders(Object first, Runnable then) {
            if (headersSent) {
                if (afterHead != null) {
                    afterHead.add(then);
                } else {
                    then.run();
                }
                return;
            }
            headersSent = true;
            afterHead = new ArrayList<>(2);
            afterHead.add(then);
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, Results.streamType(first));
            if (first instanceof dev.starling.ServerSentEvent) {
                eventStream = true;
                response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
                response.headers().set("x-accel-buffering", "no");
            }
            boolean http10 = connection.http10();
            if (!http10) {
                HttpUtil.setTransferEncodingChunked(response, true);
            }
            head(response, http10 || !keepAlive || connection.server().draining(), () -> {
                ctx.write(response);
                List<Runnable> queued = afterHead;
                afterHead = null;
                for (Runnable r : queued) {
                    r.run();
                }
            }, () -> afterHead = null);
        }

        private void end() {
            finished = true;
            boolean close = connection.http10() || !keepAlive || connection.server().draining();
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener(f -> connection.finished(Exchange.this, close || !f.isSuccess()));
        }

        void cancel() {
            onLoop(() -> {
                finished = true;
                if (subscription != null) {
                    subscription.cancel();
                }
            });
        }

        private void onLoop(Runnable r) {
            if (ctx.executor().inEventLoop()) {
                r.run();
            } else {
                ctx.executor().execute(r);
            }
        }
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

    /**
     * Runs {@code action} once the exchange is over: its response written (or failed to write) or its
     * connection gone. Actions run on the loop in the order they were added; each must not block.
     */
    public void afterResponse(Runnable action) {
        if (afterResponse == null) {
            afterResponse = new java.util.ArrayList<>(2);
        }
        afterResponse.add(action);
    }

    /** The exchange is over: run the after-response actions, once. */
    void over() {
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (arrivedAt != 0L && status != 0) {
            connection.server().observer().ifPresent(o -> dev.starling.internal.concurrent.Observers.requestEnded(o,
                    method, routeTemplate, status, System.nanoTime() - arrivedAt));
        }
        java.util.List<Runnable> actions = afterResponse;
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

    /** The socket can take more: resume a paused stream. */
    void writable() {
        Stream s = stream;
        if (s != null) {
            s.writable();
        }
    }
}
