package dev.starling.process;

/**
 * A parent JVM for the orphan test: starts a one-worker pool, prints the worker's pid and waits to be
 * killed, so the test can check the worker does not outlive it.
 */
final class OrphanParent {

    private OrphanParent() {
    }

    public static void main(String[] args) throws Exception {
        ProcessPool pool = ProcessPool.builder().name("orphan").maxWorkers(1).build();
        long pid = pool.submit(Sync::pid).join();
        System.out.println(pid);
        System.out.flush();
        // Blocks until the test kills this JVM.
        System.in.read();
        pool.close();
    }
}
