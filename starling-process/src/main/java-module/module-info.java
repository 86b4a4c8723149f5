/**
 * Starling's process pool: tasks run in worker JVMs that talk to the parent over their standard streams.
 * Only {@code dev.starling.process} is API.
 */
module dev.starling.process {
    requires transitive dev.starling;
    requires org.slf4j;
    // sun.misc.Signal: a worker ignores the Ctrl-C meant for its parent.
    requires jdk.unsupported;

    exports dev.starling.process;
}
