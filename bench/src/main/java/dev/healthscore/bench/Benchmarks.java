package dev.healthscore.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Runs one benchmark by name: {@code recompute}, {@code reconcile}, {@code archive} or
 * {@code restore}.
 */
public final class Benchmarks {

	private static final String USAGE = """
			Usage: java -jar bench/target/healthscore-bench.jar recompute [--readings=N] [--days=D]
			       java -jar bench/target/healthscore-bench.jar reconcile [--readings=N] [--days=D] [--source=primary|replica]
			                                                           [--layout=generated|arrival] [--repeat=N]
			                                                           [--jvm=scheduler|fresh|cli]
			       java -jar bench/target/healthscore-bench.jar archive [--rows=N] [--source=primary|replica]
			                                                         [--heavy-user-rows=N] [--sort-buffer-rows=N]
			                                                         [--layout=generated|arrival]
			       java -jar bench/target/healthscore-bench.jar restore [--rows=N]""";

	private Benchmarks() {
	}

	/**
	 * Describes this JVM's heap for a report's first line: its maximum, and whether every
	 * page of it was touched at start-up ({@code -XX:+AlwaysPreTouch}). Where the first
	 * touch of a page is dear (a virtual machine that backs its memory lazily), a heap
	 * still growing makes a job pay for page faults that a heap already at its size does
	 * not: see README, "Benchmarks".
	 * @return for instance {@code heap max 6,028 MiB} or
	 * {@code heap max 2,048 MiB, pre-touched}
	 */
	static String heap() {
		String max = String.format(Locale.ROOT, "heap max %,d MiB", Runtime.getRuntime().maxMemory() >> 20);
		try {
			HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
			boolean preTouched = Boolean.parseBoolean(hotSpot.getVMOption("AlwaysPreTouch").getValue());
			return max + (preTouched ? ", pre-touched" : ", not pre-touched");
		}
		catch (RuntimeException ex) {
			return max; // not HotSpot
		}
	}

	public static void main(String[] args) throws Exception {
		String name = (args.length > 0) ? args[0] : "";
		String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
		try {
			switch (name) {
				case "recompute" -> RecomputeBenchmark.main(rest);
				case "reconcile" -> ReconcileBenchmark.main(rest);
				case "archive" -> ArchiveBenchmark.main(rest);
				case "restore" -> RestoreBenchmark.main(rest);
				default -> {
					System.err.println(USAGE);
					System.exit(2);
				}
			}
		}
		catch (BenchOptions.BadOption ex) {
			System.err.println(ex.getMessage());
			System.err.println(USAGE);
			System.exit(2);
		}
	}

}
