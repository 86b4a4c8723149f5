package dev.starling.internal.params;

import dev.starling.ApiResponse;
import dev.starling.FileResponse;
import dev.starling.Response;
import dev.starling.Status;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What one handler method answers, read once when its route is registered, from its return type, {@link Status}
 * and {@link ApiResponse}s: the server sends the status this says, and the OpenAPI document lists the same. A
 * declaration that cannot be true fails here with a sentence naming class and method.
 *
 * @param kind     what the return type is, once a {@code CompletionStage} is unwrapped
 * @param body     the unwrapped return type
 * @param status   the status of a plain return value: {@code @Status}'s, else 200 (204 for {@code void})
 * @param declared whether {@code status} comes from {@code @Status}
 * @param extras   the documented responses, as written
 * @param async    whether the method returns a {@code CompletionStage}
 */
public record ResponseModel(Kind kind, Type body, int status, boolean declared, List<ApiResponse> extras,
                            boolean async) {

    /** What a handler returns, as far as its status goes. */
    public enum Kind {
        /** A value sent whole (a record, a list, a string...), with {@code status}. */
        VALUE,
        /** Nothing ({@code void}, {@code Void}): an empty answer with {@code status}. */
        NONE,
        /** A {@link Response}, which carries its own status. */
        RESPONSE,
        /** A stream, iterator, publisher or file, sent with a status of its own. */
        STREAM,
        /** {@code Object}: any of the above, known only per request. */
        ANY
    }

    /** Returns true when {@code status} is sent without a body (RFC 9110 forbids one on 204, 205 and 304). */
    public static boolean noBody(int status) {
        return status == 204 || status == 205 || status == 304;
    }

    /** Reads what {@code m} answers; {@code where} names it ("Class.method(...)") in the sentence of a failure. */
    public static ResponseModel of(Method m, String where) {
        Type type = m.getGenericReturnType();
        boolean async = CompletionStage.class.isAssignableFrom(m.getReturnType());
        if (async) {
            type = type instanceof ParameterizedType pt ? pt.getActualTypeArguments()[0] : Object.class;
        }
        Class<?> raw = Providers.raw(type);
        Kind kind = kind(raw);
        Status given = m.getAnnotation(Status.class);
        int status = kind == Kind.NONE ? 204 : 200;
        if (given != null) {
            status = given.value();
            checkStatus(status, where, "@Status(" + status + ")");
            switch (kind) {
                case RESPONSE -> throw new IllegalArgumentException(where + " has @Status(" + status + "), but it "
                        + "returns Response, which carries its own status; set it there (Response.status(" + status
                        + ")) and document it with @ApiResponse(status = " + status + ", body = ...).");
                case STREAM -> throw new IllegalArgumentException(where + " has @Status(" + status + "), but it "
                        + "returns " + raw.getSimpleName() + ", which is sent with a status of its own (200 for a "
                        + "stream; 200, 206 or 304 for a file); remove @Status.");
                case VALUE, ANY -> {
                    if (noBody(status)) {
                        throw new IllegalArgumentException(where + " has @Status(" + status + "), which sends no "
                                + "body, but it returns " + type.getTypeName() + "; return void (or "
                                + "CompletionStage<Void>), or choose a status with a body such as 200.");
                    }
                }
                case NONE -> { }
            }
        }
        List<ApiResponse> extras = List.of(m.getAnnotationsByType(ApiResponse.class));
        List<Integer> seen = new ArrayList<>();
        for (ApiResponse extra : extras) {
            String written = "@ApiResponse(status = " + extra.status() + ")";
            checkStatus(extra.status(), where, written);
            if (seen.contains(extra.status())) {
                throw new IllegalArgumentException(where + " has two " + written + "; document each status once.");
            }
            seen.add(extra.status());
            if (extra.status() == 422) {
                throw new IllegalArgumentException(where + " has " + written + ", which Starling documents itself "
                        + "(FastAPI's HTTPValidationError) for every route that binds a parameter; remove it.");
            }
            if (extra.body() != void.class && noBody(extra.status())) {
                throw new IllegalArgumentException(where + " has @ApiResponse(status = " + extra.status()
                        + ", body = " + extra.body().getSimpleName() + ".class), but a " + extra.status()
                        + " response has no body; remove body.");
            }
            boolean ownStatus = extra.status() == status && (kind == Kind.VALUE || kind == Kind.NONE
                    || kind == Kind.STREAM);
            if (ownStatus && extra.body() != void.class) {
                throw new IllegalArgumentException(where + " has @ApiResponse(status = " + extra.status()
                        + ", body = " + extra.body().getSimpleName() + ".class), but its " + extra.status()
                        + " response is what it returns (" + type.getTypeName() + "); remove body, or return "
                        + "Response to declare the body this way.");
            }
        }
        return new ResponseModel(kind, type, status, given != null, extras, async);
    }

    private static void checkStatus(int status, String where, String written) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException(where + " has " + written + ", which is not a status a handler "
                    + "answers with; use one between 200 and 599.");
        }
    }

    private static Kind kind(Class<?> raw) {
        if (raw == void.class || raw == Void.class) {
            return Kind.NONE;
        }
        if (raw == Response.class) {
            return Kind.RESPONSE;
        }
        if (Stream.class.isAssignableFrom(raw) || Iterator.class.isAssignableFrom(raw)
                || Flow.Publisher.class.isAssignableFrom(raw) || raw == FileResponse.class) {
            return Kind.STREAM;
        }
        return raw == Object.class ? Kind.ANY : Kind.VALUE;
    }

    /**
     * Returns {@code invoker} made to answer with {@code @Status}'s status, or {@code invoker} itself when the method
     * has none. Chosen here once: per request a status route makes one {@link Response} of the value.
     */
    public Invoker apply(Invoker invoker) {
        if (!declared) {
            return invoker;
        }
        int code = status;
        Function<Object, Object> answer = switch (kind) {
            case NONE -> value -> Response.status(code);
            case VALUE -> value -> Response.status(code).body(value);
            // Object: a Response, stream or file returned through it keeps its own status.
            default -> value -> value instanceof Response || value instanceof Stream<?>
                    || value instanceof Iterator<?> || value instanceof Flow.Publisher<?>
                    || value instanceof FileResponse || value instanceof CompletionStage<?>
                    ? value : Response.status(code).body(value);
        };
        if (async) {
            return (request, args) -> invoker.invoke(request, args) instanceof CompletionStage<?> stage
                    ? stage.thenApply(answer) : answer.apply(null);
        }
        return (request, args) -> answer.apply(invoker.invoke(request, args));
    }
}
