package dev.starling.internal.params;

import dev.starling.Provides;
import dev.starling.Request;
import dev.starling.security.SecurityScheme;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The two providers of one {@link SecurityScheme}: one that answers {@code 401} when the credentials are missing,
 * for a {@code @Depends Credentials} parameter (and {@code dependsOn}), and one that gives an empty
 * {@code Optional}, for a {@code @Depends Optional<Credentials>} parameter. Both read the request on the event
 * loop, where reading a header is all there is to do.
 */
final class SchemeProviders {

    /** The stand-in method whose parameter list (the request alone) the binder and the injection read. */
    private static final Method READ;

    static {
        try {
            READ = SchemeProviders.class.getDeclaredMethod("read", Request.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SchemeProviders() {
    }

    /**
     * Declares what a scheme's provider takes (the request alone) for the binder and the injection; the provider
     * itself calls the scheme (see {@link #of}), so this method is never invoked.
     */
    @SuppressWarnings("unused")
    private static Object read(Request request) {
        return request;
    }

    static List<Providers.Provider> of(SecurityScheme<?> scheme) {
        Invoker required = (request, args) -> {
            try {
                return CompletableFuture.completedFuture(scheme.require(request));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
        Invoker optional = (request, args) -> {
            try {
                return CompletableFuture.completedFuture(scheme.read(request));
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        };
        String name = scheme.name();
        return List.of(
                new Providers.Provider(name, name, READ, null, scheme.type(), null, true, required,
                        Provides.Scope.REQUEST, scheme),
                new Providers.Provider(name + " (optional)", name, READ, null, Optional.class, scheme.type(), true,
                        optional, Provides.Scope.REQUEST, scheme));
    }
}
