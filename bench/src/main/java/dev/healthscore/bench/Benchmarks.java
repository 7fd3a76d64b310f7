package dev.healthscore.bench;

import java.util.Arrays;

/** Runs one benchmark by name: {@code recompute}. */
public final class Benchmarks {

	private Benchmarks() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length == 0 || !args[0].equals("recompute")) {
			System.err
				.println("Usage: java -jar bench/target/healthscore-bench.jar recompute [--readings=N] [--days=D]");
			System.exit(2);
		}
		String[] rest = Arrays.copyOfRange(args, 1, args.length);
		RecomputeBenchmark.main(rest);
	}

}
