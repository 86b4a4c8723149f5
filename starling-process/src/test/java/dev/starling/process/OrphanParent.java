package dev.starling.process;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import sun.misc.Signal;

/**
 * A parent JVM for the tests of how workers end with their parent: starts a pool of {@code args[1]} workers
 * called {@code args[0]}, prints {@code pids} and the worker pids once every worker ran a task, answers each
 * {@code task} line on stdin with {@code pid} and the pid that ran it, and closes the pool when stdin ends
 * (unless it is killed or signalled first, which is what the tests do). When the JVM exits it prints whether
 * the pool ended and how many workers it replaced.
 */
final class OrphanParent {

    private OrphanParent() {
    }

    public static void main(String[] args) throws Exception {
        // A JVM started in the background may inherit an ignored SIGINT; behave as in a terminal, where Ctrl-C
        // runs the shutdown hooks.
        Signal.handle(new Signal("INT"), signal -> System.exit(130));
        String name = args.length > 0 ? args[0] : "orphan";
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        ProcessPool pool = ProcessPool.builder().name(name).maxWorkers(workers).build();
        // Tasks submitted together reach every idle worker, so this ends once every worker is up and has run one.
        Set<Long> ran = new TreeSet<>();
        while (ran.size() < workers) {
            List<CompletableFuture<Long>> round = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                round.add(pool.submit(Sync::pid));
            }
            round.forEach(task -> ran.add(task.join()));
        }
        // Runs beside the pool's own hook when the JVM exits: says whether the pool ended, not only its workers.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                boolean ended = pool.awaitTermination(20, TimeUnit.SECONDS);
                System.out.println("terminated " + ended + ", replaced " + pool.replacedWorkers());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        System.out.println("pids " + ran.stream().map(String::valueOf).collect(Collectors.joining(" ")));
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("task")) {
                System.out.println("pid " + pool.submit(Sync::pid).join());
                System.out.flush();
            }
        }
        pool.close();
    }
}
