/**
 * Starling's process pool: tasks run in worker JVMs that talk to the parent over their standard streams.
 * Only {@code dev.starling.process} is API.
 */
module dev.starling.process {
    requires transitive dev.starling;
    requires org.slf4j;

    exports dev.starling.process;
}
