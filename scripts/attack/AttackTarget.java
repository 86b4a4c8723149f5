import dev.starling.AsyncMiddleware;
import dev.starling.Get;
import dev.starling.Observer;
import dev.starling.Post;
import dev.starling.Request;
import dev.starling.Starling;
import dev.starling.StaticFiles;
import dev.starling.UploadedFile;
import dev.starling.params.Body;
import dev.starling.params.Form;
import dev.starling.params.Query;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The app the scripts/attack-* scripts attack: a static directory, a multipart route, a JSON body route, a query
 * route, a slow route, and /_seen, which tells what requests the server saw (every request it answered, from
 * the observer, and the method and target of each one that reached the pipeline). Run by
 * scripts/attack/lib.sh (javac -parameters) against starling-core's classes; settings from the environment
 * (STARLING_PORT, ...), the static directory from ATTACK_STATIC. Listens on 127.0.0.1 only.
 */
public final class AttackTarget {

    /** The JSON body of POST /items. */
    public record Item(String name, int qty, List<String> tags) {
    }

    /** What the server saw, bounded (10,000 targets of 200 characters at most): read between attacks. */
    static final class Seen {
        static final int MAX = 10_000;
        final AtomicLong answered = new AtomicLong();
        final List<String> targets = new ArrayList<>();

        synchronized void add(String target) {
            if (targets.size() < MAX) {
                targets.add(target.length() > 200 ? target.substring(0, 200) + "..." : target);
            }
        }

        synchronized Map<String, Object> snapshot() {
            return Map.of("answered", answered.get(), "targets", List.copyOf(targets));
        }

        synchronized void reset() {
            answered.set(0);
            targets.clear();
        }
    }

    /** The attacked routes; the return type decides where each runs. */
    public static final class Api {
        @Get("/hello")
        public CompletionStage<String> hello() {
            return CompletableFuture.completedFuture("hello");
        }

        @Get("/hello/sync")
        public String helloSync() {
            return "hello";
        }

        @Get("/search")
        public String search(@Query Optional<String> q, @Query List<String> tag) {
            return q.orElse("-") + " " + tag.size();
        }

        @Post("/items")
        public Item item(@Body Item item) {
            return item;
        }

        @Post("/upload")
        public String upload(List<UploadedFile> file, @Form List<String> field) {
            long bytes = file.stream().mapToLong(UploadedFile::size).sum();
            return file.size() + " files, " + bytes + " bytes, " + field.size() + " fields";
        }

        @Get("/slow")
        public String slow(@Query int ms) throws InterruptedException {
            Thread.sleep(Math.min(ms, 10_000));
            return "slept";
        }

        @Post("/slow")
        public String slowPost(@Query int ms, @Body byte[] body) throws InterruptedException {
            Thread.sleep(Math.min(ms, 10_000));
            return "slept on " + body.length + " bytes";
        }
    }

    private AttackTarget() {
    }

    public static void main(String[] args) {
        Seen seen = new Seen();
        Starling app = Starling.create(c -> c.port(8000).observer(new Observer() {
            @Override
            public void requestEnded(String method, String route, int status, long nanos) {
                if (route == null || !route.startsWith("/_seen")) {
                    seen.answered.incrementAndGet();
                }
            }
        }).fromEnvironment());
        app.middlewareAsync(new AsyncMiddleware() {
            @Override
            public CompletionStage<Optional<Object>> before(Request request) {
                if (!request.path().startsWith("/_seen")) {
                    seen.add(request.method() + " " + request.uri());
                }
                return CompletableFuture.completedFuture(Optional.empty());
            }
        });
        app.include(new Api());
        app.getAsync("/_seen", r -> CompletableFuture.completedFuture(seen.snapshot()));
        app.postAsync("/_seen/reset", r -> {
            seen.reset();
            return CompletableFuture.completedFuture("reset");
        });
        String dir = System.getenv("ATTACK_STATIC");
        if (dir != null && !dir.isEmpty()) {
            app.mount("/static", StaticFiles.of(Path.of(dir)));
        }
        app.start();
        System.out.println("AttackTarget listening on 127.0.0.1:" + app.port());
    }
}
