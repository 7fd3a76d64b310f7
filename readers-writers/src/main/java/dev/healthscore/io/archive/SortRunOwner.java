package dev.healthscore.io.archive;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the run files of one {@link GroupSorter} in its sort directory under a locked
 * lock file, so that an export can remove the runs of sorts that died (a {@code kill -9},
 * an out-of-memory kill, a power cut: nothing deleted them) without touching those of a
 * sort still running, in this process or another.
 * <p>
 * A sort's files are {@code healthscore-archive-sort-<owner>.lock}, locked with
 * {@link FileChannel#tryLock()} from before its first run until after its last is
 * deleted, and its runs, {@code healthscore-archive-sort-<owner>-<random>.copy}. The
 * operating system releases the locks of a process however it ends, so a lock file that
 * can be locked is one of a dead sort; a process ID would not tell as much (IDs are used
 * again, and two containers on one host see the same ones). Within this process file
 * locks are the JVM's, and closing any channel of a file releases them, so the live
 * owners of this process are known ({@link #LIVE}) and their lock files never opened.
 */
final class SortRunOwner implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(SortRunOwner.class);

	/** How the names of our files start, and nothing else's should. */
	static final String PREFIX = "healthscore-archive-sort-";

	private static final Pattern LOCK_FILE = Pattern.compile(Pattern.quote(PREFIX) + "([0-9a-f]{16})\\.lock");

	private static final Pattern RUN_FILE = Pattern.compile(Pattern.quote(PREFIX) + "([0-9a-f]{16})-[0-9]+\\.copy");

	/** Owners of this process from before their lock file exists until it is deleted. */
	private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

	/** Attempts at a lock file of a new name when another process's cleanup took one. */
	private static final int CLAIM_ATTEMPTS = 10;

	private final Path directory;

	private final String owner;

	private final Path lockFile;

	private final FileChannel channel;

	private boolean closed;

	private SortRunOwner(Path directory, String owner, FileChannel channel) {
		this.directory = directory;
		this.owner = owner;
		this.lockFile = lockFile(directory, owner);
		this.channel = channel;
	}

	/**
	 * Creates and locks a lock file of a new owner in a directory.
	 * @param directory the sort directory
	 * @return the owner, whose lock is held until {@link #close()}
	 * @throws IOException when the lock file cannot be created or locked
	 */
	static SortRunOwner claim(Path directory) throws IOException {
		for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
			String owner = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
			if (!LIVE.add(owner)) {
				continue;
			}
			SortRunOwner claimed = null;
			try {
				claimed = tryClaim(directory, owner);
			}
			finally {
				if (claimed == null) {
					LIVE.remove(owner);
				}
			}
			if (claimed != null) {
				return claimed;
			}
		}
		throw new IOException("Cannot lock a new lock file " + PREFIX + "<owner>.lock in " + directory + " in "
				+ CLAIM_ATTEMPTS + " attempts");
	}

	/**
	 * Creates and locks the owner's lock file; null when it is taken, or was removed by
	 * another process's cleanup between its creation and its lock (which is then that
	 * cleanup's to delete).
	 */
	private static SortRunOwner tryClaim(Path directory, String owner) throws IOException {
		Path lockFile = lockFile(directory, owner);
		FileChannel channel;
		try {
			channel = FileChannel.open(lockFile,
					Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
					ownerOnly(directory));
		}
		catch (FileAlreadyExistsException ex) {
			return null;
		}
		boolean locked = false;
		try {
			locked = channel.tryLock() != null && Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS);
			return locked ? new SortRunOwner(directory, owner, channel) : null;
		}
		catch (IOException ex) {
			// a file system without locks: nothing could tell this file from a dead one's
			Files.deleteIfExists(lockFile);
			throw ex;
		}
		finally {
			if (!locked) {
				channel.close();
			}
		}
	}

	private static FileAttribute<?>[] ownerOnly(Path directory) {
		if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
			return new FileAttribute<?>[] {
					PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) };
		}
		return new FileAttribute<?>[0];
	}

	/**
	 * Creates a new run file of this owner, readable by its user only.
	 * @return the file
	 */
	Path newRun() throws IOException {
		return Files.createTempFile(this.directory, PREFIX + this.owner + "-", ".copy");
	}

	/**
	 * Deletes the lock file and releases it: the caller has deleted its runs. Safe to
	 * call twice.
	 */
	@Override
	public void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		try {
			// while it is locked, so that no cleanup has it open
			Files.deleteIfExists(this.lockFile);
		}
		catch (IOException ex) {
			logger.warn("Could not delete the sort lock file {}: {}", this.lockFile, ex.toString());
		}
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			logger.warn("Could not close the sort lock file {}: {}", this.lockFile, ex.toString());
		}
		finally {
			LIVE.remove(this.owner);
		}
	}

	/**
	 * Removes the run and lock files of sorts that died from a directory: those whose
	 * lock file can be locked, and runs left without a lock file. Only regular files
	 * whose names are ours, not following links.
	 * @param directory the sort directory
	 * @return what was removed
	 * @throws IOException when the directory cannot be read (a missing one holds nothing)
	 */
	static Leftovers removeLeftovers(Path directory) throws IOException {
		Set<String> locks = new HashSet<>();
		Map<String, List<Path>> runs = new LinkedHashMap<>();
		try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + "*")) {
			for (Path file : files) {
				String name = file.getFileName().toString();
				Matcher lock = LOCK_FILE.matcher(name);
				Matcher run = RUN_FILE.matcher(name);
				if (lock.matches()) {
					locks.add(lock.group(1));
				}
				else if (run.matches()) {
					runs.computeIfAbsent(run.group(1), (owner) -> new ArrayList<>()).add(file);
				}
			}
		}
		catch (NoSuchFileException ex) {
			return Leftovers.NONE;
		}
		Leftovers removed = Leftovers.NONE;
		for (String owner : locks) {
			if (!LIVE.contains(owner)) {
				removed = removed.plus(removeIfDead(directory, owner));
			}
		}
		for (Map.Entry<String, List<Path>> owned : runs.entrySet()) {
			// a live owner's lock file exists from before its first run until after its
			// last is deleted, so runs seen before it is missing are of no live owner
			String owner = owned.getKey();
			if (!locks.contains(owner) && !LIVE.contains(owner)
					&& !Files.exists(lockFile(directory, owner), LinkOption.NOFOLLOW_LINKS)) {
				removed = removed.plus(delete(owned.getValue()).withSorts(1));
			}
		}
		return removed;
	}

	/** Removes an owner's files if its lock file can be locked, holding the lock. */
	private static Leftovers removeIfDead(Path directory, String owner) {
		Path lockFile = lockFile(directory, owner);
		if (!isRegularFile(lockFile)) {
			return Leftovers.NONE;
		}
		try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
			FileLock lock;
			try {
				lock = channel.tryLock();
			}
			catch (OverlappingFileLockException ex) {
				// held in this JVM by an owner that LIVE does not know (another class
				// loader)
				return Leftovers.NONE;
			}
			if (lock == null) {
				return Leftovers.NONE; // a live sort of another process
			}
			List<Path> runs = new ArrayList<>();
			try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, PREFIX + owner + "-*.copy")) {
				for (Path file : files) {
					if (RUN_FILE.matcher(file.getFileName().toString()).matches()) {
						runs.add(file);
					}
				}
			}
			Leftovers removed = delete(runs).withSorts(1);
			// the lock file last, while locked: a run never outlives it
			Files.deleteIfExists(lockFile);
			return removed;
		}
		catch (NoSuchFileException ex) {
			return Leftovers.NONE; // removed meanwhile by its owner or another cleanup
		}
		catch (IOException ex) {
			logger.warn("Could not remove the files of the dead sort {} in {}: {}", owner, directory, ex.toString());
			return Leftovers.NONE;
		}
	}

	private static Leftovers delete(List<Path> runs) {
		int files = 0;
		long bytes = 0;
		for (Path run : runs) {
			try {
				BasicFileAttributes attributes = Files.readAttributes(run, BasicFileAttributes.class,
						LinkOption.NOFOLLOW_LINKS);
				if (attributes.isRegularFile()) {
					Files.delete(run);
					files++;
					bytes += attributes.size();
				}
			}
			catch (NoSuchFileException ex) {
				// removed meanwhile
			}
			catch (IOException ex) {
				logger.warn("Could not delete the leftover sort file {}: {}", run, ex.toString());
			}
		}
		return new Leftovers(0, files, bytes);
	}

	private static boolean isRegularFile(Path file) {
		return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
	}

	private static Path lockFile(Path directory, String owner) {
		return directory.resolve(PREFIX + owner + ".lock");
	}

	/**
	 * What {@link #removeLeftovers} removed.
	 *
	 * @param sorts dead sorts whose files were removed
	 * @param files run files deleted
	 * @param bytes their size
	 */
	record Leftovers(int sorts, int files, long bytes) {

		static final Leftovers NONE = new Leftovers(0, 0, 0);

		Leftovers plus(Leftovers other) {
			return new Leftovers(this.sorts + other.sorts, this.files + other.files, this.bytes + other.bytes);
		}

		Leftovers withSorts(int sorts) {
			return new Leftovers(sorts, this.files, this.bytes);
		}

	}

}
