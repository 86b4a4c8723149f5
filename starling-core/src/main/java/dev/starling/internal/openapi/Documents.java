package dev.starling.internal.openapi;

import dev.starling.Config;
import dev.starling.Operation;
import dev.starling.internal.params.ParameterModel;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.json.JsonMapper;

/** Builds the OpenAPI 3.1 document of an app from its routes, once, when the app starts. */
public final class Documents {

    /** The path the document is served at. */
    public static final String PATH = "/openapi.json";

    /**
     * One route as the document sees it: {@code model} describes the annotated method's parameters, or is null
     * for a lambda route; {@code pathNames} are the names of the template's parameters; {@code dependencies}
     * describe the parameters of the providers it resolves, which the client sends too; {@code security} lists the
     * security schemes those providers reach.
     */
    public record Entry(String method, String path, List<String> pathNames, ParameterModel model,
                        List<String> tags, List<ParameterModel> dependencies,
                        List<SecuritySchemes.Requirement> security) {

        /** A route that reaches no security scheme. */
        public Entry(String method, String path, List<String> pathNames, ParameterModel model, List<String> tags,
                     List<ParameterModel> dependencies) {
            this(method, path, pathNames, model, tags, dependencies, List.of());
        }

        /** Returns the annotated handler method, or null for a lambda route. */
        Method handler() {
            return model == null ? null : model.method();
        }
    }

    private static final List<String> METHOD_ORDER = List.of("get", "put", "post", "delete", "options", "head",
            "patch", "trace");

    private Documents() {
    }

    /** Returns the document of {@code entries}, encoded as JSON with {@code json}. */
    public static byte[] encode(Config config, List<Entry> entries, JsonMapper json) {
        return json.writeValueAsBytes(document(config, entries));
    }

    /** Returns the document of {@code entries} as nested maps and lists, in a stable order. */
    public static Map<String, Object> document(Config config, List<Entry> entries) {
        Schemas schemas = new Schemas();
        SecuritySchemes security = new SecuritySchemes();
        Map<String, Map<String, Object>> paths = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::path)
                .thenComparing(e -> METHOD_ORDER.indexOf(e.method().toLowerCase(Locale.ROOT))));
        for (Entry e : sorted) {
            String verb = e.method().toLowerCase(Locale.ROOT);
            if (!METHOD_ORDER.contains(verb)) {
                continue;
            }
            Map<String, Object> op = new LinkedHashMap<>();
            Operation about = e.handler() == null ? null : e.handler().getAnnotation(Operation.class);
            List<String> tags = new ArrayList<>(e.tags());
            if (about != null) {
                for (String tag : about.tags()) {
                    if (!tags.contains(tag)) {
                        tags.add(tag);
                    }
                }
            }
            if (!tags.isEmpty()) {
                op.put("tags", tags);
            }
            if (e.handler() != null) {
                op.put("summary", about != null && !about.summary().isEmpty()
                        ? about.summary() : words(e.handler().getName()));
                if (about != null && !about.description().isEmpty()) {
                    op.put("description", about.description());
                }
            }
            op.put("operationId", unique(operationId(e), ids));
            if (e.handler() != null) {
                Operations.describe(op, e.model(), e.dependencies(), schemas);
            } else {
                List<Object> parameters = new ArrayList<>();
                for (String name : e.pathNames()) {
                    Map<String, Object> parameter = new LinkedHashMap<>();
                    parameter.put("name", name);
                    parameter.put("in", "path");
                    parameter.put("required", true);
                    parameter.put("schema", Schemas.typed("string", null));
                    parameters.add(parameter);
                }
                if (!parameters.isEmpty()) {
                    op.put("parameters", parameters);
                }
                Map<String, Object> ok = new LinkedHashMap<>();
                ok.put("description", "Successful Response");
                Map<String, Object> responses = new LinkedHashMap<>();
                responses.put("200", ok);
                op.put("responses", responses);
            }
            security.describe(op, e.security());
            paths.computeIfAbsent(e.path(), k -> new LinkedHashMap<>()).put(verb, op);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.1.0");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("title", config.openapiTitle());
        info.put("version", config.openapiVersion());
        doc.put("info", info);
        // Behind a proxy that strips a prefix, the operations are reached under it: FastAPI lists root_path first.
        List<String> urls = new ArrayList<>(config.openapiServers());
        if (!config.rootPath().isEmpty() && !urls.contains(config.rootPath())) {
            urls.add(0, config.rootPath());
        }
        if (!urls.isEmpty()) {
            List<Object> servers = new ArrayList<>();
            for (String url : urls) {
                servers.add(Map.of("url", url));
            }
            doc.put("servers", servers);
        }
        doc.put("paths", paths);
        Map<String, Object> components = new LinkedHashMap<>();
        if (!schemas.components().isEmpty()) {
            components.put("schemas", schemas.components());
        }
        if (!security.components().isEmpty()) {
            components.put("securitySchemes", security.components());
        }
        if (!components.isEmpty()) {
            doc.put("components", components);
        }
        return doc;
    }

    /** Adds FastAPI's {@code HTTPValidationError} and {@code ValidationError} schemas. */
    static void validationSchemas(Schemas schemas) {
        Map<String, Object> loc = Schemas.array(Map.of("anyOf",
                List.of(Schemas.typed("string", null), Schemas.typed("integer", null))));
        loc.put("title", "Location");
        Map<String, Object> error = Schemas.typed("object", null);
        error.put("title", "ValidationError");
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("loc", loc);
        properties.put("msg", titled(Schemas.typed("string", null), "Message"));
        properties.put("type", titled(Schemas.typed("string", null), "Error Type"));
        error.put("properties", properties);
        error.put("required", List.of("loc", "msg", "type"));
        schemas.put("ValidationError", error);
        Map<String, Object> http = Schemas.typed("object", null);
        http.put("title", "HTTPValidationError");
        Map<String, Object> detail = Schemas.array(Map.of("$ref", "#/components/schemas/ValidationError"));
        detail.put("title", "Detail");
        http.put("properties", Map.of("detail", detail));
        schemas.put("HTTPValidationError", http);
    }

    private static Map<String, Object> titled(Map<String, Object> schema, String title) {
        schema.put("title", title);
        return schema;
    }

    private static String operationId(Entry e) {
        if (e.handler() != null) {
            return e.handler().getDeclaringClass().getSimpleName() + "." + e.handler().getName();
        }
        String path = e.path().replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return e.method().toLowerCase(Locale.ROOT) + (path.isEmpty() ? "_root" : "_" + path);
    }

    private static String unique(String id, Set<String> ids) {
        String candidate = id;
        for (int n = 2; !ids.add(candidate); n++) {
            candidate = id + "_" + n;
        }
        return candidate;
    }

    /** Turns {@code readItem} into {@code Read Item}, as FastAPI titles {@code read_item}. */
    static String words(String name) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (i == 0) {
                out.append(Character.toUpperCase(c));
            } else if (Character.isUpperCase(c) && !Character.isUpperCase(name.charAt(i - 1))) {
                out.append(' ').append(c);
            } else if (c == '_') {
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
