package dev.healthscore.jobs;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * An application class-data archive (AppCDS) for the application processes of one test
 * run: the classes a child loads to start Spring, parsed and verified once, mapped by
 * every later child instead of read from the jars again.
 *
 * <p>
 * Java 17 archives classes from jars only, and refuses a class path with a non-empty
 * directory: the class directories of this run (a module's {@code classes} and
 * {@code test-classes}) are copied into jars first, and the children run on those. The
 * archive is written by one training process that starts the application against a
 * database that refuses connections, which loads the start-up classes and exits. It all
 * lives in {@code target/app-cds-<pid>}, made anew by each test JVM: failsafe runs two at
 * once, and each has a directory of its own so that neither remakes the other's. Anything
 * that fails leaves the children without the archive, as they were before; a child whose
 * archive does not match its class path falls back to reading the jars, silently
 * ({@code -Xlog:cds*=off}).
 */
final class SharedClassArchive {

	/** How long the training process may take before the archive is given up. */
	private static final long TRAINING_SECONDS = 120;

	private final List<String> classPath;

	private final Path file;

	private SharedClassArchive(List<String> classPath, Path file) {
		this.classPath = classPath;
		this.file = file;
	}

	/**
	 * Makes the archive for a class path.
	 * @param classPath the test JVM's class path
	 * @param jvmOptions the children's start-up flags, which the training process uses
	 * too
	 * @return the archive, or empty when it could not be made
	 */
	static Optional<SharedClassArchive> create(List<String> classPath, List<String> jvmOptions) {
		Optional<Path> target = classPath.stream()
			.map(Path::of)
			.filter((entry) -> entry.endsWith("test-classes") && entry.getParent() != null)
			.map(Path::getParent)
			.findFirst();
		if (target.isEmpty()) {
			return Optional.empty();
		}
		try {
			Path dir = target.get().resolve("app-cds-" + ProcessHandle.current().pid());
			delete(dir);
			Files.createDirectories(dir);
			List<String> jars = new ArrayList<>();
			for (String entry : classPath) {
				Path path = Path.of(entry);
				if (Files.isDirectory(path)) {
					Path jar = dir.resolve(jars.size() + "-" + path.getFileName() + ".jar");
					jar(path, jar);
					jars.add(jar.toString());
				}
				else {
					jars.add(entry);
				}
			}
			Path file = dir.resolve("app.jsa");
			List<String> command = new ArrayList<>();
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			command.addAll(jvmOptions);
			command.addAll(List.of("-XX:ArchiveClassesAtExit=" + file, "-Xlog:cds*=off", "-cp",
					String.join(File.pathSeparator, jars), HealthScoreApplication.class.getName(), "status",
					"--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none"));
			Process training = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(dir.resolve("training.log").toFile())
				.start();
			if (!training.waitFor(TRAINING_SECONDS, TimeUnit.SECONDS)) {
				training.destroyForcibly();
				return Optional.empty();
			}
			return Files.isRegularFile(file) ? Optional.of(new SharedClassArchive(jars, file)) : Optional.empty();
		}
		catch (IOException | UncheckedIOException ex) {
			return Optional.empty();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Optional.empty();
		}
	}

	/**
	 * Returns the class path the archive was made for: the test JVM's, its class
	 * directories replaced by jars.
	 * @return the class path
	 */
	String classPath() {
		return String.join(File.pathSeparator, this.classPath);
	}

	/**
	 * Returns the options that map the archive.
	 * @return the options
	 */
	List<String> jvmOptions() {
		return List.of("-XX:SharedArchiveFile=" + this.file, "-Xshare:auto", "-Xlog:cds*=off");
	}

	/**
	 * Copies a class directory into a jar, directories included: component scanning asks
	 * the class loader for a package's directory.
	 */
	private static void jar(Path dir, Path jar) throws IOException {
		try (OutputStream out = Files.newOutputStream(jar);
				JarOutputStream jarOut = new JarOutputStream(out);
				Stream<Path> paths = Files.walk(dir)) {
			for (Path path : paths.sorted().toList()) {
				if (path.equals(dir)) {
					continue;
				}
				String name = dir.relativize(path).toString().replace(File.separatorChar, '/');
				if (Files.isDirectory(path)) {
					jarOut.putNextEntry(new JarEntry(name + "/"));
				}
				else {
					jarOut.putNextEntry(new JarEntry(name));
					Files.copy(path, jarOut);
				}
				jarOut.closeEntry();
			}
		}
	}

	private static void delete(Path dir) throws IOException {
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(dir)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(path);
			}
		}
	}

}
