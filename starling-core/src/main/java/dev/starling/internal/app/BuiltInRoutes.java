package dev.starling.internal.app;

import dev.starling.Config;
import dev.starling.HttpException;
import dev.starling.Request;
import dev.starling.Response;
import dev.starling.internal.concurrent.Pools;
import dev.starling.internal.concurrent.WorkerPool;
import dev.starling.internal.openapi.Documents;
import dev.starling.internal.openapi.SecuritySchemes;
import dev.starling.internal.params.Injection;
import dev.starling.internal.params.ParameterModel;
import dev.starling.internal.openapi.SwaggerUi;
import dev.starling.internal.params.Invoker;
import dev.starling.internal.pipeline.Route;
import dev.starling.internal.routing.PathTemplate;
import dev.starling.internal.routing.RoutingTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The routes every app has unless one of its own takes the path: the OpenAPI document at
 * {@code /openapi.json} and Swagger UI at {@code /docs}, built once the app's routes are fixed.
 */
final class BuiltInRoutes {

    private BuiltInRoutes() {
    }

    /**
     * Builds the OpenAPI document from {@code table}'s routes, now fixed, and serves it from the loop; a user
     * route that answers that path wins, and the document is not served.
     */
    static void add(RouteTable table, Config config, JsonMapper json) {
        RoutingTable<Route> router = table.router();
        if (!config.openapi() || router.lookup("GET", Documents.PATH).found()) {
            return;
        }
        List<Documents.Entry> entries = new ArrayList<>();
        for (Route r : table.routes()) {
            if (r.webSocket()) {
                continue;   // OpenAPI describes HTTP operations; a WebSocket is none
            }
            entries.add(new Documents.Entry(r.method(), r.template().text(), r.template().names(), r.binder().model(),
                    r.tags(), dependencyModels(r.injection(), new ArrayList<>()), SecuritySchemes.of(r.injection())));
        }
        byte[] document = Documents.encode(config, entries, json);
        PathTemplate template = PathTemplate.parse(Documents.PATH);
        Invoker invoker = (request, args) -> Response.ok(document).header("content-type", "application/json");
        router.add("GET", template, Route.builtIn("GET", template, "GET /openapi.json (OpenAPI document)", invoker));
        addDocs(router, config);
    }

    /** The parameter models of every provider {@code injection} resolves, directly or through others. */
    private static List<ParameterModel> dependencyModels(Injection injection, List<ParameterModel> out) {
        for (Injection.Slot slot : injection.slots()) {
            if (slot.provider() != null) {
                if (slot.provider().binder().model() != null) {
                    out.add(slot.provider().binder().model());
                }
                dependencyModels(slot.provider().injection(), out);
            }
        }
        return out;
    }

    /** Serves Swagger UI at /docs when its webjar is on the class path and no route of the app has that path. */
    private static void addDocs(RoutingTable<Route> router, Config config) {
        String docs = SwaggerUi.PATH;
        if (router.lookup("GET", docs).found() || router.lookup("GET", docs + "/swagger-ui.css").found()) {
            return;
        }
        boolean compressing = config.gzip().isPresent();
        SwaggerUi.load(config.openapiTitle(), config.rootPath(), compressing).ifPresent(ui -> {
            PathTemplate page = PathTemplate.parse(docs);
            router.add("GET", page, Route.builtIn("GET", page, "GET /docs (Swagger UI)",
                    (request, args) -> Response.ok(ui.page()).header("content-type", "text/html; charset=utf-8")));
            PathTemplate file = PathTemplate.parse(docs + "/{file}");
            router.add("GET", file, Route.builtIn("GET", file, "GET /docs/{file} (Swagger UI)", (request, args) -> {
                String name = request.pathParam("file").orElse("");
                if (!ui.has(name)) {
                    throw new HttpException(404, "Not Found");
                }
                Optional<SwaggerUi.Asset> ready = ui.loaded(name);
                if (ready.isPresent()) {
                    return asset(ready.get(), request, compressing);
                }
                // The first request of a file reads (and gzips) it from the jar: blocking work, on a worker.
                WorkerPool pool = Pools.currentDefault();
                return pool.submitInternal(() -> asset(ui.asset(name), request, compressing), pool);
            }));
        });
    }

    /**
     * Answers with a Swagger UI file: gzipped as it was compressed at start when the client takes gzip (the
     * response compressor leaves a response that names its encoding alone), else as it is.
     */
    private static Response asset(SwaggerUi.Asset asset, Request request, boolean compressing) {
        boolean gzip = asset.gzipped() != null && acceptsGzip(request.headers("accept-encoding"));
        Response response = Response.ok(gzip ? asset.gzipped() : asset.bytes())
                .header("content-type", asset.contentType())
                .header("cache-control", "public, max-age=86400");
        if (gzip) {
            response = response.header("content-encoding", "gzip");
        }
        return compressing ? response.header("vary", "accept-encoding") : response;
    }

    /** Whether an {@code Accept-Encoding} list takes gzip: {@code gzip} or {@code *} without {@code q=0}. */
    static boolean acceptsGzip(List<String> values) {
        for (String value : values) {
            for (String coding : value.split(",")) {
                String[] parts = coding.split(";");
                String name = parts[0].strip().toLowerCase(Locale.ROOT);
                if (!name.equals("gzip") && !name.equals("x-gzip") && !name.equals("*")) {
                    continue;
                }
                boolean refused = false;
                for (int i = 1; i < parts.length; i++) {
                    String parameter = parts[i].strip().toLowerCase(Locale.ROOT).replace(" ", "");
                    if (parameter.startsWith("q=")) {
                        refused = parameter.substring(2).matches("0(\\.0{0,3})?");
                    }
                }
                if (!refused) {
                    return true;
                }
            }
        }
        return false;
    }
}
