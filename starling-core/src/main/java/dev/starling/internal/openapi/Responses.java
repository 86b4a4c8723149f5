package dev.starling.internal.openapi;

import dev.starling.ApiResponse;
import dev.starling.FileResponse;
import dev.starling.internal.params.ResponseModel;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Describes the responses of one handler method from the {@link ResponseModel} the server answers by: the success
 * status ({@code @Status}'s, 200, or 204 for {@code void}) with the return type's schema, then each
 * {@code @ApiResponse}, in status order.
 */
final class Responses {

    private static final String SUCCESS = "Successful Response";

    private Responses() {
    }

    /** Adds the responses of {@code method} to {@code responses}. */
    static void describe(Map<String, Object> responses, Method method, Schemas schemas) {
        String where = method.getDeclaringClass().getName() + "." + method.getName() + "(...)";
        ResponseModel model = ResponseModel.of(method, where);
        Map<Integer, Map<String, Object>> out = new TreeMap<>();
        if (model.kind() != ResponseModel.Kind.RESPONSE) {
            Map<String, Object> own = returned(model, schemas);
            own.put("description", model.kind() == ResponseModel.Kind.NONE && !model.declared() ? "No Content"
                    : SUCCESS);
            out.put(model.status(), own);
        }
        for (ApiResponse extra : model.extras()) {
            Map<String, Object> response = out.get(extra.status());
            if (response == null || extra.body() != void.class) {
                // A body on the success status of an Object handler says what its values are.
                Map<String, Object> described = declared(extra, schemas);
                if (response != null) {
                    described.put("description", response.get("description"));
                }
                response = described;
                out.put(extra.status(), response);
            }
            if (!extra.description().isEmpty()) {
                response.put("description", extra.description());
            }
        }
        if (model.kind() == ResponseModel.Kind.RESPONSE && out.keySet().stream().noneMatch(status -> status < 400)) {
            // A Response route that declares no success: its status is known only when it runs.
            Map<String, Object> ok = new LinkedHashMap<>();
            ok.put("description", SUCCESS);
            out.put(200, ok);
        }
        out.forEach((status, response) -> responses.put(String.valueOf(status), Operations.reorder(response)));
    }

    /** The response for what the method returns. */
    private static Map<String, Object> returned(ResponseModel model, Schemas schemas) {
        Type type = model.body();
        Class<?> raw = type instanceof ParameterizedType pt ? (Class<?>) pt.getRawType()
                : type instanceof Class<?> c ? c : Object.class;
        return switch (model.kind()) {
            case NONE -> new LinkedHashMap<>();
            case STREAM -> raw == FileResponse.class ? binary() : new LinkedHashMap<>();
            case ANY, RESPONSE -> new LinkedHashMap<>();
            case VALUE -> body(type, raw, schemas);
        };
    }

    /** The response an {@code @ApiResponse} documents, with its body type's schema. */
    private static Map<String, Object> declared(ApiResponse extra, Schemas schemas) {
        Map<String, Object> response = extra.body() == void.class ? new LinkedHashMap<>()
                : body(extra.body(), extra.body(), schemas);
        response.put("description", extra.status() < 300 ? SUCCESS : reason(extra.status()));
        return response;
    }

    private static Map<String, Object> body(Type type, Class<?> raw, Schemas schemas) {
        if (raw == String.class || CharSequence.class.isAssignableFrom(raw)) {
            return Operations.content("text/plain", Schemas.typed("string", null));
        }
        if (raw == byte[].class) {
            return binary();
        }
        return Operations.content("application/json", new LinkedHashMap<>(schemas.of(type)));
    }

    private static Map<String, Object> binary() {
        return Operations.content("application/octet-stream", Schemas.typed("string", "binary"));
    }

    /** The reason phrase of {@code status} ("Not Found"), as FastAPI describes a response given no description. */
    private static String reason(int status) {
        return HttpResponseStatus.valueOf(status).reasonPhrase();
    }
}
