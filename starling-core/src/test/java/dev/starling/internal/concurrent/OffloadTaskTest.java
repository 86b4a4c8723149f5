package dev.starling.internal.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.starling.concurrent.Cancellation;
import dev.starling.concurrent.CapacityLimiter;
import dev.starling.concurrent.Concurrency;
import dev.starling.concurrent.Threadpool;
import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One offloaded call, white-box: how its token is handed on, what an interrupt leaves on a worker thread for
 * the next task, and how cancelling or completing its stage from outside stops the work and where the stage then
 * completes.
 */
class OffloadTaskTest {

    private final LoopAndPools fixture = new LoopAndPools();
    private final DefaultEventLoop loop = fixture.loop;

    @AfterEach
    void close() {
        fixture.close();
    }

    private String loopThreadName() throws Exception {
        return fixture.onLoop(() -> Thread.currentThread().getName());
    }

    /** Keeps the loop busy until {@code free} opens, so that whatever is posted to it waits in its queue. */
    private void blockLoop(CountDownLatch free) {
        loop.execute(() -> awaitQuietly(free));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for a count that no latch can signal, for at most five seconds. */
    private static void awaitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    /** Waits for {@code future} from inside a callback, where checked exceptions cannot be thrown. */
    private static <T> T waitFor(Future<T> future) {
        try {
            return future.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    // ---- handing the token on ----

    @Test
    void aCallbackThatRunsOnTheWorkerMayWaitForTheTaskQueuedBehindIt() throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(1));
        CountDownLatch release = new CountDownLatch(1);
        OffloadTask<String> a = pool.submit(() -> {
            release.await(5, TimeUnit.SECONDS);
            return "a";
        });
        OffloadTask<String> b = pool.submit(() -> "b");
        assertThat(pool.limiter().waiting()).as("b waits for a's token").isEqualTo(1);

        // Off a loop, a's callbacks run on the thread that ran a; b, which gets a's token, must not wait for them.
        CompletableFuture<String> both = a.thenApply(v -> v + waitFor(b));
        release.countDown();

        assertThat(both).succeedsWithin(10, TimeUnit.SECONDS).isEqualTo("ab");
    }

    @Test
    void anInterruptATaskLeavesOnItsThreadDoesNotReachTheTaskThatRunsNextOnIt() throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(1));
        CountDownLatch bQueued = new CountDownLatch(1);
        // From a loop, the token a gives back goes straight to b on a's thread.
        OffloadTask<Boolean> b = fixture.onLoop(() -> {
            pool.submit(() -> {
                bQueued.await(5, TimeUnit.SECONDS);
                Thread.currentThread().interrupt();   // the usual "restore the flag" after an InterruptedException
                return null;
            });
            return pool.submit(() -> Thread.currentThread().isInterrupted());
        });
        assertThat(pool.limiter().waiting()).as("b waits for a's token").isEqualTo(1);
        bQueued.countDown();

        assertThat(b.get(5, TimeUnit.SECONDS)).as("b starts interrupted by an interrupt it never received").isFalse();
    }

    @Test
    void aTaskOfAnAlreadyCancelledScopeNeverTakesAPlaceInTheWaitingRoom() {
        WorkerPool pool = fixture.pool(Threadpool.platform(0).maxWaiting(1));
        Scope cancelled = new Scope() {
            @Override
            public void track(OffloadTask<?> task) {
                task.cancel(true);   // the request is gone already
            }

            @Override
            public void untrack(OffloadTask<?> task) {
            }

            @Override
            public String routeName() {
                return "GET /gone";
            }
        };
        OffloadTask<Object> task;
        Context previous = Context.set(Context.forScope(cancelled));
        try {
            task = pool.submit(() -> "never");
        } finally {
            Context.set(previous);
        }

        assertThat(task).isCancelled();
        assertThat(pool.limiter().waiting()).as("tasks in the waiting room").isZero();
        OffloadTask<Object> later = pool.submit(() -> "later");
        assertThat(later).as("the one place is still free for a live task").isNotDone();
        assertThat(pool.limiter().waiting()).isEqualTo(1);
    }

    @Test
    void waitersThatAShutDownExecutorRefusesAllFailWithoutOneStackFramePerWaiter() throws Exception {
        ExecutorService dead = Executors.newSingleThreadExecutor();
        dead.shutdown();
        CapacityLimiter limiter = CapacityLimiter.create(0, 10_000);
        List<CompletableFuture<Object>> waiters = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            waiters.add(Concurrency.runInExecutor(dead, limiter, () -> null).toCompletableFuture());
        }
        assertThat(limiter.waiting()).isEqualTo(10_000);

        // One token: the first waiter is refused and hands it to the second, and so on. On a small stack, as the
        // thread that raises the tokens may have one.
        CompletableFuture<Void> raised = new CompletableFuture<>();
        Thread raiser = new Thread(null, () -> {
            try {
                limiter.totalTokens(1);
                raised.complete(null);
            } catch (Throwable t) {
                raised.completeExceptionally(t);
            }
        }, "raise-tokens", 256 * 1024);
        raiser.start();

        assertThat(raised).succeedsWithin(10, TimeUnit.SECONDS);
        assertThat(waiters).allSatisfy(waiter -> assertThat(waiter).failsWithin(0, TimeUnit.SECONDS)
                .withThrowableThat().withCauseInstanceOf(RejectedExecutionException.class));
        assertThat(limiter.borrowedTokens()).isZero();
        assertThat(limiter.waiting()).isZero();
    }

    // ---- cancelling ----

    @Test
    void aRunningTaskCancelledFromAnotherThreadCompletesOnItsLoop() throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(1));
        String loopThread = loopThreadName();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        OffloadTask<Object> task = fixture.onLoop(() -> {
            OffloadTask<Object> t = pool.submit(() -> {
                started.countDown();
                new CountDownLatch(1).await(10, TimeUnit.SECONDS);
                return null;
            });
            t.whenComplete((v, e) -> completedOn.complete(Thread.currentThread().getName()));
            return t;
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(task.cancel(true)).isTrue();   // from the test thread, as a timeout scheduler would

        assertThat(completedOn.get(5, TimeUnit.SECONDS)).as("the thread the continuation ran on").isEqualTo(loopThread);
        assertThat(task).isCancelled();
    }

    @Test
    void aWaitingTaskCancelledFromAnotherThreadCompletesOnItsLoop() throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(0));
        String loopThread = loopThreadName();
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        OffloadTask<Object> task = fixture.onLoop(() -> {
            OffloadTask<Object> t = pool.submit(() -> "never");
            t.whenComplete((v, e) -> completedOn.complete(Thread.currentThread().getName()));
            return t;
        });
        assertThat(pool.limiter().waiting()).isEqualTo(1);

        assertThat(task.cancel(true)).isTrue();

        assertThat(completedOn.get(5, TimeUnit.SECONDS)).as("the thread the continuation ran on").isEqualTo(loopThread);
        assertThat(task).isCancelled();
        assertThat(pool.limiter().waiting()).isZero();
    }

    @Test
    void theWorkerSeesItsTaskCancelledAsSoonAsCancelReturnsEvenWhileTheLoopIsBusy() throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(1).interruptOnCancel(false));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch cancelReturned = new CountDownLatch(1);
        CompletableFuture<Boolean> seen = new CompletableFuture<>();
        OffloadTask<Object> task = fixture.onLoop(() -> pool.submit(() -> {
            started.countDown();
            cancelReturned.await(5, TimeUnit.SECONDS);
            seen.complete(Cancellation.isCancelled());
            return null;
        }));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        CountDownLatch loopFree = new CountDownLatch(1);
        blockLoop(loopFree);   // the stage cannot complete on its loop yet
        try {
            task.cancel(true);
            cancelReturned.countDown();

            assertThat(seen.get(5, TimeUnit.SECONDS)).as("Cancellation.isCancelled() on the worker").isTrue();
        } finally {
            loopFree.countDown();
        }
        task.handle((v, e) -> null).get(5, TimeUnit.SECONDS);
        assertThat(task).isCancelled();
    }

    @Test
    void aCancelAfterTheCallHasReturnedReturnsFalseAndTheStageCompletesWithTheValue() throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        ExecutorService threads = fixture.executor(Executors.newCachedThreadPool());
        // The task's run() returning means its call is over and its result is posted to the loop.
        WorkerPool pool = WorkerPool.wrap("signalling", r -> threads.execute(() -> {
            r.run();
            returned.countDown();
        }), null);
        AtomicReference<OffloadTask<String>> task = new AtomicReference<>();
        CountDownLatch submitted = new CountDownLatch(1);
        CountDownLatch loopFree = new CountDownLatch(1);
        loop.execute(() -> {
            task.set(pool.submit(() -> "computed"));
            submitted.countDown();
            awaitQuietly(loopFree);   // the loop stays busy: the result waits in its queue
        });
        try {
            assertThat(submitted.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(returned.await(5, TimeUnit.SECONDS)).as("the call returned").isTrue();

            assertThat(task.get().cancel(true)).as("cancel() once the call has returned").isFalse();
        } finally {
            loopFree.countDown();
        }
        assertThat(task.get().get(5, TimeUnit.SECONDS)).isEqualTo("computed");
        assertThat(task.get()).isNotCancelled();
    }

    @Test
    void anIteratorWhoseNextWasInterruptedByACancelIsClosedWithoutThatInterrupt() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CompletableFuture<Boolean> interruptedAtClose = new CompletableFuture<>();
        class Blocking implements Iterator<Integer>, AutoCloseable {
            int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                if (next == 1) {
                    blocked.countDown();
                    try {
                        Thread.sleep(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();   // the usual idiom: restore the flag and return
                    }
                }
                return next++;
            }

            @Override
            public void close() {
                interruptedAtClose.complete(Thread.currentThread().isInterrupted());
            }
        }
        AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        new IteratorPublisher<>(new Blocking(), fixture.pool(Threadpool.platform(1))).subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription.set(s);
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Integer item) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onComplete() {
            }
        });
        assertThat(blocked.await(5, TimeUnit.SECONDS)).as("the second next() is running").isTrue();

        subscription.get().cancel();

        assertThat(interruptedAtClose.get(5, TimeUnit.SECONDS)).as("close() ran with the interrupt flag set").isFalse();
    }

    // ---- completing the stage from outside ----

    static Stream<Arguments> completionsFromOutside() {
        return Stream.of(
                argumentSet("complete", (Consumer<CompletableFuture<Object>>) f -> f.complete("from outside")),
                argumentSet("completeExceptionally", (Consumer<CompletableFuture<Object>>) f ->
                        f.completeExceptionally(new IllegalStateException("from outside"))),
                argumentSet("orTimeout", (Consumer<CompletableFuture<Object>>) f ->
                        f.orTimeout(10, TimeUnit.MILLISECONDS)),
                argumentSet("completeOnTimeout", (Consumer<CompletableFuture<Object>>) f ->
                        f.completeOnTimeout("too late", 10, TimeUnit.MILLISECONDS)));
    }

    @ParameterizedTest
    @MethodSource("completionsFromOutside")
    void completingARunningTaskFromOutsideInterruptsItAndItsTokenComesBackWhenItsThreadReturns(
            Consumer<CompletableFuture<Object>> completion) throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(1));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch mayReturn = new CountDownLatch(1);
        OffloadTask<Object> task = pool.submit(() -> {
            started.countDown();
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                mayReturn.await(10, TimeUnit.SECONDS);   // still busy: the token must stay taken
            }
            return "from the task";
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        completion.accept(task.toCompletableFuture());

        task.handle((v, e) -> null).get(5, TimeUnit.SECONDS);
        assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the work was interrupted").isTrue();
        assertThat(pool.limiter().borrowedTokens()).as("the thread has not returned yet").isEqualTo(1);
        mayReturn.countDown();
        // One token: the next task runs only once the completed one has given it back.
        assertThat(pool.submit(() -> "next").get(5, TimeUnit.SECONDS)).isEqualTo("next");
    }

    @ParameterizedTest
    @MethodSource("completionsFromOutside")
    void aWaitingTaskCompletedFromOutsideLeavesTheWaitingRoomAndNeverRuns(
            Consumer<CompletableFuture<Object>> completion) throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(1));
        CountDownLatch release = new CountDownLatch(1);
        OffloadTask<Object> holder = pool.submit(() -> release.await(5, TimeUnit.SECONDS));
        AtomicBoolean ran = new AtomicBoolean();
        OffloadTask<Object> waiting = pool.submit(() -> ran.getAndSet(true));
        assertThat(pool.limiter().waiting()).isEqualTo(1);

        completion.accept(waiting.toCompletableFuture());

        awaitUntil("the completed task left the waiting room", () -> pool.limiter().waiting() == 0);
        release.countDown();
        assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo(true);
        // Waiters are served in order: had the completed task stayed in the queue, it would run before this one.
        assertThat(pool.submit(() -> "after").get(5, TimeUnit.SECONDS)).isEqualTo("after");
        assertThat(ran).as("the completed task ran").isFalse();
    }

    @Test
    void withInterruptOnCancelOffCompletingARunningTaskFromOutsideTellsItWithoutAnInterrupt() throws Exception {
        WorkerPool pool = fixture.pool(Threadpool.platform(1).interruptOnCancel(false));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch completed = new CountDownLatch(1);
        CompletableFuture<String> observed = new CompletableFuture<>();
        OffloadTask<Object> task = pool.submit(() -> {
            started.countDown();
            completed.await(5, TimeUnit.SECONDS);
            observed.complete("interrupted " + Thread.currentThread().isInterrupted()
                    + ", cancelled " + Cancellation.isCancelled());
            return null;
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        task.complete("from outside");
        completed.countDown();

        assertThat(observed.get(5, TimeUnit.SECONDS)).isEqualTo("interrupted false, cancelled true");
        assertThat(task.get()).isEqualTo("from outside");
    }

    @Test
    void theResultOfATaskCannotBeOverwritten() throws Exception {
        OffloadTask<String> task = fixture.pool(Threadpool.platform(1)).submit(() -> "its own");
        assertThat(task.get(5, TimeUnit.SECONDS)).isEqualTo("its own");

        assertThatThrownBy(() -> task.obtrudeValue("another")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> task.obtrudeException(new IllegalStateException("another")))
                .isInstanceOf(UnsupportedOperationException.class);

        assertThat(task.get()).isEqualTo("its own");
    }
}
