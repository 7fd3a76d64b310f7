package dev.healthscore.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * CPU time used around a piece of work: by PostgreSQL's processes ({@link PostgresCpu}),
 * by this JVM, and the part of the JVM's that its JIT compiler threads took (from
 * {@code /proc/self/task}; a lower bound, as compiler threads that ended are missing). On
 * a machine of two cores they compete: a run's time is bounded below by their sum over
 * two.
 *
 * @param postgres PostgreSQL's CPU seconds
 * @param jvm this JVM's CPU seconds
 * @param jit the CPU seconds of this JVM's compiler threads
 */
record CpuUse(double postgres, double jvm, double jit) {

	/** The totals so far. */
	static CpuUse now() {
		return new CpuUse(PostgresCpu.seconds(),
				((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
					.getProcessCpuTime() / 1e9,
				compilerSeconds());
	}

	/** The CPU seconds of this JVM's compiler threads (C1, C2), NaN where unknown. */
	static double compilerSeconds() {
		return ProcCpu.seconds(Path.of("/proc/self/task"), "*", (name) -> name.matches("C[12] CompilerThre.*"));
	}

	/** What was used since {@code before}. */
	CpuUse since(CpuUse before) {
		return new CpuUse(this.postgres - before.postgres, this.jvm - before.jvm, this.jit - before.jit);
	}

	/**
	 * Describes it.
	 * @param jobsHere whether the jobs ran in this JVM (not in a JVM of their own)
	 */
	String describe(boolean jobsHere) {
		String postgres = String.format(Locale.ROOT, "PostgreSQL %.2f s", this.postgres);
		return jobsHere ? postgres
				+ String.format(Locale.ROOT, ", this JVM %.2f s (its JIT compilers %.2f s of it)", this.jvm, this.jit)
				: postgres + " (the jobs' JVMs not measured)";
	}

}
