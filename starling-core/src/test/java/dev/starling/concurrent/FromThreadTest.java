package dev.starling.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FromThreadTest {

    private final TestLoop loop = new TestLoop();

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void fromThreadOnAWorkerRunsOnTheLoopAndReturnsItsValue() throws Exception {
        String loopName = loop.threadName();
        List<String> names = loop.on(() -> Concurrency.runInThreadpool(() -> {
            String worker = Thread.currentThread().getName();
            String onLoop = Concurrency.fromThread(() -> Thread.currentThread().getName());
            return List.of(worker, onLoop);
        })).get(5, TimeUnit.SECONDS);
        assertThat(names.get(0)).startsWith("starling-worker-");
        assertThat(names.get(1)).isEqualTo(loopName);
    }

    @Test
    void fromThreadPassesTheLoopsExceptionBackToTheWorker() {
        CompletableFuture<Object> result = loop.on(() -> Concurrency.runInThreadpool(() ->
                Concurrency.fromThread(() -> {
                    throw new IllegalArgumentException("bad on the loop");
                })));
        assertThatThrownBy(result::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bad on the loop");
    }

    @Test
    void fromThreadOnALoopThreadFailsAtOnceWithAClearMessage() {
        CompletableFuture<Object> result = loop.on(() -> {
            Concurrency.fromThread(() -> "never");
            return CompletableFuture.completedFuture(null);
        });
        assertThatThrownBy(result::join).cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("fromThread was called on the event-loop thread '")
                .hasMessageContaining("would wait for itself");
    }

    @Test
    void fromThreadOnAPlainThreadSaysThereIsNoLoop() {
        assertThatThrownBy(() -> Concurrency.fromThread(() -> "never"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("there is no loop to go back to");
    }

    private static final ContextKey<String> STEP = ContextKey.create("step");

    @Test
    void fromThreadRunsInTheWorkersCurrentContextNotTheOneCapturedAtTheOffload() throws Exception {
        String seen = loop.on(() -> {
            STEP.set("offloaded");
            return Concurrency.runInThreadpool(() -> {
                STEP.set("changed on the worker");
                return Concurrency.fromThread(() -> STEP.get().orElse("none"));
            });
        }).get(5, TimeUnit.SECONDS);
        assertThat(seen).isEqualTo("changed on the worker");
    }

    @Test
    void fromThreadAsyncWaitsForTheStageAndHandsBackItsValueOrFailure() throws Exception {
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletableFuture<String> result = loop.on(() -> Concurrency.runInThreadpool(() ->
                Concurrency.fromThreadAsync(() -> later)));
        assertThat(result).isNotDone();
        later.complete("done later");
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("done later");
        CompletableFuture<Object> failed = loop.on(() -> Concurrency.runInThreadpool(() ->
                Concurrency.fromThreadAsync(() -> CompletableFuture.failedFuture(new IllegalStateException("no")))));
        assertThatThrownBy(failed::join).cause().isInstanceOf(IllegalStateException.class).hasMessage("no");
    }

    @Test
    void fromThreadWithAStageReturningCallableHandsTheStageBackOnlyOnceItHasCompleted() throws Exception {
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletableFuture<Boolean> doneWhenReturned = loop.on(() -> Concurrency.runInThreadpool(() ->
                Concurrency.fromThread(() -> later).isDone()));
        assertThat(doneWhenReturned).isNotDone();
        later.complete("finished");
        assertThat(doneWhenReturned.get(5, TimeUnit.SECONDS)).isTrue();
    }
}
