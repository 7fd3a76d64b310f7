package dev.healthscore.io.archive;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SortRunOwner}: the files of a sort whose process died are removed,
 * those of a sort still running (in another process, or on another thread of this one)
 * and files that are not ours stay.
 */
class SortRunOwnerTests {

	private static final String PREFIX = SortRunOwner.PREFIX;

	@TempDir
	Path directory;

	@Test
	void theFilesOfASortInAProcessKilledWithSigkillStayWhileItRunsAndGoOnceItIsDead() throws Exception {
		Process process = java(HoldingSort.class).start();
		try {
			Path run = runOf(process);
			assertThat(files()).hasSize(2).contains(run);
			assertThat(SortRunOwner.removeLeftovers(this.directory)).isEqualTo(SortRunOwner.Leftovers.NONE);
			assertThat(files()).hasSize(2).contains(run);
		}
		finally {
			// kill -9: the process deletes nothing, the system releases its lock
			process.destroyForcibly().waitFor();
		}
		assertThat(files()).hasSize(2);
		assertThat(SortRunOwner.removeLeftovers(this.directory)).isEqualTo(new SortRunOwner.Leftovers(1, 1, 1000));
		assertThat(files()).isEmpty();
	}

	@Test
	void theFilesOfASorterOfThisProcessStayWhateverThreadLooks() throws Exception {
		try (GroupSorter sorter = new GroupSorter(ArchiveTable.HEALTH_READING, 10, this.directory)) {
			for (Object[] row : GroupSorterTests.heavyUser(1, 35, new Random(1))) {
				sorter.add(row);
			}
			List<Path> running = files();
			// a lock file and three runs
			assertThat(running).hasSize(4).anyMatch((file) -> file.toString().endsWith(".lock"));
			assertThat(CompletableFuture.supplyAsync(this::removeLeftovers).get())
				.isEqualTo(SortRunOwner.Leftovers.NONE);
			assertThat(removeLeftovers()).isEqualTo(SortRunOwner.Leftovers.NONE);
			// nor did those looks release the lock, as closing a channel of it would
			Process cleanup = java(Cleanup.class).start();
			assertThat(cleanup.waitFor()).isZero();
			assertThat(new String(cleanup.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
				.contains("removed=" + SortRunOwner.Leftovers.NONE);
			assertThat(files()).isEqualTo(running);
			assertThat(sorter.spilledRows()).isEqualTo(30);
		}
		assertThat(files()).isEmpty();
	}

	@Test
	void theRunsOfADeadSortAreRemovedWithItsLockFileAndRunsWithoutALockFileToo() throws IOException {
		String dead = "00112233445566ff";
		Files.createFile(this.directory.resolve(PREFIX + dead + ".lock"));
		write(PREFIX + dead + "-123.copy", 300);
		write(PREFIX + dead + "-18446744073709551615.copy", 200);
		// the lock file gone (deleted by hand, or its deletion failed): runs of no one
		write(PREFIX + "abcdefabcdef0123-7.copy", 50);
		assertThat(SortRunOwner.removeLeftovers(this.directory)).isEqualTo(new SortRunOwner.Leftovers(2, 3, 550));
		assertThat(files()).isEmpty();
	}

	@Test
	void filesThatAreNotOursStay() throws IOException {
		Path outside = Files.createDirectory(this.directory.resolve("outside"));
		Path target = Files.write(outside.resolve("precious"), new byte[10]);
		String dead = "0123456789abcdef";
		Files.createFile(this.directory.resolve(PREFIX + dead + ".lock"));
		List<Path> kept = List.of(
				// other names, and run files of the versions before lock files
				write("healthscore-archive-sort.copy", 1), write(PREFIX + "4242.copy", 1),
				write(PREFIX + dead + "-1.copy.bak", 1), write(PREFIX + dead + "-x.copy", 1),
				write(PREFIX + "0123456789ABCDEF-1.copy", 1), write(PREFIX + dead + ".lock.copy", 1),
				write("other-" + PREFIX + dead + "-1.copy", 1), write(PREFIX + "0123-1.copy", 1),
				// a link or a directory by the name of a run, a link by that of a lock
				// file
				Files.createSymbolicLink(this.directory.resolve(PREFIX + dead + "-2.copy"), target),
				Files.createDirectory(this.directory.resolve(PREFIX + dead + "-3.copy")),
				Files.createSymbolicLink(this.directory.resolve(PREFIX + "fedcba9876543210.lock"), target),
				Files.createSymbolicLink(this.directory.resolve(PREFIX + "fedcba9876543210-1.copy"), target));
		write(PREFIX + dead + "-4.copy", 7);
		assertThat(SortRunOwner.removeLeftovers(this.directory)).isEqualTo(new SortRunOwner.Leftovers(1, 1, 7));
		assertThat(files()).containsExactlyInAnyOrderElementsOf(kept);
		assertThat(target).hasSize(10);
	}

	@Test
	void aMissingDirectoryHoldsNothingToRemove() throws IOException {
		assertThat(SortRunOwner.removeLeftovers(this.directory.resolve("missing")))
			.isEqualTo(SortRunOwner.Leftovers.NONE);
	}

	@Test
	void aNewOwnerLocksALockFileOfItsOwnThatCloseDeletes() throws IOException {
		try (SortRunOwner first = SortRunOwner.claim(this.directory);
				SortRunOwner second = SortRunOwner.claim(this.directory)) {
			Path run = first.newRun();
			assertThat(run.getFileName().toString()).matches(PREFIX + "[0-9a-f]{16}-[0-9]+\\.copy");
			assertThat(second.newRun().getFileName().toString())
				.doesNotStartWith(run.getFileName().toString().substring(0, PREFIX.length() + 17));
			assertThat(files()).hasSize(4).filteredOn((file) -> file.toString().endsWith(".lock")).hasSize(2);
			Files.delete(run);
			first.close();
			first.close();
			assertThat(files()).hasSize(2);
		}
		finally {
			try (Stream<Path> left = Files.list(this.directory)) {
				left.forEach((file) -> file.toFile().delete());
			}
		}
	}

	private SortRunOwner.Leftovers removeLeftovers() {
		try {
			return SortRunOwner.removeLeftovers(this.directory);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A JVM of the test's class path that runs a main class on the test's directory. */
	private ProcessBuilder java(Class<?> main) {
		return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
				System.getProperty("java.class.path"), main.getName(), this.directory.toString())
			.redirectError(ProcessBuilder.Redirect.DISCARD);
	}

	private static Path runOf(Process process) throws IOException {
		BufferedReader out = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
		for (String line = out.readLine(); line != null; line = out.readLine()) {
			if (line.startsWith("run=")) {
				return Path.of(line.substring(4));
			}
		}
		throw new IllegalStateException("The sort process ended before it wrote a run");
	}

	private Path write(String name, int bytes) throws IOException {
		return Files.write(this.directory.resolve(name), new byte[bytes]);
	}

	private List<Path> files() throws IOException {
		try (Stream<Path> files = Files.list(this.directory)) {
			return files.filter((file) -> !file.getFileName().toString().equals("outside")).sorted().toList();
		}
	}

	/** A cleanup in a process of its own. */
	static final class Cleanup {

		public static void main(String[] args) throws IOException {
			System.out.println("removed=" + SortRunOwner.removeLeftovers(Path.of(args[0])));
		}

	}

	/** A sort in a process of its own: one run of 1000 bytes, held until stdin ends. */
	static final class HoldingSort {

		public static void main(String[] args) throws IOException {
			try (SortRunOwner owner = SortRunOwner.claim(Path.of(args[0]))) {
				Path run = owner.newRun();
				try (OutputStream out = Files.newOutputStream(run)) {
					out.write(new byte[1000]);
				}
				System.out.println("run=" + run);
				System.out.flush();
				while (System.in.read() >= 0) {
					// held until the test kills the process
				}
			}
		}

	}

}
