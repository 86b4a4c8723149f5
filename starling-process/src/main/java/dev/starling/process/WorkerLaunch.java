package dev.starling.process;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What every worker of a pool is started with: its command line and the serialized initializer. */
final class WorkerLaunch {

    // The VM's own messages and unified logging go to stderr: stdout carries the protocol.
    private static final List<String> DEFAULT_OPTIONS = List.of("-XX:+ExitOnOutOfMemoryError",
            "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr", "-XX:+UseSerialGC",
            "-Xshare:auto");

    final List<String> command;
    final byte[] initializer;
    final String initializerClass;

    /**
     * Builds the command and serializes {@code initializer} (null for none), allowing in {@code filter} the
     * packages of the classes it is made of; an initializer that cannot be serialized throws.
     */
    WorkerLaunch(String name, List<String> jvmOptions, long maxMessageBytes, ProcessPool.Initializer initializer,
                 PoolFilter filter) {
        this.command = command(jvmOptions, name, maxMessageBytes);
        if (initializer != null) {
            this.initializerClass = initializer.getClass().getName();
            Set<String> packages = new LinkedHashSet<>();
            try {
                this.initializer = Frames.serialize(initializer, packages);
            } catch (IOException e) {
                throw new IllegalArgumentException("The initializer " + initializerClass + " of process pool '"
                        + name + "' cannot be sent to workers: " + e.getMessage() + " is not serializable.", e);
            }
            filter.allowPackages(packages);
        } else {
            this.initializer = Frames.EMPTY;
            this.initializerClass = null;
        }
    }

    private static List<String> command(List<String> jvmOptions, String name, long maxMessageBytes) {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator
                + (File.separatorChar == '\\' ? "java.exe" : "java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(DEFAULT_OPTIONS);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        String modulePath = System.getProperty("jdk.module.path");
        if (modulePath != null && ProcessPool.class.getModule().isNamed()) {
            command.add("--module-path");
            command.add(modulePath);
            command.add("--add-modules");
            command.add("ALL-MODULE-PATH");
            command.add("-m");
            command.add(ProcessPool.class.getModule().getName() + "/" + Worker.class.getName());
        } else {
            command.add(Worker.class.getName());
        }
        command.add(name);
        command.add(Long.toString(maxMessageBytes));
        return List.copyOf(command);
    }
}
