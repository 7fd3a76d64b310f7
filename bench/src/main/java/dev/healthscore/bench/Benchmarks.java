package dev.healthscore.bench;

import java.util.Arrays;

/** Runs one benchmark by name: {@code recompute} or {@code archive}. */
public final class Benchmarks {

	private Benchmarks() {
	}

	public static void main(String[] args) throws Exception {
		String name = (args.length > 0) ? args[0] : "";
		String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
		switch (name) {
			case "recompute" -> RecomputeBenchmark.main(rest);
			case "archive" -> ArchiveBenchmark.main(rest);
			default -> {
				System.err
					.println("Usage: java -jar bench/target/healthscore-bench.jar recompute [--readings=N] [--days=D]");
				System.err.println("       java -jar bench/target/healthscore-bench.jar archive [--rows=N]");
				System.exit(2);
			}
		}
	}

}
