package dev.healthscore.bench;

import java.util.Arrays;

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
