import com.sun.tools.attach.VirtualMachine;

/**
 * Loads async-profiler into a running JVM and passes it one command, as its own launcher does:
 * {@code java ProfilerAttach.java PID LIBRARY "start,event=cpu,interval=1ms,threads"}. (jcmd's
 * JVMTI.agent_load drops the options here.) Run as a single-file source program by
 * benchmarks/profile.sh.
 */
public final class ProfilerAttach {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try {
            vm.loadAgentPath(args[1], args[2]);
        } finally {
            vm.detach();
        }
    }
}
