package dev.healthscore.io.archive;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link GroupSorter}: a group sorted in runs on disk comes out in the order of
 * one sort in memory, ties included, and leaves no file behind.
 */
class GroupSorterTests {

	private static final ArchiveTable TABLE = ArchiveTable.HEALTH_READING;

	@TempDir
	Path directory;

	@Test
	void aGroupSortedInManyRunsComesOutAsSortedInMemoryTiesInTheirCopyOrder() throws IOException {
		List<Object[]> group = heavyUser(7, 2_000, new Random(1));
		for (int maxRuns : new int[] { 2, 3, GroupSorter.MAX_RUNS }) {
			try (GroupSorter sorter = new GroupSorter(TABLE, 37, this.directory, maxRuns, GroupSorter.RunFiles.LOCAL)) {
				for (Object[] row : group) {
					sorter.add(row);
				}
				// runs of 37 rows; past maxRuns they are merged into one
				assertThat(sorter.spilledRows()).as("maxRuns %d", maxRuns).isEqualTo(2_000 - 2_000 % 37);
				assertThat(runs()).as("maxRuns %d", maxRuns).isNotEmpty().hasSizeLessThanOrEqualTo(maxRuns + 1);
				assertThat(values(finish(sorter))).as("maxRuns %d", maxRuns).isEqualTo(values(sortedInMemory(group)));
				assertThat(files()).isEmpty();
				assertThat(sorter.spilledRows()).isZero();
			}
		}
	}

	@Test
	void aGroupOfExactlyTheBufferStaysInMemoryAndOneRowMoreWritesOneRun() throws IOException {
		List<Object[]> group = heavyUser(3, 101, new Random(2));
		try (GroupSorter sorter = new GroupSorter(TABLE, 100, this.directory)) {
			for (Object[] row : group.subList(0, 100)) {
				sorter.add(row);
			}
			assertThat(sorter.spilledRows()).isZero();
			assertThat(files()).isEmpty();
			List<Object[]> sorted = finish(sorter);
			// the in-memory path hands on the very rows it was given
			assertThat(sorted).hasSize(100).allSatisfy((row) -> assertThat(group).anyMatch((given) -> given == row));
			assertThat(values(sorted)).isEqualTo(values(sortedInMemory(group.subList(0, 100))));
			for (Object[] row : group) {
				sorter.add(row);
			}
			assertThat(sorter.spilledRows()).isEqualTo(100);
			assertThat(runs()).hasSize(1);
			// a run of 100 rows and a remainder of one
			assertThat(values(finish(sorter))).isEqualTo(values(sortedInMemory(group)));
			assertThat(files()).isEmpty();
		}
	}

	@Test
	void groupsOneAfterAnotherEachComeOutWholeWhetherOnDiskOrNot() throws IOException {
		Random random = new Random(3);
		try (GroupSorter sorter = new GroupSorter(TABLE, 10, this.directory, 2, GroupSorter.RunFiles.LOCAL)) {
			assertThat(finish(sorter)).isEmpty();
			for (int rows : new int[] { 95, 3, 10, 11, 1, 250, 20 }) {
				List<Object[]> group = heavyUser(rows, rows, random);
				for (Object[] row : group) {
					sorter.add(row);
				}
				assertThat(values(finish(sorter))).as("%d rows", rows).isEqualTo(values(sortedInMemory(group)));
				assertThat(files()).isEmpty();
			}
		}
	}

	@Test
	void aSinkThatStopsSkipsTheRestAndTheRunsAreDeleted() throws IOException {
		try (GroupSorter sorter = new GroupSorter(TABLE, 10, this.directory)) {
			for (Object[] row : heavyUser(1, 100, new Random(4))) {
				sorter.add(row);
			}
			AtomicInteger received = new AtomicInteger();
			sorter.finishGroup((row) -> received.incrementAndGet() < 15);
			assertThat(received).hasValue(15);
			assertThat(files()).isEmpty();
		}
	}

	@Test
	void aRunThatCannotBeWrittenIsDeletedTheErrorSaysWhereAndCloseDeletesTheOthers() throws IOException {
		// the third file fails part-way through, as on a full disk
		AtomicInteger created = new AtomicInteger();
		GroupSorter.RunFiles diskFull = new GroupSorter.RunFiles() {

			@Override
			public OutputStream create(Path file) throws IOException {
				OutputStream out = Files.newOutputStream(file);
				return (created.incrementAndGet() < 3) ? out : new FailingAfter(out, 1000);
			}

		};
		for (int maxRuns : new int[] { 2, GroupSorter.MAX_RUNS }) {
			created.set(0);
			GroupSorter sorter = new GroupSorter(TABLE, 50, this.directory, maxRuns, diskFull);
			try {
				List<Object[]> group = heavyUser(42, 500, new Random(5));
				assertThatIOException().isThrownBy(() -> {
					for (Object[] row : group) {
						sorter.add(row);
					}
				})
					.withMessageStartingWith("Cannot write ")
					.withMessageContaining(" sorted rows of health_reading user_id = 42 to a temporary file in "
							+ this.directory + " (a group of more than 50 rows is sorted on disk): ")
					.withMessageEndingWith("No space left on device");
				// the two runs written before, or (maxRuns 2) the two merged into the
				// third
				assertThat(runs()).as("maxRuns %d", maxRuns).hasSize(2);
			}
			finally {
				sorter.close();
			}
			assertThat(files()).isEmpty();
			sorter.close();
		}
	}

	@Test
	void aMissingDirectoryIsCreatedWhenAGroupFirstSpills() throws IOException {
		Path missing = this.directory.resolve("fresh-volume").resolve("sort");
		List<Object[]> group = heavyUser(4, 12, new Random(7));
		try (GroupSorter sorter = new GroupSorter(TABLE, 5, missing)) {
			for (Object[] row : group) {
				sorter.add(row);
			}
			assertThat(Files.isDirectory(missing)).isTrue();
			assertThat(sorter.spilledRows()).isEqualTo(10);
			assertThat(values(finish(sorter))).isEqualTo(values(sortedInMemory(group)));
		}
	}

	@Test
	void aDirectoryWhereNoFileCanBeCreatedFailsTheSpillWithItsName() throws IOException {
		// under a regular file: neither there nor creatable
		Path missing = Files.createFile(this.directory.resolve("file")).resolve("sort");
		try (GroupSorter sorter = new GroupSorter(TABLE, 5, missing)) {
			assertThatIOException().isThrownBy(() -> {
				for (Object[] row : heavyUser(1, 6, new Random(6))) {
					sorter.add(row);
				}
			})
				.withMessageStartingWith("Cannot create a temporary file in " + missing
						+ " to sort a group of more than 5 rows of health_reading on disk: ");
		}
	}

	/**
	 * A user's readings in random order, with ties: several metrics at one time, and rows
	 * equal in every key but different in value (as a partition without its primary key
	 * could hold), whose order only the COPY order decides.
	 */
	static List<Object[]> heavyUser(long userId, int count, Random random) {
		List<Object[]> rows = new ArrayList<>(count);
		String[] metrics = { "heart_rate", "steps", "sleep_minutes" };
		String[] sources = { "watch", "phone" };
		for (int i = 0; i < count; i++) {
			long recordedAt = 1_735_689_600_000_000L + random.nextInt(count / 4 + 1) * 1_000_000L;
			Double value = (i % 50 == 0) ? null : (i % 77 == 0) ? -0.0 : (double) i;
			rows.add(new Object[] { userId, metrics[random.nextInt(metrics.length)], recordedAt, value,
					sources[random.nextInt(sources.length)], 1_738_368_000_000_000L + i });
		}
		Collections.shuffle(rows, random);
		return rows;
	}

	/** What the in-memory path does: a stable sort. */
	static List<Object[]> sortedInMemory(List<Object[]> group) {
		List<Object[]> sorted = new ArrayList<>(group);
		sorted.sort(TABLE.rowOrderWithinLeadingKey());
		return sorted;
	}

	/** The rows' values, compared by equals (so 0.0 is not -0.0, and NaN is NaN). */
	static List<List<Object>> values(List<Object[]> rows) {
		return rows.stream().map(Arrays::asList).toList();
	}

	private static List<Object[]> finish(GroupSorter sorter) throws IOException {
		List<Object[]> rows = new ArrayList<>();
		sorter.finishGroup(rows::add);
		return rows;
	}

	private List<Path> files() throws IOException {
		try (Stream<Path> files = Files.list(this.directory)) {
			return files.toList();
		}
	}

	/** The run files, without the lock file held beside them. */
	private List<Path> runs() throws IOException {
		return files().stream().filter((file) -> file.toString().endsWith(".copy")).toList();
	}

	/** A stream that fails as a full disk does once some bytes went through. */
	private static final class FailingAfter extends FilterOutputStream {

		private long left;

		FailingAfter(OutputStream out, long bytes) {
			super(out);
			this.left = bytes;
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			if (length > this.left) {
				throw new IOException("No space left on device");
			}
			this.left -= length;
			this.out.write(bytes, offset, length);
		}

	}

}
